"""Which status changes an agency may make (SPEC section 4): pure rules, one place."""

from __future__ import annotations

AGENCY_STATUSES = ("acknowledged", "in_progress", "resolved", "rejected")

# From each open status an agency works in, where it may go next.
AGENCY_MOVES: dict[str, tuple[str, ...]] = {
    "assigned": ("acknowledged", "in_progress", "rejected"),
    "acknowledged": ("in_progress", "resolved", "rejected"),
    "in_progress": ("resolved", "rejected"),
}


def agency_move_error(current: str, target: str) -> str | None:
    """Return why an agency cannot move a ticket from `current` to `target`, or None when it can."""
    allowed = AGENCY_MOVES.get(current, ())
    if target in allowed:
        return None
    if not allowed:
        return f'the ticket is "{current}": an agency can no longer change its status'
    return f'a ticket that is "{current}" can become {", ".join(allowed)}, not "{target}"'


def needs_note(status: str) -> bool:
    """Tell whether an agency's move to `status` must say why (a rejection's reason, which the citizen reads)."""
    return status == "rejected"


def hand_on_error(current: str, action: str) -> str | None:
    """Return why an agency cannot hand on (forward, or return to triage) a ticket that is `current`, or None when
    it can: only a ticket still open with it (`action` is "forwarded" or "returned", for the message)."""
    if current in AGENCY_MOVES:
        return None
    return f'a ticket that is "{current}" cannot be {action}'


OPERATOR_STATUSES = ("acknowledged", "in_progress", "resolved", "closed", "rejected")
FINAL_STATUSES = ("closed", "rejected")


def operator_move_error(current: str, target: str) -> str | None:
    """Return why an operator cannot set `target` on a complaint that is `current`, or None when they can.

    Operators may set any later status on an open complaint (a closed or rejected one is final);
    assignment goes through the assign action, and only a resolved complaint can be closed.
    """
    if target not in OPERATOR_STATUSES:
        return f'status must be one of {", ".join(OPERATOR_STATUSES)} (assign to an agency to make it "assigned")'
    if current in FINAL_STATUSES:
        return f'the complaint is "{current}": it can no longer change'
    if target == "closed" and current != "resolved":
        return f'only a resolved complaint can be closed; this one is "{current}"'
    if target in ("acknowledged", "in_progress", "resolved") and current in ("new", "triage"):
        return f'the complaint is "{current}": assign it to an agency first'
    if target == current:
        return f'the complaint is already "{current}"'
    return None
