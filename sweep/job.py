"""One triage sweep: load what may be due, decide (sweep.decide), apply, send the digests, record the sweep.

Loading reads only candidates, each through an index on what makes it due (the triage queue, due times before
now, escalation times before now, resolutions older than the shortest closing time), so a sweep's time follows
its due items and not the size of the store. Applying goes in chunks, each in one short write transaction that
reads its rows again and decides again on what it finds, so a ticket acknowledged while the sweep ran is not
marked overdue, and the intake never waits long for the write lock. A dry run decides and writes nothing.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import structlog
from sqlalchemy import Connection, bindparam, func, select, update

from complaints.links import track_url
from complaints.messages import say, status_name
from complaints.reach import forwarded_by
from config.loader import Config
from store import rows
from router import router_for
from sla.workdays import parse_duration
from store import actions
from store import models as m
from store import tickets
from store.bulk import bulk_insert
from store.db import Database
from sweep import decide
from sweep.digest import build_digests, load_digest_facts
from sweep.lease import acquire, release

log = structlog.get_logger("sweep")

C = m.Complaint.__table__
O = m.Outbox.__table__
E = m.Event.__table__
CHUNK = 500
LEASE = "sweep"
LEASE_TTL = timedelta(minutes=30)
OPEN_COLUMNS = (C.c.id, C.c.code, C.c.status, C.c.agency, C.c.priority, C.c.region, C.c.category, C.c.received_at,
                C.c.assigned_at, C.c.acknowledged_at, C.c.acknowledge_due_at, C.c.resolve_due_at, C.c.overdue,
                C.c.overdue_since, C.c.escalate_due_at)
NOTICE_COLUMNS = (C.c.id, C.c.code, C.c.status, C.c.agency, C.c.priority, C.c.region, C.c.resolved_at, C.c.channel,
                  C.c.reply_to, C.c.reply_via, C.c.reporter_id, C.c.language)
EVENT_COLUMNS = ("complaint_id", "at", "actor", "type", "status", "public", "data")
OUTBOX_COLUMNS = tuple(c.name for c in O.columns if c.name != "id")
ACTOR = "sweep"
SCHEDULED = ("schedule", "catch-up")  # triggers of the sweeps the schedule runs (a command's sweeps are extra)
LEASE_HELD = "another instance is sweeping"  # why a sweep was skipped
SLOT_SWEPT = "this slot was swept already"
COUNTS = ("rerouted", "scheduled", "overdue", "escalated", "closed", "requeued", "digests")


def instance_name() -> str:
    """This process, as leases and the sweep history name it."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class SweepResult:
    """What one sweep decided and, unless a dry run, did."""

    as_of: datetime
    dry_run: bool
    plan: decide.Plan | None = None  # a dry run's decisions; a sweep's decisions as applied
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    skipped: str | None = None  # why nothing ran (another instance holds the sweep)
    sweep_id: int | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


# -- loading --------------------------------------------------------------------------------------------------

def close_bound(config: Config) -> timedelta:
    """No resolution more recent than this can have run out its closing time: N working days take at least N
    whole days, N hours exactly N hours. Candidates older than it are checked exactly by the decision."""
    d = parse_duration(config.settings.close_resolved_after)
    return timedelta(hours=d.amount) if d.unit == "h" else timedelta(days=d.amount)


