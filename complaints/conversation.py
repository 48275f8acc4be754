"""A complaint's conversation with the citizen (SPEC section 14): every message in and every reply out, in order.

Pure: built from the complaint row, its follow-ups and its timeline events, as the console, the inbox and the APIs
read them. Items are `{"at", "direction": "in"|"out", "channel", "text", "by", "public"}`; internal notes are not
part of it (see `notes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from complaints.who import by_of

REPLY_EVENTS = ("agency_reply", "operator_reply")


def _data(event: Mapping) -> Mapping:
    return event["data"] if isinstance(event["data"], Mapping) else {}


def _messages(complaint: Mapping, followups: Iterable[Mapping], events: Iterable[Mapping]) -> list[dict]:
    """The conversation's items, each inbound one with `ref`: the provider's id of the message, from the timeline
    (a complaint's `received` event, a follow-up's `followup` event at the same time), None where it does not say."""
    events = list(events)
    channel = complaint["channel"]
    citizen = {"type": "citizen", "channel": channel}
    opening = next((_data(e).get("provider_message_id") for e in events if e["type"] == "received"), None)
    refs: dict = {}  # a follow-up's time -> the ids of the follow-ups received then, in order
    for e in events:
        if e["type"] == "followup" and _data(e).get("provider_message_id"):
            refs.setdefault(e["at"], []).append(_data(e)["provider_message_id"])
    items = [{"at": complaint["received_at"], "direction": "in", "channel": channel, "text": complaint["text"],
              "by": citizen, "public": False, "ref": opening}]
    for f in followups:
        waiting = refs.get(f["created_at"])
        items.append({"at": f["created_at"], "direction": "in", "channel": channel, "text": f["text"], "by": citizen,
                      "public": False, "ref": waiting.pop(0) if waiting else None})
    for e in events:
        if e["type"] in REPLY_EVENTS and isinstance(e["data"], dict):
            items.append({"at": e["at"], "direction": "out", "channel": channel, "text": e["data"].get("message", ""),
                          "by": by_of(e["actor"], e.get("by"), channel), "public": not complaint["confidential"]})
    return sorted(items, key=lambda item: item["at"])


def conversation(complaint: Mapping, followups: Iterable[Mapping], events: Iterable[Mapping]) -> list[dict]:
    """The messages of a complaint in time order: its text, the follow-ups, and each reply (public unless the
    complaint is confidential)."""
    return [{k: v for k, v in item.items() if k != "ref"} for item in _messages(complaint, followups, events)]


def conversation_with_media(complaint: Mapping, followups: Iterable[Mapping], events: Iterable[Mapping],
                            attachments: Iterable[Mapping]) -> list[dict]:
    """The conversation as the pages show it: each inbound message also with `attachments`, those the same provider
    message carried (`message_ref`), in the order they came. Attachments of no known message are in none."""
    carried: dict[str, list[Mapping]] = {}
    for a in attachments:
        if a.get("message_ref"):
            carried.setdefault(a["message_ref"], []).append(a)
    items = []
    for item in _messages(complaint, followups, events):
        ref = item.pop("ref", None)
        if item["direction"] == "in":
            item["attachments"] = carried.pop(ref, []) if ref else []
        items.append(item)
    return items


def notes(events: Iterable[Mapping], channel: str | None = None) -> list[dict]:
    """The internal notes of a complaint, oldest first: `{"at", "text", "by"}`."""
    return [{"at": e["at"], "text": e["data"].get("note", "") if isinstance(e["data"], dict) else "",
             "by": by_of(e["actor"], e.get("by"), channel)} for e in events if e["type"] == "note"]


def by_name(by: Mapping, agency_name, labels: Mapping[str, str]) -> str:
    """How a page names who took a step: the person's name (with their agency), the token's label, the citizen, the
    router or the sweep. `agency_name(code)` names agencies; `labels` has by_citizen, by_token, by_system_<name>."""
    kind = by.get("type")
    if kind == "user":
        name = by.get("name") or "?"
        return f"{name} ({agency_name(by['agency'])})" if by.get("agency") else name
    if kind == "token":
        label = by.get("label") or labels["by_token"]
        return f"{label} ({agency_name(by['agency'])})" if by.get("agency") else label
    if kind == "citizen":
        return labels["by_citizen"]
    return labels.get(f"by_system_{by.get('name')}", str(by.get("name") or ""))
