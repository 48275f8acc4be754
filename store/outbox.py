"""The outbox's SQL: find due rows, mark them sending, count sends to citizens, write refusals, outcomes and attempts.

Each function runs inside its caller's transaction (the outbox worker's short claim and record transactions) and
decides nothing: which rows a claim takes, whether a send is allowed and what an outcome does to its row are the
worker's (delivery/worker.py). Writes of an outcome are guarded by the attempt its row was claimed with, so a
claim whose lease ran out cannot overwrite a newer one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (CompoundSelect, Connection, Row, and_, bindparam, func, insert, literal, or_, select, tuple_,
                        union_all, update)

from store.models import DeliveryAttempt, Outbox

OUTBOX = Outbox.__table__
ATTEMPTS = DeliveryAttempt.__table__
BULK_CHUNK = 500
CLAIM_COLUMNS = (OUTBOX.c.id, OUTBOX.c.delivery_id, OUTBOX.c.audience, OUTBOX.c.transport, OUTBOX.c.agency,
                 OUTBOX.c.target, OUTBOX.c.event, OUTBOX.c.payload, OUTBOX.c.attempts, OUTBOX.c.created_at,
                 OUTBOX.c.next_attempt_at)
# Taken (PostgreSQL) by a claim that holds SMS or e-mails to citizens, for the rest of its transaction: instances
# count the sends in the store one after another, so two claims cannot both take the last one allowed. On SQLite
# the claim's BEGIN IMMEDIATE already runs one claim at a time.
SEND_LIMITS_LOCK = 0x616475616E  # "aduan"


@dataclass(frozen=True, slots=True)
class Written:
    """What one claim's outcome writes: its row's next state and the attempt, recorded only if the claim still
    owns the row (still sending, same attempt)."""

    row_id: int
    delivery_id: str
    attempt: int  # the attempt number the row was claimed with
    state: str  # delivered | failed | dead | undeliverable
    next_attempt_at: datetime | None  # set only when a retry is scheduled
    last_error: str | None
    outcome: str  # the attempt's: delivered | retry | permanent | gave_up | released | undeliverable
    detail: str | None  # the attempt's
    at: datetime
    provider_message_id: str | None = None  # a delivered message's id at the provider (for its status callbacks)
    fallback: bool = False  # undeliverable: the caller queues the SMS standing in (store/fallback.py)


def _is_due(now: datetime):
    """Rows due for a claim: pending or failed and due, or sending with the lease run out (a crashed worker's)."""
    return or_(and_(OUTBOX.c.state.in_(("pending", "failed")), OUTBOX.c.next_attempt_at <= now),
               and_(OUTBOX.c.state == "sending", OUTBOX.c.lease_until < now))


def _due_query(conn: Connection, now: datetime, transports: Sequence[str], limit: int,
               full: Collection[tuple[str, str]], taken: Sequence[int] | None) -> CompoundSelect:
    where = [OUTBOX.c.transport.in_(transports)]
    if taken:
        where.append(OUTBOX.c.id.not_in(taken))
    if full:
        by_transport: dict[str, list[str]] = {}
        for transport, agency in sorted(full):
            by_transport.setdefault(transport, []).append(agency)
        # Rows with no agency (citizen replies) are never capped per agency; NOT IN alone would drop them.
        where.append(or_(OUTBOX.c.agency.is_(None), *(
            and_(OUTBOX.c.transport == t, OUTBOX.c.agency.not_in(agencies)) for t, agencies in by_transport.items()
        ), OUTBOX.c.transport.not_in(sorted(by_transport))))
    due = {
        "pending": OUTBOX.c.next_attempt_at <= now,
        "failed": OUTBOX.c.next_attempt_at <= now,
        "sending": OUTBOX.c.lease_until < now,  # a crashed worker's row comes back
    }
    parts = []
    for state, condition in due.items():
        part = (select(*CLAIM_COLUMNS, literal(state).label("part"))
                .where(*where, OUTBOX.c.state == state, condition)
                .order_by(OUTBOX.c.next_attempt_at).limit(limit))
        if conn.dialect.name == "postgresql":
            # Inside a CTE, as PostgreSQL allows no locking clause on a UNION itself.
            part = part.with_for_update(skip_locked=True)
        parts.append(part.cte(f"due_{state}"))
    return union_all(*(select(part) for part in parts))


def due_rows(conn: Connection, now: datetime, transports: Sequence[str], limit: int,
             full: Collection[tuple[str, str]] = frozenset(), taken: Sequence[int] | None = None) -> list[Row]:
    """Due rows of these transports (CLAIM_COLUMNS and the `part`, the state each was found in), but none of the
    (transport, agency) pairs in `full` nor the ids in `taken`.

    One part per state, each read in order from the (state, next_attempt_at) index and stopped at `limit`, so a
    claim costs the same with ten rows due or a hundred thousand. On PostgreSQL rows locked by another claim are
    skipped, not waited for; rows read here but not marked sending are unlocked again at commit.
    """
    return list(conn.execute(_due_query(conn, now, transports, limit, full, taken)).all())


def others_due(conn: Connection, now: datetime, transport: str, agencies: Sequence[str],
               taken: Sequence[int]) -> bool:
    """Whether an agency other than these has a row of this transport due (a row in `taken` is not)."""
    query = (select(OUTBOX.c.id)
             .where(OUTBOX.c.transport == transport, OUTBOX.c.agency.is_not(None), OUTBOX.c.agency.not_in(agencies),
                    _is_due(now))
             .limit(1))
    if taken:
        query = query.where(OUTBOX.c.id.not_in(taken))
    return conn.execute(query).first() is not None


def record_lost(conn: Connection, rows: Iterable[Row], now: datetime, detail: str) -> None:
    """Record, for each row found with its lease run out (part "sending"), the attempt whose worker never said how
    it went; that worker's late outcome, if any, will not be recorded."""
    lost = [{"outbox_id": r.id, "delivery_id": r.delivery_id, "attempt": r.attempts, "at": now, "outcome": "lost",
             "detail": detail} for r in rows if r.part == "sending"]
    if lost:
        conn.execute(insert(ATTEMPTS), lost)


def mark_sending(conn: Connection, ids: Sequence[int], now: datetime, lease_until: datetime) -> None:
    """Claim these rows: sending until `lease_until`, one attempt more."""
    conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids))
                 .values(state="sending", lease_until=lease_until, attempts=OUTBOX.c.attempts + 1, updated_at=now))