def open_candidates(conn: Connection, now: datetime, ids: Sequence[int] | None = None) -> list[Mapping]:
    """Open complaints that may be due: missing a due time, past one, or past their escalation time; those in triage
    without their triage due time with the moment they entered triage (`entered_triage`).

    With `ids`, those complaints as they are now (a chunk read again inside its write transaction).
    """
    if ids is not None:
        query = select(*OPEN_COLUMNS).where(C.c.id.in_(ids))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
        return _entered_triage(conn, list(conn.execute(query).mappings()))
    flags = (False, True)
    first_answer = decide.TRIAGE_OPEN + decide.ACKNOWLEDGE_OPEN  # owed by the operators in triage, then the agency
    found: dict[int, Mapping] = {}
    queries = [
        # each matches one of the sweep's indexes: (overdue, status, due) or (escalate_due_at)
        select(*OPEN_COLUMNS).where(C.c.overdue.in_(flags), C.c.status.in_(first_answer),
                                    C.c.acknowledge_due_at.is_(None)),
        select(*OPEN_COLUMNS).where(C.c.overdue.in_(flags), C.c.status.in_(decide.RESOLVE_OPEN),
                                    C.c.resolve_due_at.is_(None)),
        select(*OPEN_COLUMNS).where(C.c.overdue.is_(False), C.c.status.in_(first_answer),
                                    C.c.acknowledge_due_at <= now),
        select(*OPEN_COLUMNS).where(C.c.overdue.is_(False), C.c.status.in_(decide.RESOLVE_OPEN),
                                    C.c.resolve_due_at <= now),
        select(*OPEN_COLUMNS).where(C.c.escalate_due_at <= now),
    ]
    for query in queries:
        for row in conn.execute(query).mappings():
            found[row["id"]] = row
    return _entered_triage(conn, list(found.values()))


def _entered_triage(conn: Connection, rows: list[Mapping]) -> list[Mapping]:
    """Give each complaint in triage that has no triage due time yet the moment it entered triage: its latest return
    by an agency (an event on the timeline, read by complaint), else its arrival."""
    ids = [row["id"] for row in rows if row["status"] in decide.TRIAGE_OPEN and row["acknowledge_due_at"] is None]
    if not ids:
        return rows
    returned: dict[int, datetime] = {}
    for start in range(0, len(ids), CHUNK):
        returned.update(conn.execute(select(E.c.complaint_id, func.max(E.c.at)).where(
            E.c.complaint_id.in_(ids[start:start + CHUNK]), E.c.type == "returned").group_by(E.c.complaint_id)).all())
    waiting = set(ids)
    return [dict(row, entered_triage=returned.get(row["id"], row["received_at"])) if row["id"] in waiting else row
            for row in rows]


def resolved_candidates(conn: Connection, config: Config, now: datetime, ids: Sequence[int] | None = None) -> list[Mapping]:
    """Resolved complaints old enough that their closing time may have run out."""
    query = select(*NOTICE_COLUMNS).where(C.c.status == "resolved")
    if ids is not None:
        query = query.where(C.c.id.in_(ids))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
    else:
        query = query.where(C.c.resolved_at <= now - close_bound(config))
    return list(conn.execute(query).mappings())


def triage_queue(conn: Connection, ids: Sequence[int] | None = None) -> tuple[list[Mapping], dict[int, set[str]]]:
    """Complaints waiting in triage, and for each the agencies that handed it on: returned it as not their authority,
    or forwarded it to another (complaints.reach.forwarded_by)."""
    query = select(C.c.id, C.c.code, C.c.text, C.c.region, C.c.channel, C.c.kind, C.c.category).where(C.c.status == "triage")
    if ids is not None:
        query = query.where(C.c.id.in_(ids))
        if conn.dialect.name == "postgresql":
            query = query.with_for_update()
    waiting = list(conn.execute(query).mappings())
    timelines: dict[int, list[Mapping]] = {}
    ids_found = [row["id"] for row in waiting]
    for start in range(0, len(ids_found), CHUNK):
        for event in conn.execute(select(E.c.complaint_id, E.c.type, E.c.data).where(
                E.c.complaint_id.in_(ids_found[start:start + CHUNK]), E.c.type.in_(("returned", "forwarded")))).mappings():
            timelines.setdefault(event["complaint_id"], []).append(event)
    return waiting, {cid: returned_by(events) | forwarded_by(events) for cid, events in timelines.items()}


def returned_by(timeline: Iterable[Mapping]) -> set[str]:
    """The agencies that returned the complaint to triage as not their authority."""
    return {e["data"]["from"] for e in timeline
            if e["type"] == "returned" and isinstance(e["data"], dict) and e["data"].get("from")}


