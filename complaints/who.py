"""Who took a step on a complaint's timeline (SPEC section 13): the `actor` string every event keeps, and the `by`
object that names the person, the token, the citizen or the part of the system.

Pure: the edges build a `Who` from the caller (api/auth.py), the store writes both columns, and views read `by`
with `by_of`, which also reads events written before there were accounts, from their actor alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

OPERATOR_TOKEN_LABEL = "ADUAN_OPERATOR_TOKEN"
SYSTEM_ACTORS = ("router", "sweep")


@dataclass(frozen=True)
class Who:
    """The actor string of an event and its `by` object."""

    actor: str
    by: dict = field(default_factory=dict)


def user(user_id: int, name: str, role: str, agency: str | None) -> Who:
    """A person signed in with their account."""
    return Who(f"user:{user_id}", {"type": "user", "name": name, "role": role, "agency": agency})


def token(label: str | None, agency: str | None) -> Who:
    """A machine with a token: the operators' (agency None) or an agency's; the actor as before accounts."""
    return Who("operator" if agency is None else f"agency:{agency}", {"type": "token", "label": label, "agency": agency})


def system(name: str) -> Who:
    """The router or the sweep."""
    return Who(name, {"type": "system", "name": name})


def citizen(channel: str) -> Who:
    """The reporter, writing on `channel`."""
    return Who(f"citizen:{channel}", {"type": "citizen", "channel": channel})


def as_who(actor: str | Who) -> Who:
    """A Who for an actor given either way (the store's callers pass plain strings for system steps)."""
    return actor if isinstance(actor, Who) else Who(actor, by_of(actor, None))


def by_of(actor: str, by: Mapping | None, channel: str | None = None) -> dict:
    """The `by` of an event: the stored one, else what its actor string says (rows older than accounts)."""
    if isinstance(by, Mapping) and by.get("type"):
        return dict(by)
    if actor in SYSTEM_ACTORS:
        return {"type": "system", "name": actor}
    kind, _, rest = actor.partition(":")
    if kind == "citizen":
        return {"type": "citizen", "channel": rest or channel}
    if kind == "agency" and rest:
        return {"type": "token", "label": None, "agency": rest}
    if actor == "operator":
        return {"type": "token", "label": None, "agency": None}
    return {"type": "system", "name": actor}
