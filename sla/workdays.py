"""Add SLA durations to a moment: clock hours, or Indonesian working days in the region's time zone.

A duration is "<N>h" (N clock hours) or "<N>wd" (N working days). Working days are Monday to
Friday without Indonesian public holidays and joint-leave days (cuti bersama).

Clock hours: the due time is the start plus N hours, counted around the clock (nights,
weekends and holidays included).

Working days (THE RULE): office hours are 08:00–16:00 local time in the region's zone. The
clock starts at the arrival if it falls on a working day between 08:00 and 16:00; at 08:00
that day if it falls on a working day before 08:00; otherwise (after 16:00, a weekend or a
holiday) at 08:00 of the next working day. The due time is the same local time of day as the
clock's start, on the Nth working day after the start day.

Office hours include 08:00 and exclude 16:00: an arrival at 16:00:00 sharp counts as after 16:00.
Every result is in UTC.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from config.models import DURATION_PATTERN

OFFICE_OPENS = time(8, 0)
OFFICE_CLOSES = time(16, 0)

_DURATION_RE = re.compile(DURATION_PATTERN)


@dataclass(frozen=True)
class Duration:
    """An SLA duration: `amount` clock hours ("h") or working days ("wd")."""

    amount: int
    unit: Literal["h", "wd"]

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@lru_cache(maxsize=256)
def parse_duration(text: str) -> Duration:
    """Parse "<N>h" or "<N>wd" (N a positive whole number) into a Duration."""
    # fullmatch: the pattern's "$" alone would also accept a trailing newline.
    match = _DURATION_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f'not a duration: {text!r}; a duration is "<N>h" (clock hours) or "<N>wd" (working days), e.g. "24h" or "3wd"')
    return Duration(int(text[: match.start(1)]), match.group(1))  # type: ignore[arg-type]


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """Return the ZoneInfo of an IANA time zone name, built once per name."""
    return ZoneInfo(name)


def indonesian_holidays(year: int) -> Iterable[date]:
    """Return Indonesia's public holidays and joint-leave days (cuti bersama) of `year`."""
    # Cuti bersama is listed only under GOVERNMENT; PUBLIC alone would count it as a working day.
    return holidays.country_holidays("ID", categories=(holidays.PUBLIC, holidays.GOVERNMENT), years=year).keys()


@dataclass(frozen=True)
class _Year:
    working: frozenset[date]
    ordered: tuple[date, ...]


class WorkCalendar:
    """Working days: Monday to Friday without the holidays its source gives, one year loaded at a time."""

    def __init__(self, holidays_of: Callable[[int], Iterable[date]] = indonesian_holidays, extra: Iterable[date] = ()) -> None:
        """Take holidays from `holidays_of(year)`, plus the `extra` dates (tests, local decrees)."""
        self._holidays_of = holidays_of
        self._extra = frozenset(extra)
        self._years: dict[int, _Year] = {}

    def _year(self, year: int) -> _Year:
        known = self._years.get(year)
        if known is None:
            # Two threads may build the same year at once; both build the same value, so no lock.
            closed = set(self._holidays_of(year)) | self._extra
            first = date(year, 1, 1)
            days = (first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days))
            ordered = tuple(d for d in days if d.weekday() < 5 and d not in closed)
            known = self._years[year] = _Year(frozenset(ordered), ordered)
        return known

    def is_working_day(self, day: date) -> bool:
        """Tell whether `day` is a working day."""
        return day in self._year(day.year).working

    def add_working_days(self, day: date, n: int) -> date:
        """Return the `n`th working day after `day` (`day` itself not counted, `n` ≥ 1)."""
        if n < 1:
            raise ValueError(f"n must be 1 or more, not {n}")
        year = day.year
        ordered = self._year(year).ordered
        index = bisect_right(ordered, day) + n - 1
        while index >= len(ordered):
            index -= len(ordered)
            year += 1
            ordered = self._year(year).ordered
        return ordered[index]


INDONESIA = WorkCalendar()


def _zone(tz: str | tzinfo) -> tzinfo:
    return zone(tz) if isinstance(tz, str) else tz


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a timezone-aware datetime is needed, not {moment!r}")
    return moment


def _clock_start(moment: datetime, tz: tzinfo, calendar: WorkCalendar) -> datetime:
    local = moment.astimezone(tz)
    day, clock = local.date(), local.time()
    if calendar.is_working_day(day):
        if clock < OFFICE_OPENS:
            return datetime.combine(day, OFFICE_OPENS, tzinfo=tz)
        if clock < OFFICE_CLOSES:
            return local
    return datetime.combine(calendar.add_working_days(day, 1), OFFICE_OPENS, tzinfo=tz)


def next_working_start(moment: datetime, tz: str | tzinfo, calendar: WorkCalendar = INDONESIA) -> datetime:
    """Return when a working-day clock started at `moment` begins to run (the rule above), in UTC."""
    return _clock_start(_aware(moment), _zone(tz), calendar).astimezone(UTC)


def add_duration(start: datetime, duration: str | Duration, tz: str | tzinfo, calendar: WorkCalendar = INDONESIA) -> datetime:
    """Return the due time, in UTC, of `duration` counted from the aware moment `start` in zone `tz`."""
    _aware(start)
    length = duration if isinstance(duration, Duration) else parse_duration(duration)
    if length.unit == "h":
        # In UTC, so that adding hours is never wall-clock arithmetic in the local zone.
        return start.astimezone(UTC) + timedelta(hours=length.amount)
    local_zone = _zone(tz)
    clock = _clock_start(start, local_zone, calendar)
    due_day = calendar.add_working_days(clock.date(), length.amount)
    return datetime.combine(due_day, clock.time(), tzinfo=local_zone).astimezone(UTC)