def make_plan(conn: Connection, config: Config, now: datetime) -> decide.Plan:
    """Decide a sweep on what the store holds now."""
    waiting, handed_on = triage_queue(conn)
    return decide.plan(config, router_for(config), now, waiting=waiting, handed_on=handed_on,
                       open_rows=open_candidates(conn, now), resolved=resolved_candidates(conn, config, now))


# -- applying -------------------------------------------------------------------------------------------------

def _event(cid: int, now: datetime, kind: str, status: str | None, public: bool, data: dict) -> dict:
    return {"complaint_id": cid, "at": now, "actor": ACTOR, "type": kind, "status": status, "public": public,
            "data": data}


def _agency_rows(config: Config, agency: str | None, cid: int, code: str, event: str, now: datetime,
                 ticket: dict | None, reason: str | None = None) -> list[dict]:
    if agency is None or agency not in config.agencies:
        return []
    payload = {"code": code, **({"reason": reason} if reason else {})}
    return [dict(row, complaint_id=cid) for row in rows.deliveries_to(config, agency, event, payload, now, ticket)]


def _apply_open(conn: Connection, config: Config, now: datetime, ids: Sequence[int]) -> decide.Plan:
    """Schedule, mark overdue and escalate one chunk, decided again on the rows as they are now; return what was
    done."""
    p = decide.plan(config, router_for(config), now, open_rows=open_candidates(conn, now, ids))
    events, outbox = [], []
    for column in ("acknowledge_due_at", "resolve_due_at"):
        batch = [{"b_id": s.complaint_id, "b_due": s.due_at} for s in p.schedules if s.column == column]
        if batch:
            conn.execute(update(C).where(C.c.id == bindparam("b_id")).values({column: bindparam("b_due")}), batch)
    if p.overdue:
        conn.execute(update(C).where(C.c.id == bindparam("b_id")).values(
            overdue=True, overdue_since=now, escalate_due_at=bindparam("b_escalate"), updated_at=now),
            [{"b_id": o.complaint_id, "b_escalate": o.escalate_due_at} for o in p.overdue])
    if p.escalations:
        conn.execute(update(C).where(C.c.id.in_([e.complaint_id for e in p.escalations])).values(
            escalated_at=now, escalate_due_at=None, updated_at=now))
    # The tickets as this chunk leaves them, for the deliveries telling of it (one in triage tells its agency nothing:
    # it has none; the operators' digest lists it).
    told = tickets.snapshots(conn, config, [o.complaint_id for o in p.overdue if o.agency is not None]
                             + [e.complaint_id for e in p.escalations])
    for o in p.overdue:
        events.append(_event(o.complaint_id, now, "overdue", None, False,
                             {"clock": o.clock, "due_at": o.due_at.isoformat()}))
        outbox += _agency_rows(config, o.agency, o.complaint_id, o.code, "ticket.updated", now,
                               told.get(o.complaint_id), reason="overdue")
    for e in p.escalations:
        events.append(_event(e.complaint_id, now, "escalated", None, False, {"from": e.agency, "to": e.to_agency}))
        outbox += _agency_rows(config, e.to_agency, e.complaint_id, e.code, "ticket.escalated", now,
                               told.get(e.complaint_id))
    bulk_insert(conn, E, events, EVENT_COLUMNS)
    bulk_insert(conn, O, outbox, OUTBOX_COLUMNS)
    return p


