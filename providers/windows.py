"""The platforms' reply windows (SPEC 16, FIELD-NOTES H): what a citizen notice may go as, given when the citizen
last wrote by the platform's own clock. Pure: no clock of its own, no I/O.

- WhatsApp: free text within 24 h of the citizen's last message; outside, only a registered template.
- Messenger and Instagram: `RESPONSE` within 24 h; a person's reply (an operator's or an agency's) within 7 days
  with the `HUMAN_AGENT` tag; anything else outside 24 h cannot go there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

STANDARD = timedelta(hours=24)
HUMAN_AGENT = timedelta(days=7)
# The notices a person wrote (store.actions.reply_to_citizen: "citizen." + kind).
PERSON_EVENTS = frozenset({"citizen.agency_reply", "citizen.operator_reply"})
# Transports whose citizen notices are bound by a window, each the channel whose inbound messages open it.
WINDOWED = {"whatsapp": "whatsapp", "facebook": "facebook", "instagram": "instagram"}


@dataclass(frozen=True)
class Free:
    """Inside the window: a normal message (`messaging_type` RESPONSE, or WhatsApp text)."""


@dataclass(frozen=True)
class Tagged:
    """Messenger's human-agent tag: a person's reply within 7 days."""

    tag: str = "HUMAN_AGENT"


@dataclass(frozen=True)
class AsTemplate:
    """WhatsApp outside 24 h: the registered template, its parameters filled in."""

    template: Mapping


@dataclass(frozen=True)
class Outside:
    """Cannot go on this platform now; `reason` says why, in words for the delivery's record."""

    reason: str


Plan = Free | Tagged | AsTemplate | Outside


def _age(last_inbound: datetime | None, now: datetime) -> timedelta | None:
    return None if last_inbound is None else now - last_inbound


def _ago(age: timedelta | None) -> str:
    if age is None:
        return "no message from the citizen on record"
    hours = age.total_seconds() / 3600
    return f"the citizen's last message was {hours:.0f} h ago" if hours < 72 else \
        f"the citizen's last message was {hours / 24:.0f} days ago"


def whatsapp(last_inbound: datetime | None, now: datetime, template: Mapping | None) -> Plan:
    """Text inside 24 h, else the template when there is one, else nothing on WhatsApp."""
    age = _age(last_inbound, now)
    if age is not None and age < STANDARD:
        return Free()
    if template is not None:
        return AsTemplate(template)
    return Outside(f"outside WhatsApp's 24-hour window ({_ago(age)}) and no template for this notice")


def messenger(event: str, last_inbound: datetime | None, now: datetime, platform: str = "Messenger") -> Plan:
    """RESPONSE inside 24 h; a person's reply with HUMAN_AGENT inside 7 days; else nothing on the platform."""
    age = _age(last_inbound, now)
    if age is not None and age < STANDARD:
        return Free()
    if event in PERSON_EVENTS and age is not None and age < HUMAN_AGENT:
        return Tagged()
    what = "a person's reply, past the 7-day human-agent window" if event in PERSON_EVENTS else \
        "an automatic notice, past the 24-hour window"
    return Outside(f"outside {platform}'s window: {what} ({_ago(age)})")


def template_use(event: str) -> str:
    """Which entry of `whatsapp_templates` a notice goes as: "ack", "reply" or "status"."""
    if event == "citizen.ack":
        return "ack"
    if event in PERSON_EVENTS:
        return "reply"
    return "status"


def choose_template(templates: Mapping[str, Mapping], event: str) -> Mapping | None:
    """The template of the notice's own use, else the `status` template (which stands in for all), else None."""
    return templates.get(template_use(event)) or templates.get("status")
