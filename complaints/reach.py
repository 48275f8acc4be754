"""Who may work a ticket, who may only read it, and where an agency may forward it (SPEC sections 13 and 14).

Pure rules over the ticket's holder, its timeline and the configuration, so that every agency route and page asks
the same question the same way:

- The agency holding a ticket works it.
- The agency a ticket was escalated to reads it while that escalation is open: from the sweep's `escalated`
  event until the overdue spell that caused it ends (the ticket is acknowledged, resolved, closed or rejected) or
  the ticket changes hands (assigned again, forwarded, returned to triage).
- An agency that forwarded a ticket keeps reading it.
- To anyone else the ticket does not exist.

What an agency's people see of a ticket they reach: every public step (earlier agencies' included), the citizen's
and the system's steps, and their own agency's private steps; of internal notes, their own agency's and the
operators'. Never another agency's notes or private steps (its replies to the citizen are in the conversation).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal

from complaints.who import by_of

Reach = Literal["work", "read"]
WORK: Reach = "work"
READ: Reach = "read"

# Statuses a ticket takes when it changes hands (routed, assigned, reassigned, forwarded, returned to triage),
# whatever the event's type: its clocks start again, any escalation of it is over.
HANDOVERS = ("assigned", "triage")
# Statuses that, reached the first time after an assignment, acknowledge the ticket.
ACKNOWLEDGING = ("acknowledged", "in_progress", "resolved")


def ends_overdue(status: str, acknowledged: bool) -> bool:
    """Tell whether moving a ticket to `status` ends its overdue spell: acknowledging it (or moving it on before it
    was acknowledged, `acknowledged` being False), resolving, closing or rejecting it."""
    return status in ("acknowledged", "resolved", "closed", "rejected") or (status == "in_progress" and not acknowledged)


def open_escalation(timeline: Iterable[Mapping]) -> str | None:
    """Return the agency the ticket is escalated to while that escalation is open, else None.

    `timeline` is the ticket's events in order (at least the status changes and escalations; others are ignored).
    """
    target: str | None = None
    acknowledged = False
    for event in timeline:
        if event["type"] == "escalated":
            data = event["data"]
            target = data.get("to") if isinstance(data, dict) else None
        elif event["status"] in HANDOVERS:
            target, acknowledged = None, False
        elif event["status"] is not None:
            if ends_overdue(event["status"], acknowledged):
                target = None
            acknowledged = acknowledged or event["status"] in ACKNOWLEDGING
    return target


def forwarded_by(timeline: Iterable[Mapping]) -> set[str]:
    """Return the agencies that forwarded the ticket at some time."""
    found = set()
    for event in timeline:
        data = event["data"]
        if event["type"] == "forwarded" and isinstance(data, dict) and data.get("from"):
            found.add(data["from"])
    return found


def reach(agency: str, holder: str | None, timeline: Sequence[Mapping]) -> Reach | None:
    """Return what `agency` may do with a ticket that `holder` holds: WORK it (its own), READ it (escalated to it
    while that escalation is open, or forwarded by it), or None (to this agency the ticket does not exist)."""
    if holder is not None and holder == agency:
        return WORK
    if agency == open_escalation(timeline) or agency in forwarded_by(timeline):
        return READ
    return None


def forward_targets(config, agency: str) -> list[str]:
    """Return the agencies `agency` may forward a ticket to, in the configuration's order: those whose region is
    its own or lies below it (province to regency, office to unit) and those its `forward_to` names; never itself."""
    own = config.agencies[agency]
    named = set(own.forward_to)
    return [code for code, other in config.agencies.items()
            if code != agency and (code in named or config.is_within(other.region, own.region))]


def forward_problem(config, agency: str, target: str) -> str | None:
    """Return why `agency` cannot forward a ticket to `target`: "unknown" (no such agency), "own" (itself) or
    "not_allowed" (not among its forward_targets); None when it can."""
    if target not in config.agencies:
        return "unknown"
    if target == agency:
        return "own"
    if target not in forward_targets(config, agency):
        return "not_allowed"
    return None


def _own(by: Mapping, agency: str) -> bool:
    """Tell whether a step was taken by `agency`'s people (its officers or its token)."""
    return by.get("type") in ("user", "token") and by.get("agency") == agency


def agency_sees_step(event: Mapping, agency: str) -> bool:
    """Tell whether `agency`'s people see this step on the ticket's timeline (see the module's docstring)."""
    if event["public"]:
        return True
    by = by_of(event["actor"], event.get("by"))
    return by["type"] in ("citizen", "system") or _own(by, agency)


def agency_sees_note(event: Mapping, agency: str) -> bool:
    """Tell whether `agency`'s people read this internal note: their own agency's, or the operators'."""
    by = by_of(event["actor"], event.get("by"))
    return event["type"] == "note" and (_own(by, agency) or (by["type"] in ("user", "token") and not by.get("agency")))
