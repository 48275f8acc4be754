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
