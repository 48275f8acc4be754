"""Build the rows one accepted message writes: pure functions over the message and its decision."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from complaints.codes import random_id
from complaints.messages import say
from complaints.model import InboundMessage
from complaints.views import operator_view
from config.loader import Config
from router import Decision
from store.models import Complaint

# Every column of a complaint, empty: what a row intake builds leaves unset is as the store would give it back.
_BLANK_COMPLAINT = dict.fromkeys(c.name for c in Complaint.__table__.columns)


def agency_ref(config: Config, code: str | None) -> dict | None:
    """Return an agency as the API shows it."""
    if code is None:
        return None
    agency = config.agencies.get(code)
    return {"code": code, "name": agency.name if agency else code}


def normalized(msg: InboundMessage) -> dict:
    """Return the normalized message as stored beside the raw one."""
    r = msg.reporter
    data = {
        "channel": msg.channel,
        "provider_message_id": msg.provider_message_id,
        "text": msg.text,
        "received_at": msg.received_at.isoformat(),
        "sender_id": msg.sender_id,
        "reply_to": msg.reply_to,
        "kind": msg.kind,
        "region": msg.region,
        "category": msg.category,
        "reporter": {"name": r.name, "phone": r.phone, "email": r.email, "channel_user_id": r.channel_user_id},
        "anonymous": msg.anonymous,
        "confidential": msg.confidential,
        "lat": msg.lat,
        "lon": msg.lon,
        "language": msg.language,
    }
    if msg.attachments:
        data["attachments"] = [
            {"kind": a.kind, "content_type": a.content_type, "channel_ref": a.channel_ref, "stored_path": a.stored_path,
             "size": a.size, "name": a.name}
            for a in msg.attachments
        ]
    return data


def reporter_row(msg: InboundMessage, now: datetime) -> dict | None:
    """The reporter as the channel told us, or None when it told us nothing."""
    r = msg.reporter
    if not (r.name or r.phone or r.email or r.channel_user_id or msg.sender_id):
        return None
    return {
        "channel": msg.channel,
        "channel_user_id": r.channel_user_id or msg.sender_id,
        "name": r.name,
        "phone": r.phone,
        "email": r.email,
        "created_at": now,
    }


def complaint_row(msg: InboundMessage, decision: Decision, code: str, language: str, now: datetime) -> dict:
    assigned = decision.status == "assigned"
    return {
        "code": code,
        "kind": msg.kind,
        "channel": msg.channel,
        "sender_id": msg.sender_id,
        "reply_to": msg.reply_to,
        "reply_via": msg.reply_via,
        "anonymous": msg.anonymous,
        "confidential": msg.confidential,
        "language": language,
        "text": msg.text,
        "lat": msg.lat,
        "lon": msg.lon,
        "region": decision.region,
        "category": decision.category or msg.category,
        "priority": decision.priority,
        "agency": decision.agency if assigned else None,
        "rule": decision.rule,
        "rules_version": decision.config_version,
        "status": decision.status,
        "received_at": msg.received_at,
        "assigned_at": now if assigned else None,
        "overdue": False,
        "updated_at": now,
    }


def opening_events(msg: InboundMessage, decision: Decision, now: datetime) -> list[dict]:
    """The timeline of a new complaint: received, then assigned or sent to triage."""
    received = {
        "at": msg.received_at,
        "actor": f"citizen:{msg.channel}",
        "type": "received",
        "status": "new",
        "public": True,
        "data": {"channel": msg.channel, "provider_message_id": msg.provider_message_id},
    }
    routing = decision.as_dict()
    if decision.status == "assigned":
        routed = {"at": now, "actor": "router", "type": "assigned", "status": "assigned", "public": True, "data": routing}
    else:
        routed = {"at": now, "actor": "router", "type": "triage", "status": "triage", "public": True, "data": routing}
    return [received, routed]


def followup_event(msg: InboundMessage, now: datetime) -> dict:
    return {
        "at": msg.received_at,
        "actor": f"citizen:{msg.channel}",
        "type": "followup",
        "status": None,
        "public": False,
        "data": {"provider_message_id": msg.provider_message_id, "attachments": len(msg.attachments)},
    }


def citizen_ack(msg: InboundMessage, code: str, language: str, track_url: str, now: datetime) -> dict | None:
    """The acknowledgement with the tracking code, on the citizen's own channel."""
    return citizen_reply(msg, "citizen.ack", say("ack", language, code=code, track_url=track_url), language, code, now)


