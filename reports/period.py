"""A report's period: whole local days in the root region's time zone, [since 00:00, until + 1 day 00:00)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


class PeriodError(ValueError):
    """The period asked for cannot be read or is empty; the message says which bound and why."""


@dataclass(frozen=True)
class Period:
    """Local days `since`..`until` (both included) and the UTC instants that bound them."""

    since: date
    until: date
    timezone: str
    start: datetime  # since 00:00 local, in UTC (included)
    end: datetime  # the day after until, 00:00 local, in UTC (excluded)


def _day(value: str, name: str, zone: ZoneInfo) -> date:
    """Read a date (YYYY-MM-DD), or an ISO time taken as its local day (a time without offset is local)."""
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise PeriodError(f"{name} must be a date (YYYY-MM-DD) or an ISO 8601 time") from None
    if moment.tzinfo is None:
        return moment.date()
    try:
        return moment.astimezone(zone).date()
    except (OverflowError, ValueError):
        raise PeriodError(f"{name} is out of range") from None


def _midnight(day: date, zone: ZoneInfo, name: str) -> datetime:
    try:
        return datetime.combine(day, time(0), zone).astimezone(timezone.utc)
    except (OverflowError, ValueError):
        raise PeriodError(f"{name} is out of range") from None


def parse_period(since: str | None, until: str | None, tz: str, now: datetime) -> Period:
    """Return the period of `since`..`until` in zone `tz`.

    Defaults: `until` is today (local, as of `now`), `since` the first day of `until`'s month (so with
    neither given: this month so far). `since` after `until` is an error.
    """
    zone = ZoneInfo(tz)
    last = _day(until, "until", zone) if until else now.astimezone(zone).date()
    first = _day(since, "since", zone) if since else last.replace(day=1)
    if first > last:
        raise PeriodError(f"since ({first.isoformat()}) is after until ({last.isoformat()}): the first day must be on or "
                          "before the last")
    if last == date.max:
        raise PeriodError("until is out of range")
    start = _midnight(first, zone, "since")
    end = _midnight(last + timedelta(days=1), zone, "until")
    return Period(since=first, until=last, timezone=tz, start=start, end=end)