def _apply_closings(conn: Connection, config: Config, now: datetime, ids: Sequence[int],
                    public_url: str) -> list[decide.Close]:
    """Close one chunk of resolved complaints, decided again; each citizen is told on their channel. Return the
    closings done."""
    fresh = resolved_candidates(conn, config, now, ids)
    closing = decide.closings(config, now, fresh)
    chosen_ids = {c.complaint_id for c in closing}
    chosen = [row for row in fresh if row["id"] in chosen_ids]
    if not chosen:
        return []
    conn.execute(update(C).where(C.c.id.in_([row["id"] for row in chosen]), C.c.status == "resolved").values(
        status="closed", closed_at=now, updated_at=now, **actions.CLEAR_OVERDUE))
    reporter_ids = sorted({row["reporter_id"] for row in chosen if row["reporter_id"] is not None})
    reporters = {r["id"]: r for r in conn.execute(
        select(m.Reporter.__table__).where(m.Reporter.id.in_(reporter_ids))).mappings()} if reporter_ids else {}
    events, outbox = [], []
    for row in chosen:
        events.append(_event(row["id"], now, "status", "closed", True, {}))
        language = row["language"]
        text = say("status_changed", language, code=row["code"], status=status_name("closed", language), note="",
                   track_url=track_url(public_url, row["code"], language))
        notice = rows.citizen_notice(row, reporters.get(row["reporter_id"]), "citizen.status.closed", text, now)
        if notice is not None:
            outbox.append(notice)
    bulk_insert(conn, E, events, EVENT_COLUMNS)
    bulk_insert(conn, O, outbox, OUTBOX_COLUMNS)
    return closing


def _apply_reroute(conn: Connection, config: Config, now: datetime, complaint_id: int,
                   public_url: str) -> decide.Reroute | None:
    """Route one complaint out of triage, if it still waits there and the rules still send it somewhere new; return
    the reroute done, if any."""
    waiting, handed_on = triage_queue(conn, [complaint_id])
    found = decide.reroutes(config, router_for(config), waiting, handed_on)
    if not found:
        return None
    r = found[0]
    conn.execute(update(C).where(C.c.id == complaint_id).values(
        rule=r.rule, rules_version=r.rules_version, category=r.category, priority=r.priority, status_reason=None))
    complaint = conn.execute(select(C).where(C.c.id == complaint_id)).mappings().one()
    actions.assign(conn, complaint, config, r.agency, ACTOR, f"aturan {r.rule}" if r.rule else None, now,
                   public_url=public_url)
    return r


def _requeue_failed(conn: Connection, queued_at: datetime) -> int:
    """Failed deliveries waiting for their next attempt are tried again now (`queued_at`)."""
    return conn.execute(update(O).where(O.c.state == "failed", O.c.next_attempt_at > queued_at)
                        .values(next_attempt_at=queued_at, updated_at=queued_at)).rowcount


@contextmanager
def _writing(db: Database, now: datetime, queued_at: datetime) -> Iterator[Connection]:
    """One write transaction of the sweep. A sweep as of a time still to come (`sweep --at` tomorrow) acts as of then,
    but what it queues goes out at `queued_at`, the real now: its rows (pending, never tried, due as of the sweep's
    time) are due, and count their days of retries, from now."""
    with db.writer.begin() as conn:
        yield conn
        if now > queued_at:
            conn.execute(update(O).where(O.c.state == "pending", O.c.next_attempt_at == now, O.c.attempts == 0)
                         .values(next_attempt_at=queued_at, created_at=queued_at, updated_at=queued_at))


def digested(conn: Connection, now: datetime) -> bool:
    """Whether a sweep as of this very instant already finished, so its digests went out: sweeping the same
    instant again (an operator's `sweep --at` repeated) must not send every agency the same digest twice."""
    S = m.Sweep.__table__
    return conn.execute(select(S.c.id).where(S.c.as_of == now, S.c.finished_at.is_not(None), S.c.error.is_(None))
                        .limit(1)).first() is not None


def _digest_rows(config: Config, facts, now: datetime, public_url: str) -> list[dict]:
    return [row for agency, digest in build_digests(config, facts, now, public_url)
            for row in rows.deliveries_to(config, agency, "digest", {"digest": digest}, now)]


def _send_digests(conn: Connection, config: Config, now: datetime, public_url: str) -> dict[str, int]:
    if digested(conn, now):
        return {"digests": 0}
    outbox = _digest_rows(config, load_digest_facts(conn), now, public_url)
    bulk_insert(conn, O, outbox, OUTBOX_COLUMNS)
    return {"digests": len(outbox)}


