"""How a complaint is shown: to the public, to operators; identity and confidential text withheld."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

from complaints.categories import category_name
from complaints.conversation import REPLY_EVENTS
from complaints.messages import status_name
from complaints.who import by_of


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _ref(table: Mapping, code: str | None, name_of) -> dict | None:
    if code is None:
        return None
    item = table.get(code)
    return {"code": code, "name": name_of(item) if item is not None else code}


def agency_ref(config, code: str | None) -> dict | None:
    """An agency as `{"code", "name"}`, or None."""
    return _ref(config.agencies, code, lambda a: a.name)


def region_ref(config, code: str | None) -> dict | None:
    """A region as `{"code", "name"}`, or None."""
    return _ref(config.regions, code, lambda r: r.name)


def waiting_for(row: Mapping, now: datetime | None = None) -> str | None:
    """`"citizen"` while the complaint waits for the citizen's answer (SPEC section 15), else None."""
    until = row.get("waiting_until")
    return "citizen" if until is not None and until > (now or datetime.now(timezone.utc)) else None


def base_view(row: Mapping, config) -> dict:
    """The fields every view of a complaint has (SPEC sections 7 and 15)."""
    return {
        "code": row["code"],
        "kind": row["kind"],
        "status": row["status"],
        "channel": row["channel"],
        "text": row["text"],
        "region": region_ref(config, row["region"]),
        "category": row["category"],
        "priority": row["priority"],
        "agency": agency_ref(config, row["agency"]),
        "rule": row["rule"],
        "created_at": iso(row["received_at"]),
        "waiting": waiting_for(row),
    }


# The due time the public is shown for the stage a complaint is in (SPEC section 15): its agency's response while
# assigned, its resolution once the agency took it on.
STAGE_DUE = {"assigned": ("acknowledge", "acknowledge_due_at"), "acknowledged": ("resolve", "resolve_due_at"),
             "in_progress": ("resolve", "resolve_due_at")}


def _data(event: Mapping) -> Mapping:
    return event["data"] if isinstance(event["data"], Mapping) else {}


def _replied_by(event: Mapping, row: Mapping, config) -> dict | None:
    # An agency's people reply for their agency, the operators for the triage team: the public reads an agency's
    # name, never a person's.
    if event["type"] == "agency_reply":
        by = by_of(event["actor"], event.get("by"), row["channel"])
        return agency_ref(config, by.get("agency") or row["agency"] or config.triage)
    return agency_ref(config, config.triage)


def public_view(row: Mapping, events: list[Mapping], config, language: str = "id") -> dict:
    """What anyone holding the code may see: no identity; when confidential, no text, no notes and no replies.

    Each status change keeps its note (status notes are written for the citizen: the resolution, a rejection's
    reason) and a merge the code it joined; public replies name the agency that wrote them; the current stage's
    due time is `due_at` (`due_kind` "acknowledge" or "resolve"). `events` are the public ones (queries.public_events).
    """
    view = base_view(row, config)
    del view["rule"]
    shown = not row["confidential"]
    if not shown:
        del view["text"]
    view["category_name"] = category_name(row["category"])
    view["agency_name"] = view["agency"]["name"] if view["agency"] else None
    view["status_label"] = status_name(row["status"], language)
    view["updated_at"] = iso(row["updated_at"])
    due_kind, due_column = STAGE_DUE.get(row["status"], (None, None))
    due_at = row[due_column] if due_column else None
    view["due_at"] = iso(due_at)
    view["due_kind"] = due_kind if due_at is not None else None
    view["timeline"] = [
        {"at": iso(e["at"]), "status": e["status"], "label": status_name(e["status"], language), "event": e["type"],
         "note": (_data(e).get("note") or None) if shown and e["type"] == "status" else None,
         "merged_into": _data(e).get("into") if shown and e["type"] == "merged" else None}
        for e in events
        if e["public"] and e["status"]
    ]
    view["replies"] = [
        {"at": iso(e["at"]), "text": _data(e)["message"], "agency": _replied_by(e, row, config),
         "ask": bool(_data(e).get("ask"))}
        for e in events
        if shown and e["public"] and e["type"] in REPLY_EVENTS and _data(e).get("message")
    ]
    return view


