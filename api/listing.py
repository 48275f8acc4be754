"""The complaint list's filters (SPEC sections 7 and 14), read from a query string the same way for the operator
API and the console's list page: one place that says what each filter takes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from complaints.model import STATUSES, has_control
from store.queries import ComplaintFilter

MAX_Q_CHARS = 200


class FilterProblem(ValueError):
    """A filter that cannot be read: which one, and why (in English, for the API; pages name the field)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def parse_bound(value: str, name: str, tz: ZoneInfo, end: bool) -> datetime:
    """Parse `since`/`until`: a date (in the root region's zone; `until` includes its whole day) or an ISO time."""
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            if end:
                day += timedelta(days=1)
            return datetime.combine(day, time(0), tz).astimezone(timezone.utc)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=tz)
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise FilterProblem(name, f"{name} must be a date (YYYY-MM-DD) or an ISO 8601 time") from None


def complaint_filter(query: Mapping[str, str], config, channel_names: Sequence[str]) -> ComplaintFilter:
    """The filter a query string asks for; FilterProblem for the first value that cannot be read."""
    for name, value in query.items():
        if has_control(value):
            raise FilterProblem(name, f"{name} holds a control character")
    tz = ZoneInfo(config.regions[config.root].timezone)
    status = query.get("status")
    if status and status not in STATUSES:
        raise FilterProblem("status", f"status must be one of {', '.join(STATUSES)}")
    channel = query.get("channel")
    if channel and channel not in channel_names:
        raise FilterProblem("channel", f"channel must be one of {', '.join(channel_names)}")
    agency = query.get("agency")
    if agency and agency not in config.agencies:
        raise FilterProblem("agency", f'unknown agency "{agency}"')
    region = query.get("region")
    subtree = None
    if region:
        if region not in config.regions:
            raise FilterProblem("region", f'unknown region "{region}"')
        subtree = tuple(code for code in config.regions if config.is_within(code, region))
    overdue = query.get("overdue") or ""
    if overdue not in ("", "0", "1"):
        raise FilterProblem("overdue", "overdue must be 1 (only overdue complaints) or 0")
    waiting = query.get("waiting") or ""
    if waiting not in ("", "citizen"):
        raise FilterProblem("waiting", "waiting must be citizen (only complaints waiting for the citizen's answer)")
    return ComplaintFilter(
        status=status or None,
        agency=agency or None,
        region=subtree,
        channel=channel or None,
        category=query.get("category") or None,
        since=parse_bound(query["since"], "since", tz, end=False) if query.get("since") else None,
        until=parse_bound(query["until"], "until", tz, end=True) if query.get("until") else None,
        q=(query.get("q") or "").strip()[:MAX_Q_CHARS] or None,
        overdue=overdue == "1",
        waiting_at=datetime.now(timezone.utc) if waiting else None,
    )