def preview(conn: Connection, config: Config, now: datetime, p: decide.Plan, public_url: str,
            queued_at: datetime) -> dict[str, int]:
    """What applying the plan would count, read without writing (a dry run); what it queues would be due at
    `queued_at`."""
    requeue = conn.execute(select(func.count()).where(O.c.state == "failed", O.c.next_attempt_at > queued_at)).scalar_one()
    digests = 0
    if not digested(conn, now):
        # The real sweep writes its digests after applying the plan: a complaint re-routed out of triage is open
        # at its new agency by then, and that agency may have had nothing open before.
        facts = load_digest_facts(conn)
        for r in p.reroutes:
            by_status = facts.counts.setdefault(r.agency, {})
            by_status["assigned"] = by_status.get("assigned", 0) + 1
        digests = len(_digest_rows(config, facts, now, public_url))
    return {"rerouted": len(p.reroutes), "scheduled": len(p.schedules), "overdue": len(p.overdue),
            "escalated": len(p.escalations), "closed": len(p.closings), "requeued": requeue, "digests": digests}


def _add(counts: dict[str, int], more: Mapping[str, int]) -> None:
    for key, n in more.items():
        counts[key] = counts.get(key, 0) + n


def _chunks(ids: list[int]) -> list[list[int]]:
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def apply_plan(db: Database, config: Config, now: datetime, p: decide.Plan, public_url: str,
               queued_at: datetime | None = None) -> dict[str, int]:
    """Apply a plan in short write transactions; return the counts of what was done. What it queues is due at
    `queued_at` (default: now, or the plan's time if that is earlier)."""
    return _apply(db, config, now, p, public_url, queued_at or min(now, utcnow()))[0]


def _apply(db: Database, config: Config, now: datetime, p: decide.Plan, public_url: str,
           queued_at: datetime) -> tuple[dict[str, int], decide.Plan]:
    """Apply a plan; return the counts and the decisions actually applied (each chunk decides again on fresh rows,
    so a ticket acknowledged since the plan was made drops out)."""
    done = decide.Plan([], [], [], [], [])
    for r in p.reroutes:
        with _writing(db, now, queued_at) as conn:
            rerouted = _apply_reroute(conn, config, now, r.complaint_id, public_url)
        if rerouted is not None:
            done.reroutes.append(rerouted)
    open_ids = sorted({s.complaint_id for s in p.schedules} | {o.complaint_id for o in p.overdue}
                      | {e.complaint_id for e in p.escalations})
    for chunk in _chunks(open_ids):
        with _writing(db, now, queued_at) as conn:
            applied = _apply_open(conn, config, now, chunk)
        done.schedules.extend(applied.schedules)
        done.overdue.extend(applied.overdue)
        done.escalations.extend(applied.escalations)
    for chunk in _chunks(sorted(c.complaint_id for c in p.closings)):
        with _writing(db, now, queued_at) as conn:
            done.closings.extend(_apply_closings(conn, config, now, chunk, public_url))
    counts = {"rerouted": len(done.reroutes), "scheduled": len(done.schedules), "overdue": len(done.overdue),
              "escalated": len(done.escalations), "closed": len(done.closings)}
    with _writing(db, now, queued_at) as conn:
        counts["requeued"] = _requeue_failed(conn, queued_at)
        _add(counts, _send_digests(conn, config, now, public_url))
    return counts, done


# -- one sweep ------------------------------------------------------------------------------------------------

def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def swept_in_slot(conn: Connection, since: datetime) -> bool:
    """Whether a scheduled sweep started at or after `since` and finished without error (one still running holds the
    lease, which is checked first; one cut off by a crash or a lost store never finishes and does not count)."""
    S = m.Sweep.__table__
    return conn.execute(select(S.c.id).where(S.c.trigger.in_(SCHEDULED), S.c.started_at >= since,
                                             S.c.finished_at.is_not(None), S.c.error.is_(None))
                        .limit(1)).first() is not None