def refuse(conn: Connection, rows: Sequence[Row], reasons: Mapping[int, str], now: datetime) -> None:
    """Record rows the send limits refuse: final, with the reason (by row id) on the row and in an attempt."""
    by_reason: dict[str, list[int]] = {}
    for r in rows:
        by_reason.setdefault(reasons[r.id], []).append(r.id)
    for reason, ids in by_reason.items():  # a handful of reasons: one statement each
        conn.execute(update(OUTBOX).where(OUTBOX.c.id.in_(ids))
                     .values(state="refused", lease_until=None, attempts=OUTBOX.c.attempts + 1, last_error=reason,
                             updated_at=now))
    conn.execute(insert(ATTEMPTS), [
        {"outbox_id": r.id, "delivery_id": r.delivery_id, "attempt": r.attempts + 1, "at": now, "outcome": "refused",
         "detail": reasons[r.id]} for r in rows])


def lock_send_limits(conn: Connection) -> None:
    """Count sends to citizens one claim at a time across instances, until the transaction ends (SEND_LIMITS_LOCK)."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(SEND_LIMITS_LOCK)))


def _citizen_sends(transports: Sequence[str], exclude: Sequence[int]) -> list[Any]:
    """Rows that went out to citizens on these transports (delivered or being sent), but not those in `exclude`."""
    return [OUTBOX.c.audience == "citizen", OUTBOX.c.transport.in_(transports),
            OUTBOX.c.state.in_(("sending", "delivered")), OUTBOX.c.id.not_in(exclude)]


def count_citizen_sends(conn: Connection, transports: Sequence[str], exclude: Sequence[int], since: datetime) -> int:
    """How many sends to citizens on these transports went out after `since` (by `updated_at`), not counting the
    rows in `exclude`."""
    return conn.execute(select(func.count()).select_from(OUTBOX)
                        .where(*_citizen_sends(transports, exclude), OUTBOX.c.updated_at > since)).scalar_one()


@dataclass(frozen=True, slots=True)
class Destinations:
    """Targets to look for: `numbers` on the SMS transports (a target compared with every one of `separators`
    removed), and on the e-mail transport `mailboxes`, LIKE patterns with "\\" escaping over the lower-cased target
    (with every dot removed first where a pattern is marked dotless)."""

    sms_transports: Sequence[str]
    separators: Sequence[str]
    numbers: Collection[str]
    email_transport: str
    mailboxes: Collection[tuple[str, bool]]


def citizen_sends_to(conn: Connection, transports: Sequence[str], exclude: Sequence[int], since: datetime,
                     wanted: Destinations) -> list[Row]:
    """The sends to citizens (as count_citizen_sends) after `since` whose target may be one of `wanted`: their
    transport, target and `updated_at`. Only those are read, not every send of the day."""
    same: list[Any] = []
    if wanted.numbers:
        bare = OUTBOX.c.target
        for separator in wanted.separators:
            bare = func.replace(bare, separator, "")
        same.append(and_(OUTBOX.c.transport.in_(wanted.sms_transports), bare.in_(sorted(wanted.numbers))))
    for pattern, dotless in sorted(wanted.mailboxes):
        address = func.lower(OUTBOX.c.target)
        if dotless:
            address = func.replace(address, ".", "")
        same.append(and_(OUTBOX.c.transport == wanted.email_transport, address.like(pattern, escape="\\")))
    if not same:
        return []
    return list(conn.execute(select(OUTBOX.c.transport, OUTBOX.c.target, OUTBOX.c.updated_at)
                             .where(*_citizen_sends(transports, exclude), OUTBOX.c.updated_at > since, or_(*same)))
                .all())


def _write_one(conn: Connection, written: Written) -> bool:
    """Update one row if its claim still owns it (still sending, same attempt)."""
    values: dict[str, Any] = {"state": written.state, "lease_until": None, "last_error": written.last_error,
                              "updated_at": written.at}
    if written.next_attempt_at is not None:
        values["next_attempt_at"] = written.next_attempt_at
    done = conn.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == written.row_id, OUTBOX.c.state == "sending", OUTBOX.c.attempts == written.attempt)
        .values(**values)
    )
    return done.rowcount == 1


def write_outcomes(conn: Connection, outcomes: Sequence[Written]) -> list[bool]:
    """Write outcomes and their attempts; return which rows their claims still owned (the others are left as they
    are, their attempts unrecorded). Deliveries go in one statement per chunk, the rarer failures one by one."""
    applied = [False] * len(outcomes)
    delivered = [i for i, w in enumerate(outcomes) if w.state == "delivered"] if conn.dialect.update_returning else []
    for start in range(0, len(delivered), BULK_CHUNK):
        chunk = delivered[start:start + BULK_CHUNK]
        owned = {(outcomes[i].row_id, outcomes[i].attempt) for i in chunk}
        done = conn.execute(
            update(OUTBOX)
            # `id IN` lets the primary key find the rows; the pairs check that each claim still owns its row.
            .where(OUTBOX.c.id.in_(sorted(row_id for row_id, _ in owned)), OUTBOX.c.state == "sending",
                   tuple_(OUTBOX.c.id, OUTBOX.c.attempts).in_(sorted(owned)))
            .values(state="delivered", lease_until=None, last_error=None, updated_at=max(outcomes[i].at for i in chunk))
            .returning(OUTBOX.c.id)
        )
        ids = {row.id for row in done}
        for i in chunk:
            applied[i] = outcomes[i].row_id in ids
    bulk = set(delivered)
    for i, written in enumerate(outcomes):
        if i not in bulk:
            applied[i] = _write_one(conn, written)
    named = [{"row": w.row_id, "mid": w.provider_message_id} for w, ok in zip(outcomes, applied)
             if ok and w.provider_message_id]
    if named:
        conn.execute(update(OUTBOX).where(OUTBOX.c.id == bindparam("row"))
                     .values(provider_message_id=bindparam("mid")), named)
    # Every attempt whose outcome stood, in the same transaction; a stale claim's attempt is not recorded.
    attempts = [{"outbox_id": w.row_id, "delivery_id": w.delivery_id, "attempt": w.attempt, "at": w.at,
                 "outcome": w.outcome, "detail": w.detail} for w, ok in zip(outcomes, applied) if ok]
    for start in range(0, len(attempts), BULK_CHUNK):
        conn.execute(insert(ATTEMPTS), attempts[start:start + BULK_CHUNK])
    return applied
