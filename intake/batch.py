"""Store one batch of accepted messages in one transaction: pure over a connection, no threads or queues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy import Connection, bindparam, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

from complaints.codes import new_code
from complaints.links import track_url
from complaints.messages import say, status_name
from complaints.model import OPEN_STATUSES, InboundMessage, IntakeResult
from config.loader import Config
from store import rows
from intake.conversation import Command, classify, read_rating
from router import Decision, router_for
from sla.terms import due
from store import actions, tickets
from store import models as m
from store.bulk import allocate_ids, bulk_insert
from store.db import Database, StoreUnavailable

log = structlog.get_logger("intake")

ATTEMPTS = 3


def _columns(model) -> tuple[str, ...]:
    return tuple(c.name for c in model.__table__.columns if c.name != "id")


# Rows are written with explicit ids where other rows point at them, database-assigned ids elsewhere.
REPORTER_COLUMNS = ("id", *_columns(m.Reporter))
COMPLAINT_COLUMNS = ("id", *_columns(m.Complaint))
INBOUND_COLUMNS = _columns(m.InboundMessage)
FOLLOWUP_COLUMNS = _columns(m.FollowUp)
EVENT_COLUMNS = _columns(m.Event)
OUTBOX_COLUMNS = _columns(m.Outbox)
ATTACHMENT_COLUMNS = _columns(m.Attachment)


# A follow-up is acknowledged to the citizen at most this often per complaint (SPEC section 15).
FOLLOWUP_ACK_EVERY = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Target:
    """The stored complaint a message joins: its id, code, status and agency; whether it waits for this citizen's
    answer; when a follow-up of it was last acknowledged."""

    id: int
    code: str
    status: str
    agency: str | None
    answers: bool = False
    acked_at: datetime | None = None


@dataclass(slots=True)
class WriteItem:
    """A message to store and the config in force when it arrived; then its routing and its result."""

    msg: InboundMessage
    config: Config
    command: Command | None = None
    decision: Decision | None = None
    result: IntakeResult | None = None


def write_batch(db: Database, batch: list[WriteItem], now: datetime, public_url: str) -> StoreUnavailable | None:
    """Store a batch in one transaction, setting each item's result; return the error if nothing was stored.

    When the database is unavailable the whole batch fails. When it refuses the data (or a bug
    throws), the batch is split and written in halves, so one bad message fails alone and the
    others are stored.
    """
    for item in batch:
        # Pure, and outside the transaction: a long text never holds the writer. A follow-up's decision goes unused.
        item.command = command_of(item)
        if item.command is None and item.decision is None:
            msg = item.msg
            item.decision = router_for(item.config).route(msg.text, region=msg.region, channel=msg.channel, kind=msg.kind)
    error = _write(db, batch, now, public_url)
    if error is None:
        return None
    if len(batch) > 1 and not _is_outage(error):
        log.warning("intake.batch_split", size=len(batch), error=type(error).__name__)
        half = len(batch) // 2
        write_batch(db, batch[:half], now, public_url)
        write_batch(db, batch[half:], now, public_url)
        return None  # items left without a result are answered as not stored
    log.error("intake.store_unavailable", size=len(batch), error=type(error).__name__,
              detail=str(error).splitlines()[0][:200] if str(error) else "")
    return StoreUnavailable("the complaint could not be stored")


def command_of(item: WriteItem) -> Command | None:
    """The command a message asks for: only a messaging channel's words alone can be one, never a message with media
    or a place; a channel may say itself that the citizen asked for the instructions (Messenger's Get Started)."""
    msg = item.msg
    if not msg.mergeable:
        return None
    if msg.intent == "help":
        return Command("help")
    if msg.attachments or msg.lat is not None:
        return None
    return classify(msg.text, item.config.settings.tracking_prefix)


def _is_outage(error: Exception) -> bool:
    """Tell a database that cannot be reached or written from one that refused this data."""
    return isinstance(error, (OperationalError, InterfaceError)) or bool(getattr(error, "connection_invalidated", False))


def _write(db: Database, batch: list[WriteItem], now: datetime, public_url: str) -> Exception | None:
    error: Exception | None = None
    for attempt in range(ATTEMPTS):
        for item in batch:
            item.result = None
        try:
            with db.writer.begin() as conn:
                _store(conn, batch, now, public_url)
            return None
        except IntegrityError as exc:
            # Another instance stored one of these ids (or a code collided) since we looked: look again.
            error = exc
            log.warning("intake.batch_conflict", attempt=attempt + 1, size=len(batch))
        except DBAPIError as exc:
            error = exc
            break
        except Exception as exc:  # a bug must not leave callers waiting forever
            log.exception("intake.batch_failed", size=len(batch))
            error = exc
            break
    for item in batch:
        item.result = None
    return error


def _store(conn: Connection, batch: list[WriteItem], now: datetime, public_url: str) -> None:
    # 1. Redeliveries: answer as the first time, write nothing.
    by_channel: dict[str, set[str]] = {}
    for p in batch:
        by_channel.setdefault(p.msg.channel, set()).add(p.msg.provider_message_id)
    seen: dict[tuple[str, str], tuple[dict, str | None]] = {}
    for channel, ids in by_channel.items():
        for row in conn.execute(
            select(m.InboundMessage.provider_message_id, m.InboundMessage.response, m.InboundMessage.fingerprint).where(
                m.InboundMessage.channel == channel, m.InboundMessage.provider_message_id.in_(ids)
            )
        ):
            seen[(channel, row.provider_message_id)] = (row.response, row.fingerprint)
    fresh: list[WriteItem] = []
    first_of: dict[tuple[str, str], WriteItem] = {}
    repeats: list[tuple[WriteItem, WriteItem]] = []
    for p in batch:
        key = (p.msg.channel, p.msg.provider_message_id)
        if key in seen:
            p.result = _duplicate(*seen[key], p.msg.fingerprint)
        elif key in first_of:
            repeats.append((p, first_of[key]))
        else:
            first_of[key] = p
            fresh.append(p)

    # 2. Commands (a status request, the instructions) are answered, not opened as complaints.
    commands: list[tuple[WriteItem, Command]] = []
    messages: list[WriteItem] = []
    for p in fresh:
        if p.command is None:
            messages.append(p)
        else:
            commands.append((p, p.command))
    fresh = messages

    # 3. Follow-ups: an edit joins the complaint of the message it edits; any other message of a
    # messaging channel joins its sender's complaint opened within the merge window.
    # A reporter asked to rate a resolved complaint answers 1–5 (SPEC section 15): a rating, not a complaint; a
    # complaint waiting for its citizen's answer takes their next message whatever the merge window.
    edited = _edited_complaints(conn, [p for p in fresh if p.msg.edit_of])
    joins: dict[int, Target] = {}  # batch index -> the complaint it joins
    senders = [p for p in fresh if p.msg.mergeable and p.msg.sender_id]
    recent = _recent_complaints(conn, senders, now)
    # Ratings are rare: only a message that reads as one costs the query of who was asked for one.
    asked = _rating_asks(conn, [p for p in senders if read_rating(p.msg.text or "") is not None], now)
    ratings: list[tuple[WriteItem, dict, tuple[int, str | None]]] = []
    openers: list[WriteItem] = []
    opened_by_sender: dict[tuple[str, str], WriteItem] = {}
    followers: list[tuple[WriteItem, WriteItem]] = []
    for i, p in enumerate(fresh):
        skey = (p.msg.channel, p.msg.sender_id or "")
        if p.msg.edit_of and (p.msg.channel, p.msg.edit_of) in edited:
            joins[i] = edited[(p.msg.channel, p.msg.edit_of)]
            continue
        if p.msg.mergeable and p.msg.sender_id:
            waiting = recent.get(skey)
            rating = read_rating(p.msg.text or "") if skey in asked and not (waiting and waiting.answers) else None
            if rating is not None:
                ratings.append((p, asked[skey], rating))
                continue
            if skey in recent:
                joins[i] = recent[skey]
                continue
            if skey in opened_by_sender:
                followers.append((p, opened_by_sender[skey]))
                continue
            opened_by_sender[skey] = p
        openers.append(p)

    # 4. New complaints (routed before the transaction) are written: reporters, complaints, what points at them.
    codes = [new_code(p.config.settings.tracking_prefix) for p in openers]
    languages = [p.msg.language or p.config.settings.language for p in openers]
    complaint_ids: dict[int, tuple[int, str]] = {}
    opened_rows: dict[int, dict] = {}  # batch item -> its complaint's row, for the tickets its deliveries carry
    if openers:
        reporters = [rows.reporter_row(p.msg, now) for p in openers]
        known = [r for r in reporters if r is not None]
        for r, rid in zip(known, allocate_ids(conn, m.Reporter.__table__, len(known))):
            r["id"] = rid
        bulk_insert(conn, m.Reporter.__table__, known, REPORTER_COLUMNS)
        complaint_rows = []
        for p, code, lang, reporter in zip(openers, codes, languages, reporters):
            row = rows.complaint_row(p.msg, p.decision, code, lang, now)
            row["reporter_id"] = reporter["id"] if reporter is not None else None
            if row["status"] == "assigned":
                row["acknowledge_due_at"] = due(p.config, row, "acknowledge", now)
            complaint_rows.append(row)
        for row, cid in zip(complaint_rows, allocate_ids(conn, m.Complaint.__table__, len(complaint_rows))):
            row["id"] = cid
        bulk_insert(conn, m.Complaint.__table__, complaint_rows, COMPLAINT_COLUMNS)
        for p, row in zip(openers, complaint_rows):
            complaint_ids[id(p)] = (row["id"], row["code"])
            opened_rows[id(p)] = row

    inbound, events, outbox, attachments, followups = [], [], [], [], []
    located: dict[int, tuple[float, float]] = {}  # complaint id -> the first place a follow-up gave
    phoned: dict[int, str] = {}  # complaint id -> the first phone number a follow-up gave (a shared contact)
    for p, code, lang in zip(openers, codes, languages):
        cid = complaint_ids[id(p)][0]
        cfg = p.config
        agency = p.decision.agency if p.decision.status == "assigned" else None
        response = {
            "code": code,
            "status": p.decision.status,
            "agency": rows.agency_ref(cfg, agency),
            "track_url": track_url(public_url, code, lang),
        }
        p.result = IntakeResult(code, p.decision.status, response["agency"], "opened", response, p.decision.rule)
        inbound.append(_inbound(p, cid, "opened", response, now))
        events.extend(dict(e, complaint_id=cid) for e in rows.opening_events(p.msg, p.decision, now))
        ack = rows.citizen_ack(p.msg, code, lang, response["track_url"], now)
        if ack:
            outbox.append(dict(ack, complaint_id=cid))
        event = "ticket.assigned" if agency else "ticket.triage"
        ticket = rows.opened_ticket(opened_rows[id(p)], p.msg, cfg, now)  # from memory: no read in the write transaction
        outbox.extend(dict(o, complaint_id=cid) for o in rows.agency_deliveries(cfg, p.decision.agency, code, event, now,
                                                                                ticket))
        attachments.extend(dict(a, complaint_id=cid) for a in rows.attachment_rows(p.msg, now))

    answered: set[int] = set()  # complaints whose wait for the citizen's answer ends now
    # The agencies' `ticket.updated` of each joined complaint, its ticket snapshot filled in once the follow-ups are
    # written (so the ticket shows the message it tells of).
    to_snapshot: dict[int, tuple[Config, list[dict]]] = {}
    acked: set[int] = {cid for cid, _code in complaint_ids.values()}  # acknowledged in this batch (or just opened)

    def join(p: WriteItem, target: Target) -> None:
        cfg, cid, code, agency = p.config, target.id, target.code, target.agency
        language = p.msg.language or cfg.settings.language
        response = {
            "code": code,
            "status": target.status,
            "agency": rows.agency_ref(cfg, agency),
            "track_url": track_url(public_url, code, language),
        }
        p.result = IntakeResult(code, target.status, response["agency"], "followup", response)
        inbound.append(_inbound(p, cid, "followup", response, now))
        followups.append({"complaint_id": cid, "text": p.msg.text, "created_at": p.msg.received_at})
        event = rows.followup_event(p.msg, now)
        answer = target.answers and cid not in answered
        if answer:
            answered.add(cid)
            event["data"] = dict(event["data"], answer=True)
        events.append(dict(event, complaint_id=cid))
        attachments.extend(dict(a, complaint_id=cid) for a in rows.attachment_rows(p.msg, now))
        if p.msg.lat is not None and p.msg.lon is not None:
            located.setdefault(cid, (p.msg.lat, p.msg.lon))
        if p.msg.reporter.phone and p.msg.reporter.phone.lstrip("+") != (p.msg.sender_id or "").lstrip("+"):
            # A number the sender gave beyond their own address (a Telegram contact): WhatsApp and SMS give the
            # sender's number with every message, the opening one too, so theirs is known already and costs nothing.
            phoned.setdefault(cid, p.msg.reporter.phone)
        # The agency hears of every follow-up; the citizen's answer to a question reaches the triage team when the
        # complaint has no agency yet.
        told = agency if agency in cfg.agencies else (cfg.triage if answer and cfg.triage in cfg.agencies else None)
        if told is not None:
            updated = rows.deliveries_to(cfg, told, "ticket.updated",
                                         {"code": code, **({"reason": "citizen_reply"} if answer else {})}, now)
            queued = [dict(o, complaint_id=cid) for o in updated]
            outbox.extend(queued)
            to_snapshot.setdefault(cid, (cfg, []))[1].extend(queued)
        if cid not in acked and (target.acked_at is None or now - target.acked_at >= FOLLOWUP_ACK_EVERY):
            acked.add(cid)
            text = say("followup_ack", language, code=code, track_url=response["track_url"])
            reply = rows.citizen_reply(p.msg, "citizen.followup", text, language, code, now)
            if reply:
                outbox.append(dict(reply, complaint_id=cid))

    opened = set(acked)
    for i, target in joins.items():
        join(fresh[i], target)
    for p, opener in followers:
        cid, code = complaint_ids[id(opener)]
        status = opener.decision.status
        join(p, Target(cid, code, status, opener.decision.agency if status == "assigned" else None))
    _record_conversation(conn, answered, acked - opened, now)
    _take_ratings(conn, ratings, inbound, outbox, now)

    _place_complaints(conn, located, now)
    _learn_phones(conn, phoned)
    _answer_commands(conn, commands, inbound, outbox, now, public_url)
    bulk_insert(conn, m.InboundMessage.__table__, inbound, INBOUND_COLUMNS)
    bulk_insert(conn, m.FollowUp.__table__, followups, FOLLOWUP_COLUMNS)
    bulk_insert(conn, m.Event.__table__, events, EVENT_COLUMNS)
    bulk_insert(conn, m.Attachment.__table__, attachments, ATTACHMENT_COLUMNS)
    _snapshot_updates(conn, to_snapshot, outbox)
    bulk_insert(conn, m.Outbox.__table__, outbox, OUTBOX_COLUMNS)
    for p, first in repeats:
        p.result = _duplicate(first.result.response, first.msg.fingerprint, p.msg.fingerprint)

def _snapshot_updates(conn: Connection, to_snapshot: dict[int, tuple[Config, list[dict]]], outbox: list) -> None:
    """Give each follow-up's `ticket.updated` its ticket as it stands with the follow-up written (store.tickets)."""
    if not to_snapshot:
        return
    by_config: dict[int, tuple[Config, list[int]]] = {}
    for cid, (cfg, _rows) in to_snapshot.items():
        by_config.setdefault(id(cfg), (cfg, []))[1].append(cid)
    filled: dict[int, dict] = {}
    for cfg, cids in by_config.values():
        filled.update(tickets.snapshots(conn, cfg, cids))
    wanted = {id(row): cid for cid, (_cfg, queued) in to_snapshot.items() for row in queued}
    for i, row in enumerate(outbox):
        cid = wanted.get(id(row))
        if cid is None:
            continue
        if cid in filled:
            outbox[i] = dict(row, payload={**row["payload"], "ticket": filled[cid]})


def _answer_commands(conn: Connection, commands: list[tuple[WriteItem, Command]], inbound: list, outbox: list,
                     now: datetime, public_url: str) -> None:
    """Answer status requests, objections to a resolution and requests for instructions on the sender's channel,
    through the outbox; an objection from the complaint's reporter reopens a resolved complaint."""
    if not commands:
        return
    codes = {c.code for _, c in commands if c.code}
    found = {}
    if codes:
        found = {row["code"]: row for row in conn.execute(
            select(m.Complaint.__table__).where(m.Complaint.code.in_(codes))).mappings()}
    for p, command in commands:
        cfg, msg = p.config, p.msg
        language = msg.language or cfg.settings.language
        example = f"{cfg.settings.tracking_prefix}-7K3QX9P2"
        complaint = found.get(command.code) if command.code else None
        if command.name == "objection" and complaint is not None and (
                complaint["channel"], complaint["reply_to"]) != (msg.channel, msg.reply_to):
            complaint = None  # only its reporter, on the channel they filed it, can object: to others it is unknown
        if command.name == "help":
            text = say("help", language, example=example)
        elif command.name == "objection" and command.code is None:
            text = say("objection_how", language, example=example)
        elif command.name == "objection" and complaint is not None:
            agency = cfg.agencies.get(complaint["agency"]) if complaint["agency"] else None
            if complaint["status"] == "resolved" and agency is not None:
                actions.reopen_on_objection(conn, complaint, cfg, command.note, now)
                complaint = dict(complaint, status="in_progress")
                text = say("objection_accepted", language, code=complaint["code"], agency=agency.name,
                           track_url=track_url(public_url, complaint["code"], language))
            else:
                text = say("objection_not_resolved", language, code=complaint["code"],
                           status=status_name(complaint["status"], language))
        elif complaint is None and command.code:
            text = say("status_unknown", language, code=command.code, example=example)
        elif complaint is None:
            text = say("status_unreadable", language, example=example)
        else:
            agency = cfg.agencies.get(complaint["agency"]) if complaint["agency"] else None
            text = say(
                "status", language, code=complaint["code"], status=status_name(complaint["status"], language),
                agency=say("status_agency", language, agency=agency.name) if agency else "",
                track_url=track_url(public_url, complaint["code"], language),
            )
        response = {"command": command.name, "code": complaint["code"] if complaint else command.code}
        p.result = IntakeResult(
            complaint["code"] if complaint else "", complaint["status"] if complaint else "",
            rows.agency_ref(cfg, complaint["agency"]) if complaint else None, "command", response,
        )
        inbound.append(_inbound(p, complaint["id"] if complaint else None, "command", response, now))
        reply = rows.citizen_reply(msg, f"citizen.{command.name}", text, language, response["code"], now)
        if reply:
            outbox.append(dict(reply, complaint_id=complaint["id"] if complaint else None))


def _place_complaints(conn: Connection, located: dict[int, tuple[float, float]], now: datetime) -> None:
    """Give a complaint with no location the place a follow-up sent (a WhatsApp text, then the location)."""
    if not located:
        return
    table = m.Complaint.__table__
    conn.execute(table.update().where(table.c.id == bindparam("cid"), table.c.lat.is_(None))
                 .values(lat=bindparam("new_lat"), lon=bindparam("new_lon"), updated_at=now),
                 [{"cid": cid, "new_lat": lat, "new_lon": lon} for cid, (lat, lon) in located.items()])


def _learn_phones(conn: Connection, phoned: dict[int, str]) -> None:
    """Give a reporter with no phone number the one a follow-up carried (a Telegram contact shared later), so that a
    notice their channel refuses can go by SMS (SPEC 16)."""
    if not phoned:
        return
    reporters, complaints = m.Reporter.__table__, m.Complaint.__table__
    owner = select(complaints.c.reporter_id).where(complaints.c.id == bindparam("cid")).scalar_subquery()
    conn.execute(reporters.update().where(reporters.c.id == owner, reporters.c.phone.is_(None))
                 .values(phone=bindparam("new_phone")),
                 [{"cid": cid, "new_phone": phone} for cid, phone in phoned.items()])


def _edited_complaints(conn: Connection, edits: list[WriteItem]) -> dict:
    """Find the complaints of the messages these edits change."""
    found: dict[tuple[str, str], Target] = {}
    for p in edits:
        row = conn.execute(
            select(m.Complaint.id, m.Complaint.code, m.Complaint.status, m.Complaint.agency)
            .join(m.InboundMessage, m.InboundMessage.complaint_id == m.Complaint.id)
            .where(m.InboundMessage.channel == p.msg.channel, m.InboundMessage.provider_message_id == p.msg.edit_of)
        ).first()
        if row is not None:
            found[(p.msg.channel, p.msg.edit_of)] = Target(row.id, row.code, row.status, row.agency)
    return found


def _senders_by_channel(pending: list[WriteItem], window_of) -> dict[str, tuple[set[str], int]]:
    """The senders of each channel among `pending`, and the widest window (`window_of(settings)`) their configs give."""
    by_channel: dict[str, tuple[set[str], int]] = {}
    for p in pending:
        senders, window = by_channel.get(p.msg.channel, (set(), 0))
        senders.add(p.msg.sender_id)
        by_channel[p.msg.channel] = (senders, max(window, window_of(p.config.settings)))
    return by_channel


def _recent_complaints(conn: Connection, pending: list[WriteItem], now: datetime) -> dict[tuple[str, str], Target]:
    """The complaint each sender's message joins: one waiting for this citizen's answer (SPEC section 15), else one
    they opened within the merge window, still open; the newest of each kind."""
    if not pending:
        return {}
    found: dict[tuple[str, str], Target] = {}
    by_channel = _senders_by_channel(pending, lambda settings: settings.merge_window_minutes)
    C = m.Complaint
    # The opening acknowledgement counts as one: a follow-up within the hour after it is not acknowledged again.
    acked = func.coalesce(C.followup_acked_at, C.received_at).label("acked_at")
    columns = (C.id, C.code, C.status, C.agency, C.sender_id, acked)
    for channel, (senders, window) in by_channel.items():
        for row in conn.execute(
            select(*columns).where(C.channel == channel, C.sender_id.in_(senders), C.waiting_until > now,
                                   C.status.in_((*OPEN_STATUSES, "resolved")))
            .order_by(C.waiting_since.desc(), C.id.desc())
        ):
            found.setdefault((channel, row.sender_id),
                             Target(row.id, row.code, row.status, row.agency, True, row.acked_at))
        if window <= 0:
            continue
        cutoff = now - timedelta(minutes=window)
        result = conn.execute(
            select(*columns)
            .where(
                C.channel == channel,
                C.sender_id.in_(senders),
                C.received_at >= cutoff,
                C.status.in_(OPEN_STATUSES),
            )
            .order_by(C.received_at.desc(), C.id.desc())
        )
        for row in result:
            found.setdefault((channel, row.sender_id),
                             Target(row.id, row.code, row.status, row.agency, False, row.acked_at))
    return found


def _rating_asks(conn: Connection, pending: list[WriteItem], now: datetime) -> dict[tuple[str, str], dict]:
    """Each sender's latest complaint that asked them for a rating within the reply window (rated already or not)."""
    if not pending:
        return {}
    C = m.Complaint.__table__
    found: dict[tuple[str, str], dict] = {}
    by_channel = _senders_by_channel(pending, lambda settings: settings.reply_window_days)
    for channel, (senders, days) in by_channel.items():
        for row in conn.execute(
            select(C).where(C.c.channel == channel, C.c.sender_id.in_(senders),
                            C.c.rating_asked_at > now - timedelta(days=days), C.c.status.in_(("resolved", "closed")))
            .order_by(C.c.rating_asked_at.desc(), C.c.id.desc())
        ).mappings():
            found.setdefault((channel, row["sender_id"]), dict(row))
    return found


def _record_conversation(conn: Connection, answered: set[int], acked: set[int], now: datetime) -> None:
    """End the wait of the complaints their citizen answered; note when follow-ups were last acknowledged."""
    table = m.Complaint.__table__
    if answered:
        conn.execute(table.update().where(table.c.id.in_(answered))
                     .values(waiting_since=None, waiting_until=None, updated_at=now))
    if acked:
        conn.execute(table.update().where(table.c.id.in_(acked)).values(followup_acked_at=now))


def _take_ratings(conn: Connection, ratings: list[tuple[WriteItem, dict, tuple[int, str | None]]], inbound: list,
                  outbox: list, now: datetime) -> None:
    """Store each citizen's rating once, and thank them (or tell them it was stored already)."""
    for p, complaint, (rating, comment) in ratings:
        cfg = p.config
        language = p.msg.language or complaint["language"] or cfg.settings.language
        stored = complaint["rating"] is None and actions.rate(conn, complaint, rating, comment, now)
        if stored:
            complaint["rating"] = rating  # a second rating in the same batch is refused as one after it
        key = "rating_thanks" if stored else "rating_already"
        text = say(key, language, code=complaint["code"], rating=str(rating))
        response = {"command": "rating", "code": complaint["code"]}
        p.result = IntakeResult(complaint["code"], complaint["status"], rows.agency_ref(cfg, complaint["agency"]),
                                "command", response)
        inbound.append(_inbound(p, complaint["id"], "command", response, now))
        reply = rows.citizen_reply(p.msg, "citizen.rating", text, language, complaint["code"], now)
        if reply:
            outbox.append(dict(reply, complaint_id=complaint["id"]))


def _inbound(p: WriteItem, complaint_id: int, role: str, response: dict, now: datetime) -> dict:
    return {
        "channel": p.msg.channel,
        "provider_message_id": p.msg.provider_message_id,
        "complaint_id": complaint_id,
        "role": role,
        "sender_id": p.msg.sender_id,
        "raw": p.msg.raw,
        "normalized": rows.normalized(p.msg),
        "response": response,
        "fingerprint": p.msg.fingerprint,
        "received_at": now,
        "sent_at": p.msg.sent_at or p.msg.received_at,
    }


def _duplicate(response: dict, stored: str | None, given: str | None) -> IntakeResult:
    """A message whose id is taken: a redelivery gets the first answer; another request under the id, a conflict."""
    outcome = "conflict" if stored is not None and given is not None and stored != given else "duplicate"
    # A command's answer was stored as {"command", "code"}: a complaint's has its status and agency too.
    return IntakeResult(response.get("code") or "", response.get("status") or "", response.get("agency"), outcome,
                        response)