INTERRUPTED = "interrupted: the sweep stopped before it finished (its process ended or lost the store)"


def _close_interrupted(db: Database, clock) -> None:
    """Mark the sweeps that never finished: whoever holds the lease knows no other sweep is running."""
    S = m.Sweep.__table__
    with db.writer.begin() as conn:
        conn.execute(update(S).where(S.c.finished_at.is_(None)).values(finished_at=clock(), error=INTERRUPTED))


def run_sweep(db: Database, config: Config, *, public_url: str, as_of: datetime | None = None, dry_run: bool = False,
              trigger: str = "command", instance: str | None = None, clock=utcnow,
              unless_swept_since: datetime | None = None) -> SweepResult:
    """Run one sweep as if at `as_of` (default now): decide, and unless `dry_run` apply and record it.

    Only one sweep runs at a time across instances (a lease in the store); when another holds it, nothing is done
    and `skipped` says so. With `unless_swept_since`, nothing is done either when a scheduled sweep started at or
    after that time (another instance ran this slot's sweep). A dry run takes no lease and writes nothing.
    """
    now = as_of or clock()
    result = SweepResult(as_of=now, dry_run=dry_run, started_at=clock())
    if dry_run:
        with db.reader.connect() as conn:
            result.plan = make_plan(conn, config, now)
            result.counts = preview(conn, config, now, result.plan, public_url, min(now, clock()))
        result.finished_at = clock()
        return result
    holder = instance or instance_name()
    if not acquire(db, LEASE, holder, clock(), LEASE_TTL):
        result.skipped = LEASE_HELD
        log.info("sweep.skipped", reason=result.skipped, trigger=trigger)
        return result
    try:
        _close_interrupted(db, clock)
        if unless_swept_since is not None:
            with db.reader.connect() as conn:
                if swept_in_slot(conn, unless_swept_since):
                    result.skipped = SLOT_SWEPT
                    log.info("sweep.skipped", reason=result.skipped, trigger=trigger)
                    return result
        with db.writer.begin() as conn:
            result.sweep_id = conn.execute(m.Sweep.__table__.insert().values(
                as_of=now, started_at=result.started_at, trigger=trigger, instance=holder, counts={})).inserted_primary_key[0]
        try:
            with db.reader.connect() as conn:
                decided = make_plan(conn, config, now)
            result.counts, result.plan = _apply(db, config, now, decided, public_url, min(now, clock()))
        except Exception as exc:
            _finish(db, result, error=f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}",
                    clock=clock)
            log.error("sweep.failed", sweep=result.sweep_id, trigger=trigger, error=type(exc).__name__)
            raise
        _finish(db, result, clock=clock)
    finally:
        release(db, LEASE, holder)
    log.info("sweep.finished", sweep=result.sweep_id, trigger=trigger, as_of=now.isoformat(),
             seconds=round((result.finished_at - result.started_at).total_seconds(), 3), **result.counts)
    return result


def _finish(db: Database, result: SweepResult, *, clock, error: str | None = None) -> None:
    result.finished_at = clock()
    with db.writer.begin() as conn:
        conn.execute(update(m.Sweep.__table__).where(m.Sweep.id == result.sweep_id).values(
            finished_at=result.finished_at, counts=result.counts, error=error))


def history(conn: Connection, limit: int = 20) -> list[Mapping]:
    """The latest sweeps, newest first."""
    S = m.Sweep.__table__
    return list(conn.execute(select(S).order_by(S.c.started_at.desc(), S.c.id.desc()).limit(limit)).mappings())


def last_sweep(conn: Connection) -> Mapping | None:
    """The latest sweep that finished without error, by the time it swept as of."""
    S = m.Sweep.__table__
    return conn.execute(select(S).where(S.c.finished_at.is_not(None), S.c.error.is_(None))
                        .order_by(S.c.as_of.desc(), S.c.id.desc()).limit(1)).mappings().first()