def reporter_view(row: Mapping, reporter: Mapping | None) -> dict | None:
    if reporter is None:
        return None
    return {
        "name": reporter["name"],
        "phone": reporter["phone"],
        "email": reporter["email"],
        "channel_user_id": reporter["channel_user_id"],
    }


def operator_view(row: Mapping, config, *, reporter: Mapping | None = None, events=None, deliveries=None,
                  attachments=None, followups=None) -> dict:
    """Everything, for the operators: identity, timeline, deliveries."""
    view = base_view(row, config)
    view.update(
        {
            "anonymous": bool(row["anonymous"]),
            "confidential": bool(row["confidential"]),
            "reporter": reporter_view(row, reporter),
            "language": row["language"],
            "location": {"lat": row["lat"], "lon": row["lon"]} if row["lat"] is not None else None,
            "rules_version": row["rules_version"],
            "status_reason": row["status_reason"],
            "assigned_at": iso(row["assigned_at"]),
            "acknowledged_at": iso(row["acknowledged_at"]),
            "resolved_at": iso(row["resolved_at"]),
            "closed_at": iso(row["closed_at"]),
            "acknowledge_due_at": iso(row["acknowledge_due_at"]),
            "resolve_due_at": iso(row["resolve_due_at"]),
            "overdue": bool(row["overdue"]),
            "updated_at": iso(row["updated_at"]),
            "rating": row.get("rating"),
            "rating_comment": row.get("rating_comment"),
        }
    )
    if events is not None:
        view["events"] = [
            {"at": iso(e["at"]), "actor": e["actor"], "by": by_of(e["actor"], e.get("by"), row["channel"]),
             "type": e["type"], "status": e["status"], "data": e["data"]}
            for e in events
        ]
    if deliveries is not None:
        deliveries = list(deliveries)
        named = {d["id"]: d["delivery_id"] for d in deliveries if "id" in d}
        view["deliveries"] = [delivery_view(d, named=named) for d in deliveries]
    if attachments is not None:
        view["attachments"] = [
            {"kind": a["kind"], "content_type": a["content_type"], "name": a["name"], "size": a["size"],
             "stored": a["stored_path"] is not None, "channel_ref": a["channel_ref"]}
            for a in attachments
        ]
    if followups is not None:
        view["followups"] = [{"at": iso(f["created_at"]), "text": f["text"]} for f in followups]
    return view


def delivery_view(d: Mapping, attempts: Iterable[Mapping] | None = None,
                  named: Mapping[int, str] | None = None) -> dict:
    """An outbox row as operators see it (payload text of citizen replies included, no secrets), with its attempts,
    the provider's message id and status reports, and the delivery it stands in for (SPEC 16).

    The attempts are `attempts` when given, else the row's own `attempts_log` (as `complaint_details` adds it),
    else none; the status reports are the row's `statuses` (as `store.queries.complaint_details` adds them), else none.
    `named` gives the delivery ids of the complaint's other rows by row id, to name the one in `fallback_of`."""
    if attempts is None:
        attempts = d.get("attempts_log") or []
    fallback_of = d.get("fallback_of")
    return {
        "id": d["delivery_id"],
        "audience": d["audience"],
        "transport": d["transport"],
        "agency": d["agency"],
        "target": d["target"],
        "event": d["event"],
        "state": d["state"],
        "attempts": d["attempts"],
        "next_attempt_at": iso(d["next_attempt_at"]),
        "last_error": d["last_error"],
        "created_at": iso(d["created_at"]),
        "provider_message_id": d.get("provider_message_id"),
        "provider_status": d.get("provider_status"),
        "fallback_of": (named or {}).get(fallback_of) if fallback_of is not None else None,
        "attempts_log": [
            {"attempt": a["attempt"], "at": iso(a["at"]), "outcome": a["outcome"], "detail": a["detail"]}
            for a in attempts
        ],
        "statuses": [
            {"status": s["status"], "code": s["code"], "title": s["title"], "at": iso(s["at"]),
             "received_at": iso(s["received_at"])}
            for s in d.get("statuses") or []
        ],
    }


def conversation_view(items: Iterable[Mapping]) -> list[dict]:
    """A conversation (complaints.conversation) as the APIs give it: times in ISO 8601."""
    return [dict(item, at=iso(item["at"])) for item in items]