def citizen_notice(complaint, reporter, event: str, text: str, now: datetime, sms_text: str | None = None) -> dict | None:
    """A later message to the citizen of a stored complaint, where they can be reached; None if nowhere.

    `sms_text`: the words an SMS standing in for it says (store/fallback.py), without what the citizen can only
    answer on their own channel; the same as `text` when not given."""
    if complaint["reply_to"]:
        transport, target = complaint["reply_via"] or complaint["channel"], complaint["reply_to"]
    elif reporter is not None and reporter["email"]:
        transport, target = "email", reporter["email"]
    elif reporter is not None and reporter["phone"]:
        transport, target = "sms", reporter["phone"]
    else:
        return None
    payload = {"code": complaint["code"], "text": text, "language": complaint["language"]}
    if sms_text is not None and sms_text != text and not transport.startswith("sms"):
        payload["sms_text"] = sms_text
    return dict(outbox_row("citizen", transport, None, target, event, payload, now), complaint_id=complaint["id"])


def citizen_reply(msg: InboundMessage, event: str, text: str, language: str, code: str | None, now: datetime) -> dict | None:
    """A message to the citizen where they wrote from, or by e-mail/SMS for web reporters; None if nowhere."""
    if msg.reply_to:
        transport, target = msg.reply_via or msg.channel, msg.reply_to
    elif msg.reporter.email:
        transport, target = "email", msg.reporter.email
    elif msg.reporter.phone:
        transport, target = "sms", msg.reporter.phone
    else:
        return None
    return outbox_row("citizen", transport, None, target, event, {"code": code, "text": text, "language": language}, now)


def ticket_view(row: Mapping, config: Config, *, reporter: Mapping | None, attachments: list[Mapping],
                followups: list[Mapping]) -> dict:
    """The complaint as its agency sees it, without links (the deliverer adds them as it sends): no reporter identity
    when anonymous, no operator-only fields."""
    view = operator_view(row, config, reporter=None if row["anonymous"] else reporter, attachments=attachments,
                         followups=followups)
    for private in ("rules_version", "language"):
        view.pop(private, None)
    return view


def opened_ticket(row: Mapping, msg: InboundMessage, config: Config, now: datetime) -> dict:
    """The ticket of a complaint intake is opening, from what intake holds in memory (its row, the message's
    reporter and attachments), without reading the store."""
    return ticket_view({**_BLANK_COMPLAINT, **row}, config, reporter=reporter_row(msg, now),
                       attachments=attachment_rows(msg, now), followups=[])


def agency_deliveries(config: Config, agency_code: str, code: str, event: str, now: datetime,
                      ticket: dict | None = None) -> list[dict]:
    """One delivery of a complaint per target of the agency, with the `ticket` as it stands now (store.tickets,
    opened_ticket); without one the deliverer renders the ticket when it sends."""
    return deliveries_to(config, agency_code, event, {"code": code}, now, ticket)


def deliveries_to(config: Config, agency_code: str, event: str, payload: dict, now: datetime,
                  ticket: dict | None = None) -> list[dict]:
    """One delivery per target of the agency, each carrying `payload`, and the `ticket` as things stand when it is
    queued (sent as it is, however the complaint changes before it goes out)."""
    if ticket is not None:
        payload = {**payload, "ticket": ticket}
    agency = config.agencies[agency_code]
    rows = []
    for target in agency.deliver:
        if target.webhook:
            transport, address = "webhook", target.webhook
        elif target.email:
            transport, address = "email", target.email
        else:
            transport, address = "telegram_chat", target.telegram_chat
        rows.append(outbox_row("agency", transport, agency_code, address, event, payload, now))
    return rows


def outbox_row(audience: str, transport: str, agency: str | None, target: str | None, event: str, payload: dict, now: datetime) -> dict:
    return {
        "delivery_id": random_id(),
        "audience": audience,
        "transport": transport,
        "agency": agency,
        "target": target,
        "event": event,
        "payload": payload,
        "state": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "updated_at": now,
    }


def attachment_rows(msg: InboundMessage, now: datetime) -> list[dict]:
    """The message's attachments; a provider's reference not stored yet waits for the media fetcher (SPEC 16)."""
    return [
        {
            "kind": a.kind,
            "content_type": a.content_type,
            "channel_ref": a.channel_ref,
            "stored_path": a.stored_path,
            "size": a.size,
            "name": a.name,
            "sha256": a.sha256,
            "created_at": now,
            "message_ref": msg.provider_message_id,
            **({"fetch_via": msg.reply_via or msg.channel, "fetch_state": "pending", "fetch_next_at": now}
               if a.channel_ref and not a.stored_path else {}),
            "fetch_attempts": 0,
        }
        for a in msg.attachments
    ]
