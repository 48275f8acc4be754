"""How a complaint is shown: to the public, to operators; identity and confidential text withheld."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

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


def base_view(row: Mapping, config) -> dict:
    """The fields every view of a complaint has (SPEC section 7)."""
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
    }


def public_view(row: Mapping, events: list[Mapping], config, language: str = "id") -> dict:
    """What anyone holding the code may see: no identity, no text when confidential."""
    view = base_view(row, config)
    del view["rule"]
    if row["confidential"]:
        del view["text"]
    view["agency_name"] = view["agency"]["name"] if view["agency"] else None
    view["status_label"] = status_name(row["status"], language)
    view["updated_at"] = iso(row["updated_at"])
    view["timeline"] = [
        {"at": iso(e["at"]), "status": e["status"], "label": status_name(e["status"], language), "event": e["type"]}
        for e in events
        if e["public"] and e["status"]
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
        }
    )
    if events is not None:
        view["events"] = [
            {"at": iso(e["at"]), "actor": e["actor"], "by": by_of(e["actor"], e.get("by"), row["channel"]),
             "type": e["type"], "status": e["status"], "data": e["data"]}
            for e in events
        ]
    if deliveries is not None:
        view["deliveries"] = [delivery_view(d) for d in deliveries]
    if attachments is not None:
        view["attachments"] = [
            {"kind": a["kind"], "content_type": a["content_type"], "name": a["name"], "size": a["size"],
             "stored": a["stored_path"] is not None, "channel_ref": a["channel_ref"]}
            for a in attachments
        ]
    if followups is not None:
        view["followups"] = [{"at": iso(f["created_at"]), "text": f["text"]} for f in followups]
    return view


def delivery_view(d: Mapping, attempts: Iterable[Mapping] | None = None) -> dict:
    """An outbox row as operators see it (payload text of citizen replies included, no secrets), with its attempts.

    The attempts are `attempts` when given, else the row's own `attempts_log` (as `complaint_details` adds it),
    else none."""
    if attempts is None:
        attempts = d.get("attempts_log") or []
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
        "attempts_log": [
            {"attempt": a["attempt"], "at": iso(a["at"]), "outcome": a["outcome"], "detail": a["detail"]}
            for a in attempts
        ],
    }


def conversation_view(items: Iterable[Mapping]) -> list[dict]:
    """A conversation (complaints.conversation) as the APIs give it: times in ISO 8601."""
    return [dict(item, at=iso(item["at"])) for item in items]
