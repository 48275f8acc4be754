"""A complaint's deliveries as the operator's page shows them (issue 14, SPEC 16): for each, in order, how it went and
to whom, the provider's message id, every attempt, the provider's status reports, what a failure means, and the
fallback taken (the SMS standing in for a notice the platform would not carry, and back).

Pure: built from the rows `reads.load_complaint` gives (each delivery with its `attempts_log` and `statuses`), in the
page's language; names of channels and agencies come from the caller's functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from api.dashboard import words
from complaints.delivery_meaning import failure_meaning
from complaints.messages import status_name
from store.fallback import NO_GATEWAY, NO_NUMBER

STATUS_EVENT = "citizen.status."
# A state whose row is still to be tried: the page says when.
WAITING_STATES = ("pending", "failed")


@dataclass(frozen=True)
class Step:
    """One attempt, or one status report of the provider: when, what in words, the detail and what it means."""

    at: datetime | None
    what: str
    detail: str | None = None
    meaning: str | None = None
    css: str = ""


@dataclass(frozen=True)
class Link:
    """Another delivery of the same complaint this one points to (by its anchor), named by its transport."""

    anchor: str
    transport: str
    state: str


@dataclass(frozen=True)
class Card:
    """One delivery, worded."""

    anchor: str  # the element id of its card: delivery-<delivery id>
    audience: str
    transport: str
    notice: str
    state: str  # the state's code (for the badge's colour)
    state_name: str
    target: str | None
    provider_message_id: str | None
    provider_status: str | None
    queued_at: datetime
    next_attempt_at: datetime | None
    last_error: str | None
    meaning: str | None
    attempts: list[Step] = field(default_factory=list)
    statuses: list[Step] = field(default_factory=list)
    fallback_to: list[Link] = field(default_factory=list)
    fallback_of: Link | None = None
    no_fallback: str | None = None


def transport_name(transport: str, language: str, channel_name: Callable[[str], str]) -> str:
    """A transport in words: its own label (e-mail, webhook, a gateway), else the channel it is (Telegram, SMS)."""
    t = words.labels(language)
    return t.get(f"transport_{transport}") or channel_name(transport)


def notice_name(event: str, language: str) -> str:
    """A delivery's event in words: "Perubahan status: Selesai", "Tanda terima aduan"; unknown ones as they are."""
    t = words.labels(language)
    if event.startswith(STATUS_EVENT):
        return t["notice_citizen.status"].format(status=status_name(event[len(STATUS_EVENT):], language))
    if event == "citizen.status":  # the answer to a citizen's status check
        return t["notice_citizen.status_command"]
    return t.get(f"notice_{event}", event)


def _state_name(state: str, t: Mapping[str, str]) -> str:
    return t.get(f"state_{state}", state)


def _attempt(a: Mapping, transport: str, language: str, t: Mapping[str, str]) -> Step:
    outcome = a["outcome"]
    meaning = None if outcome == "delivered" else failure_meaning(transport, a["detail"], state=outcome,
                                                                  language=language)
    return Step(a["at"], f'{t["delivery_attempt_n"].format(n=a["attempt"])}: {t.get(f"outcome_{outcome}", outcome)}',
                a["detail"] or None, meaning, f"outcome-{outcome}")


def _status(s: Mapping, transport: str, language: str, t: Mapping[str, str]) -> Step:
    status = s["status"]
    what = t.get(f"provider_{status}", status)
    detail = " ".join(p for p in (t["delivery_status_code"].format(code=s["code"]) if s["code"] is not None else "",
                                  s["title"] or "") if p) or None
    meaning = failure_meaning(transport, s["title"], s["code"], language=language) if status == "failed" else None
    return Step(s["at"] or s["received_at"], what, detail, meaning, f"provider-{status}")


def _unrepeated(step: Step, detail: str | None, meaning: str | None) -> Step:
    """The step without what its card already says above it (the last error and its meaning)."""
    return replace(step, detail=None if step.detail == detail else step.detail,
                   meaning=None if step.meaning == meaning else step.meaning)


def _no_fallback(d: Mapping, t: Mapping[str, str]) -> str | None:
    reason = d["last_error"] or ""
    if d["state"] != "undeliverable":
        return None
    if NO_NUMBER in reason:
        return t["delivery_no_fallback_number"]
    if NO_GATEWAY in reason:
        return t["delivery_no_fallback_gateway"]
    return None


def cards(deliveries: Iterable[Mapping], language: str, channel_name: Callable[[str], str],
          agency_name: Callable[[str | None], str]) -> list[Card]:
    """Each delivery worded, in the order given (the outbox's), with the links between a row and its fallback."""
    t = words.labels(language)
    rows = list(deliveries)
    by_id = {d["id"]: d for d in rows}

    def link(d: Mapping) -> Link:
        return Link(f"delivery-{d['delivery_id']}", transport_name(d["transport"], language, channel_name),
                    _state_name(d["state"], t))

    standing_in: dict[int, list[Link]] = {}
    for d in rows:
        if d.get("fallback_of") in by_id:
            standing_in.setdefault(d["fallback_of"], []).append(link(d))
    found = []
    for d in rows:
        transport = d["transport"]
        audience = agency_name(d["agency"]) if d["audience"] == "agency" else t["audience_citizen"]
        original = by_id.get(d.get("fallback_of"))
        failed = d["state"] not in ("delivered", "pending", "sending")
        meaning = failure_meaning(transport, d["last_error"], state=d["state"], language=language) if failed else None
        found.append(Card(
            anchor=f"delivery-{d['delivery_id']}", audience=audience,
            transport=transport_name(transport, language, channel_name), notice=notice_name(d["event"], language),
            state=d["state"], state_name=_state_name(d["state"], t), target=d["target"],
            provider_message_id=d.get("provider_message_id"),
            provider_status=t.get(f"provider_{d['provider_status']}", d["provider_status"])
            if d.get("provider_status") else None,
            queued_at=d["created_at"],
            next_attempt_at=d["next_attempt_at"] if d["state"] in WAITING_STATES else None,
            last_error=d["last_error"],
            meaning=meaning,
            attempts=[_unrepeated(_attempt(a, transport, language, t), d["last_error"], meaning)
                      for a in d.get("attempts_log") or []],
            statuses=[_unrepeated(_status(s, transport, language, t), d["last_error"], meaning)
                      for s in d.get("statuses") or []],
            fallback_to=standing_in.get(d["id"], []),
            fallback_of=link(original) if original is not None else None,
            no_fallback=_no_fallback(d, t)))
    return found
