"""Changes to a complaint after intake, each in one transaction with its event, its notices and deliveries."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

import hashlib
import secrets

from sqlalchemy import Connection, insert, select, update

from complaints.links import track_url
from complaints.messages import say, status_name
from complaints.reach import ends_overdue
from complaints.who import Who, as_who
from store import rows
from sla.terms import due
from store import models as m
from store import tickets

# Who takes a step: a Who from the edge (a person, a token), or the plain actor of a system step.
Actor = str | Who

# An overdue spell ends: no longer overdue, no escalation waiting.
# Where a citizen can answer a resolution with KEBERATAN <code> (the messaging channels; not the form or the API).
CLEAR_OVERDUE = {"overdue": False, "overdue_since": None, "escalate_due_at": None}


def _reporter(conn: Connection, complaint: Mapping) -> Mapping | None:
    if complaint["reporter_id"] is None:
        return None
    return conn.execute(select(m.Reporter.__table__).where(m.Reporter.id == complaint["reporter_id"])).mappings().first()


def _event(conn: Connection, complaint: Mapping, actor: Actor, kind: str, status: str | None, public: bool, data: dict,
           now: datetime) -> None:
    who = as_who(actor)
    conn.execute(insert(m.Event).values(complaint_id=complaint["id"], at=now, actor=who.actor, by=who.by or None,
                                        type=kind, status=status, public=public, data=data))


def _notify_citizen(conn: Connection, complaint: Mapping, event: str, text: str, now: datetime,
                    sms_text: str | None = None) -> None:
    row = rows.citizen_notice(complaint, _reporter(conn, complaint), event, text, now, sms_text)
    if row is not None:
        conn.execute(insert(m.Outbox).values(**row))


def _deliver_to_agency(conn: Connection, config, complaint: Mapping, agency: str, event: str, now: datetime,
                       reason: str | None = None) -> None:
    payload = {"code": complaint["code"], **({"reason": reason} if reason else {})}
    # The ticket as it stands after the change being told, read in its transaction: sent as it is (store.tickets).
    deliveries = rows.deliveries_to(config, agency, event, payload, now, tickets.snapshot(conn, config, complaint["id"]))
    if deliveries:
        conn.execute(insert(m.Outbox), [dict(d, complaint_id=complaint["id"]) for d in deliveries])


def _fresh(conn: Connection, complaint_id: int) -> Mapping:
    return conn.execute(select(m.Complaint.__table__).where(m.Complaint.id == complaint_id)).mappings().one()


def change_status(conn: Connection, complaint: Mapping, config, status: str, actor: Actor, note: str | None, now: datetime,
                  public_url: str, objecting: Collection[str], tell_agency: bool = False) -> Mapping:
    """Set a new status, record it on the timeline and tell the citizen in their language; with `tell_agency`
    (an operator's change) the agency holding the ticket is told too.

    Acknowledging starts the resolution clock; acknowledging, resolving, closing or rejecting ends an overdue spell.
    """
    values: dict = {"status": status, "updated_at": now}
    if status == "closed":
        values["closed_at"] = now
    acknowledged = complaint["acknowledged_at"] is not None
    if status == "acknowledged" or (status in ("in_progress", "resolved") and not acknowledged):
        values["acknowledged_at"] = now
        values["resolve_due_at"] = due(config, complaint, "resolve", now)
    # The rule that also ends an escalation's read access (complaints.reach), so the two cannot drift apart.
    if ends_overdue(status, acknowledged):
        values.update(CLEAR_OVERDUE)
    if status == "resolved":
        values["resolved_at"] = now
    if status == "rejected":
        values["status_reason"] = note
    conn.execute(update(m.Complaint).where(m.Complaint.id == complaint["id"]).values(**values))
    _event(conn, complaint, actor, "status", status, True, {"note": note} if note else {}, now)
    language = complaint["language"]
    text = say("status_changed", language, code=complaint["code"], status=status_name(status, language),
               note=f" {note}" if note else "", track_url=track_url(public_url, complaint["code"], language))
    # Answers the citizen gives on their own channel (an objection, a rating): an SMS standing in for the notice
    # (store/fallback.py) leaves them out, as an answer by SMS would not reach this complaint.
    plain = text
    if status == "resolved" and complaint["channel"] in objecting:
        text += say("objection_hint", language, code=complaint["code"])
    if status == "resolved" and complaint["rating_asked_at"] is None:
        text += _ask_rating(conn, complaint, objecting, public_url, now)
    _notify_citizen(conn, complaint, f"citizen.status.{status}", text, now, plain)
    if tell_agency and complaint["agency"] in config.agencies:
        _deliver_to_agency(conn, config, complaint, complaint["agency"], "ticket.updated", now)
    return _fresh(conn, complaint["id"])


def _ask_rating(conn: Connection, complaint: Mapping, messaging: Collection[str], public_url: str, now: datetime) -> str:
    """Ask the citizen, once, to rate a resolved complaint: on a messaging channel they answer 1–5 there; a reporter
    reached by e-mail gets a rating page of this complaint alone (a random link, stored as its SHA-256). Returns the
    words to add to the resolution notice ("" when the citizen cannot be asked)."""
    language = complaint["language"]
    if complaint["channel"] in messaging and complaint["reply_to"]:
        conn.execute(update(m.Complaint).where(m.Complaint.id == complaint["id"]).values(rating_asked_at=now))
        return say("rating_ask", language)
    reporter = _reporter(conn, complaint)
    if complaint["reply_to"] or reporter is None or not reporter["email"]:
        return ""
    secret = secrets.token_urlsafe(24)
    conn.execute(update(m.Complaint).where(m.Complaint.id == complaint["id"]).values(
        rating_asked_at=now, rating_link_hash=hashlib.sha256(secret.encode()).hexdigest()))
    return say("rating_link", language, url=rating_url(public_url, complaint["code"], secret))


def rating_url(public_url: str, code: str, secret: str) -> str:
    """The rating page of one complaint, for the reporter it was sent to."""
    return f"{public_url}/rate/{code}?key={secret}"


def rate(conn: Connection, complaint: Mapping, rating: int, comment: str | None, now: datetime) -> bool:
    """Store the citizen's rating once; False when the complaint was rated already (the first rating stays)."""
    stored = conn.execute(update(m.Complaint).where(m.Complaint.id == complaint["id"], m.Complaint.rating.is_(None))
                          .values(rating=rating, rating_comment=comment, rated_at=now)).rowcount
    if stored:
        _event(conn, complaint, "citizen:" + complaint["channel"], "rated", None, False,
               {"rating": rating, **({"comment": comment} if comment else {})}, now)
    return bool(stored)


def reopen_on_objection(conn: Connection, complaint: Mapping, config, note: str | None, now: datetime) -> None:
    """The citizen objects to a resolution: the complaint is back in progress with its agency, whose resolution
    clock starts again; the agency hears of it (ticket.updated, reason "objection"). The caller answers the citizen."""
    conn.execute(update(m.Complaint).where(m.Complaint.id == complaint["id"]).values(
        status="in_progress", resolved_at=None, resolve_due_at=due(config, complaint, "resolve", now), updated_at=now,
        **CLEAR_OVERDUE))
    _event(conn, complaint, "citizen", "objection", "in_progress", True, {"note": note} if note else {}, now)
    if complaint["agency"] in config.agencies:
        _deliver_to_agency(conn, config, complaint, complaint["agency"], "ticket.updated", now, reason="objection")


def add_note(conn: Connection, complaint: Mapping, actor: Actor, note: str, now: datetime) -> None:
    """An internal note: on the timeline for operators and agencies, never for the citizen or the public."""
    _event(conn, complaint, actor, "note", None, False, {"note": note}, now)
    conn.execute(update(m.Complaint).where(m.Complaint.id == complaint["id"]).values(updated_at=now))


def reply_to_citizen(conn: Connection, complaint: Mapping, agency_name: str, actor: Actor, message: str, now: datetime,
                     kind: str = "agency_reply", ask: bool = False, window_days: int = 14) -> bool:
    """Send a reply to the citizen on their channel, signed with `agency_name` (the agency's, or the desk's for an
    operator's reply, `kind` "operator_reply"); it is on the public page unless the complaint is confidential. With
    `ask`, the complaint waits for the citizen's answer for `window_days` (SPEC section 15). False when the citizen
    left no way to reach them (the reply is kept on the timeline all the same)."""
    language = complaint["language"]
    text = plain = say("agency_reply", language, agency=agency_name, code=complaint["code"], message=message)
    if ask:
        text += say("reply_ask", language)
    _event(conn, complaint, actor, kind, None, not complaint["confidential"],
           {"message": message, **({"ask": True} if ask else {})}, now)
    changes: dict = {"updated_at": now}
    if ask:
        changes.update(waiting_since=now, waiting_until=now + timedelta(days=window_days))
    conn.execute(update(m.Complaint).where(m.Complaint.id == complaint["id"]).values(**changes))
    row = rows.citizen_notice(complaint, _reporter(conn, complaint), "citizen." + kind, text, now, plain)
    if row is None:
        return False
    conn.execute(insert(m.Outbox).values(**row))
    return True


def assign(conn: Connection, complaint: Mapping, config, to_agency: str, actor: Actor, note: str | None, now: datetime,
           kind: str = "assigned", public_url: str | None = None) -> Mapping:
    """Give the ticket to an agency (an operator's assignment, an agency's forward): assigned anew, its SLA
    clock restarted, delivered there; the citizen is told when it leaves triage."""
    ticket = dict(complaint, agency=to_agency)
    conn.execute(update(m.Complaint).where(m.Complaint.id == complaint["id"]).values(
        agency=to_agency, status="assigned", assigned_at=now, acknowledged_at=None,
        acknowledge_due_at=due(config, ticket, "acknowledge", now), resolve_due_at=None, escalated_at=None,
        updated_at=now, **CLEAR_OVERDUE))
    _event(conn, complaint, actor, kind, "assigned", True,
           {"from": complaint["agency"], "to": to_agency, **({"note": note} if note else {})}, now)
    _deliver_to_agency(conn, config, complaint, to_agency, "ticket.assigned", now)
    if public_url is not None and complaint["status"] != "assigned":
        language = complaint["language"]
        text = say("status_changed", language, code=complaint["code"], status=status_name("assigned", language),
                   note="", track_url=track_url(public_url, complaint["code"], language))
        _notify_citizen(conn, complaint, "citizen.status.assigned", text, now)
    return _fresh(conn, complaint["id"])


def forward(conn: Connection, complaint: Mapping, config, to_agency: str, actor: Actor, note: str | None, now: datetime) -> Mapping:
    """Hand the ticket to another agency with authority (province to regency, office to unit; the edge checks it with
    complaints.reach.forward_targets); the "forwarded" event keeps the forwarding agency's read access."""
    return assign(conn, complaint, config, to_agency, actor, note, now, kind="forwarded")


def return_to_triage(conn: Connection, complaint: Mapping, config, actor: Actor, reason: str, now: datetime) -> Mapping:
    """Not this agency's authority ("bukan wewenang"): back to triage with the reason, and the operators told."""
    conn.execute(update(m.Complaint).where(m.Complaint.id == complaint["id"]).values(
        agency=None, status="triage", status_reason=reason, acknowledged_at=None, acknowledge_due_at=None,
        resolve_due_at=None, escalated_at=None, updated_at=now, **CLEAR_OVERDUE))
    _event(conn, complaint, actor, "returned", "triage", True, {"from": complaint["agency"], "reason": reason}, now)
    _deliver_to_agency(conn, config, complaint, config.triage, "ticket.triage", now)
    return _fresh(conn, complaint["id"])


def update_details(conn: Connection, complaint: Mapping, config, changes: Mapping, actor: Actor, now: datetime) -> Mapping:
    """Change a complaint's category, priority, region or kind (as complaints.desk.update_changes decided); a new
    priority or region moves the current stage's due time as the SLA terms say."""
    values = dict(changes, updated_at=now)
    ticket = dict(complaint, **changes)
    if ("priority" in changes or "region" in changes) and complaint["agency"] is not None:
        if complaint["status"] == "assigned" and complaint["assigned_at"] is not None:
            values["acknowledge_due_at"] = due(config, ticket, "acknowledge", complaint["assigned_at"])
        elif complaint["status"] in ("acknowledged", "in_progress") and complaint["acknowledged_at"] is not None:
            values["resolve_due_at"] = due(config, ticket, "resolve", complaint["acknowledged_at"])
    conn.execute(update(m.Complaint).where(m.Complaint.id == complaint["id"]).values(**values))
    _event(conn, complaint, actor, "updated", None, False,
           {name: {"from": complaint[name], "to": value} for name, value in changes.items()}, now)
    return _fresh(conn, complaint["id"])


def merge(conn: Connection, duplicate: Mapping, into: Mapping, actor: Actor, now: datetime, public_url: str) -> Mapping:
    """Merge a duplicate into another complaint: its text and follow-ups become follow-ups there, its attachments and
    messages move there (and its reporter, when the other has none); it is closed with reason "duplicate" and its
    reporter is told the other code."""
    F, A, I = m.FollowUp, m.Attachment, m.InboundMessage
    conn.execute(insert(F).values(complaint_id=into["id"], inbound_message_id=None, text=duplicate["text"],
                                  created_at=duplicate["received_at"]))
    for table in (F, A, I):
        conn.execute(update(table).where(table.complaint_id == duplicate["id"]).values(complaint_id=into["id"]))
    moved = {"updated_at": now}
    if into["reporter_id"] is None and duplicate["reporter_id"] is not None and not duplicate["anonymous"]:
        moved["reporter_id"] = duplicate["reporter_id"]
    conn.execute(update(m.Complaint).where(m.Complaint.id == into["id"]).values(**moved))
    conn.execute(update(m.Complaint).where(m.Complaint.id == duplicate["id"]).values(
        status="closed", status_reason="duplicate", closed_at=now, updated_at=now, **CLEAR_OVERDUE))
    _event(conn, duplicate, actor, "merged", "closed", True, {"into": into["code"]}, now)
    _event(conn, into, actor, "merged_in", None, False, {"from": duplicate["code"]}, now)
    language = duplicate["language"]
    text = say("merged", language, code=duplicate["code"], other=into["code"],
               track_url=track_url(public_url, into["code"], language))
    _notify_citizen(conn, duplicate, "citizen.merged", text, now)
    return _fresh(conn, duplicate["id"])


# A sent form's token is kept this long: a page left open longer than this and sent again acts again.
FORMS_KEPT = timedelta(days=2)


def first_sending(conn: Connection, token: str, now: datetime) -> bool:
    """Record that the form with this one-time token was sent; False when it was sent before (a resubmission: the
    browser's back button, a double tap), so the caller does nothing again."""
    table = m.FormSubmission.__table__
    digest = hashlib.sha256(token.encode()).hexdigest()
    if conn.execute(select(table.c.token_hash).where(table.c.token_hash == digest)).first() is not None:
        return False
    conn.execute(table.delete().where(table.c.created_at < now - FORMS_KEPT))
    conn.execute(insert(table).values(token_hash=digest, created_at=now))
    return True
