"""Add SLA durations: clock hours, and Indonesian working days by the office-hours rule in each time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from sla.workdays import INDONESIA, Duration, WorkCalendar, add_duration, next_working_start, parse_duration

WIB = ZoneInfo("Asia/Jakarta")  # UTC+7
WITA = ZoneInfo("Asia/Makassar")  # UTC+8
WIT = ZoneInfo("Asia/Jayapura")  # UTC+9


def wib(*args: int) -> datetime:
    """Return a moment on the wall clock of Asia/Jakarta."""
    return datetime(*args, tzinfo=WIB)


def wita(*args: int) -> datetime:
    """Return a moment on the wall clock of Asia/Makassar."""
    return datetime(*args, tzinfo=WITA)


def wit(*args: int) -> datetime:
    """Return a moment on the wall clock of Asia/Jayapura."""
    return datetime(*args, tzinfo=WIT)


def utc(*args: int) -> datetime:
    """Return a moment in UTC."""
    return datetime(*args, tzinfo=UTC)


# (label, start, duration, expected due) in Asia/Makassar with the Indonesian calendar.
# July 2026 has no holiday; 2026-07-03 is a Friday.
WORKING_DAYS = [
    # Weekends.
    ("friday-afternoon-to-monday", wita(2026, 7, 3, 14, 0), "1wd", wita(2026, 7, 6, 14, 0)),  # in office hours: Mon is the 1st working day after Fri
    ("friday-after-closing", wita(2026, 7, 3, 16, 30), "1wd", wita(2026, 7, 7, 8, 0)),  # clock starts Mon 08:00; 1st working day after Mon is Tue
    ("friday-at-closing-sharp", wita(2026, 7, 3, 16, 0), "1wd", wita(2026, 7, 7, 8, 0)),  # 16:00 itself is after office hours
    ("friday-last-minute", wita(2026, 7, 3, 15, 59), "1wd", wita(2026, 7, 6, 15, 59)),  # still in office hours
    ("saturday", wita(2026, 7, 4, 10, 0), "1wd", wita(2026, 7, 7, 8, 0)),  # weekend: clock starts Mon 08:00
    ("sunday-night", wita(2026, 7, 5, 23, 59), "1wd", wita(2026, 7, 7, 8, 0)),  # weekend: clock starts Mon 08:00
    ("monday-before-opening", wita(2026, 7, 6, 7, 59), "1wd", wita(2026, 7, 7, 8, 0)),  # clock starts Mon 08:00 that day
    ("monday-at-opening", wita(2026, 7, 6, 8, 0), "1wd", wita(2026, 7, 7, 8, 0)),  # 08:00 is in office hours
    ("monday-midnight", wita(2026, 7, 6, 0, 0), "1wd", wita(2026, 7, 7, 8, 0)),  # before opening on a working day
    ("seconds-kept", datetime(2026, 7, 6, 9, 15, 42, 123456, tzinfo=WITA), "2wd", datetime(2026, 7, 8, 9, 15, 42, 123456, tzinfo=WITA)),
    ("three-within-week", wita(2026, 7, 6, 15, 59), "3wd", wita(2026, 7, 9, 15, 59)),  # Tue, Wed, Thu
    ("five-across-weekend", wita(2026, 7, 8, 10, 0), "5wd", wita(2026, 7, 15, 10, 0)),  # Thu 9, Fri 10, Mon 13, Tue 14, Wed 15
    ("fourteen", wita(2026, 7, 6, 9, 0), "14wd", wita(2026, 7, 24, 9, 0)),  # 7-10 (4), 13-17 (9), 20-24 (14)
    # Idul Fitri 2026 with Nyepi and the joint leave (cuti bersama): 18 G, 19 P, 20 G, 21-22 P (weekend), 23-24 G.
    ("idul-fitri-2wd", wita(2026, 3, 17, 10, 0), "2wd", wita(2026, 3, 26, 10, 0)),  # Wed 25 is the 1st working day, Thu 26 the 2nd
    ("idul-fitri-1wd", wita(2026, 3, 17, 10, 0), "1wd", wita(2026, 3, 25, 10, 0)),  # the whole 18-24 is closed
    ("idul-fitri-after-closing", wita(2026, 3, 17, 17, 0), "1wd", wita(2026, 3, 26, 8, 0)),  # clock starts Wed 25 08:00
    ("arrives-on-nyepi", wita(2026, 3, 19, 10, 0), "1wd", wita(2026, 3, 26, 8, 0)),  # holiday: clock starts Wed 25 08:00
    ("arrives-on-joint-leave", wita(2026, 3, 23, 9, 0), "1wd", wita(2026, 3, 26, 8, 0)),  # Mon 23 is cuti bersama: clock starts Wed 25 08:00
    # A holiday on the due day moves it.
    ("17-august", wita(2026, 8, 14, 10, 0), "1wd", wita(2026, 8, 18, 10, 0)),  # Fri 14 → Mon 17 is Independence Day → Tue 18
    ("arrives-on-17-august", wita(2026, 8, 17, 10, 0), "1wd", wita(2026, 8, 19, 8, 0)),  # clock starts Tue 18 08:00
    ("ascension-and-joint-leave", wita(2026, 5, 13, 10, 0), "1wd", wita(2026, 5, 18, 10, 0)),  # Thu 14 Ascension, Fri 15 cuti bersama, weekend
    ("prophets-birthday", wita(2026, 8, 10, 11, 0), "10wd", wita(2026, 8, 26, 11, 0)),  # 11-14 (4), 17 off, 18-21 (8), 24 (9), 25 off, 26 (10)
    # Year boundaries.
    ("new-year-2026", wita(2025, 12, 31, 10, 0), "1wd", wita(2026, 1, 2, 10, 0)),  # Thu 1 Jan is New Year's Day; Fri 2 Jan works
    ("new-year-2027", wita(2026, 12, 31, 10, 0), "1wd", wita(2027, 1, 4, 10, 0)),  # Fri 1 Jan is New Year's Day, then the weekend
    ("new-year-then-isra-mikraj", wita(2026, 12, 31, 10, 0), "2wd", wita(2027, 1, 6, 10, 0)),  # Mon 4 (1), Tue 5 Isra Mikraj, Wed 6 (2)
    ("christmas-2026", wita(2026, 12, 23, 10, 0), "2wd", wita(2026, 12, 29, 10, 0)),  # 24 cuti bersama, 25 Christmas, weekend; Mon 28 (1), Tue 29 (2)
    ("christmas-into-2027", wita(2026, 12, 23, 10, 0), "5wd", wita(2027, 1, 4, 10, 0)),  # 28, 29, 30, 31 (4), 1 Jan off, weekend, Mon 4 (5)
]


@pytest.mark.parametrize(("label", "start", "duration", "expected"), WORKING_DAYS, ids=[c[0] for c in WORKING_DAYS])
def test_working_days_follow_the_office_hours_rule(label, start, duration, expected):
    """Start the clock by the office-hours rule and land on the same local time N working days on."""
    assert add_duration(start.astimezone(UTC), duration, "Asia/Makassar") == expected


def test_joint_leave_counts_only_with_the_government_category():
    """Count cuti bersama as closed: 2 working days after Tue 17 March 2026 is the 26th, the 20th with PUBLIC only."""
    public_only = WorkCalendar(lambda year: holidays.country_holidays("ID", years=year).keys())
    start = wita(2026, 3, 17, 10, 0)
    # PUBLIC only: Wed 18 (1st, its joint leave ignored), Thu 19 Nyepi, Fri 20 (2nd).
    assert add_duration(start, "2wd", "Asia/Makassar", public_only) == wita(2026, 3, 20, 10, 0)
    assert add_duration(start, "2wd", "Asia/Makassar") == wita(2026, 3, 26, 10, 0)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 17), True),  # Tuesday before Nyepi
        (date(2026, 3, 18), False),  # Nyepi joint leave (GOVERNMENT)
        (date(2026, 3, 19), False),  # Nyepi (PUBLIC)
        (date(2026, 3, 20), False),  # Idul Fitri joint leave (GOVERNMENT)
        (date(2026, 3, 23), False),  # Idul Fitri joint leave (GOVERNMENT)
        (date(2026, 3, 24), False),  # Idul Fitri joint leave (GOVERNMENT)
        (date(2026, 3, 25), True),  # first working day after Idul Fitri
        (date(2026, 7, 4), False),  # Saturday
        (date(2026, 7, 5), False),  # Sunday
        (date(2026, 8, 17), False),  # Independence Day
        (date(2026, 12, 24), False),  # Christmas joint leave (GOVERNMENT)
        (date(2027, 1, 1), False),  # New Year's Day
        (date(2027, 1, 4), True),  # Monday after New Year
    ],
)
def test_indonesian_working_days(day, working):
    """Tell Monday to Friday without public holidays and cuti bersama."""
    assert INDONESIA.is_working_day(day) is working


def test_calendar_agrees_with_the_holidays_package_2025_to_2027():
    """Match the package's own working-day arithmetic (PUBLIC + GOVERNMENT) on every day of 2025-2027."""
    package = holidays.country_holidays("ID", categories=(holidays.PUBLIC, holidays.GOVERNMENT))
    day = date(2025, 1, 1)
    while day.year < 2028:
        assert INDONESIA.is_working_day(day) == package.is_working_day(day), day
        for n in (1, 2, 3, 14):
            assert INDONESIA.add_working_days(day, n) == package.get_nth_working_day(day, n), (day, n)
        day += timedelta(days=1)


# The same Monday-morning complaint, filed at 00:30 WIT on Mon 6 July 2026 = 15:30 UTC on Sunday
# = 22:30 WIB Sunday = 23:30 WITA Sunday.
MONDAY_0030_WIT = utc(2026, 7, 5, 15, 30)

# (zone, expected due of 1wd, in that zone and in UTC)
FILED_AT_0030_WIT = [
    # Already Monday, before opening: clock starts Mon 08:00 WIT, due Tue 08:00 WIT.
    ("Asia/Jayapura", wit(2026, 7, 7, 8, 0), utc(2026, 7, 6, 23, 0)),
    # Still Sunday: clock starts Mon 08:00 WITA, due Tue 08:00 WITA.
    ("Asia/Makassar", wita(2026, 7, 7, 8, 0), utc(2026, 7, 7, 0, 0)),
    # Still Sunday: clock starts Mon 08:00 WIB, due Tue 08:00 WIB.
    ("Asia/Jakarta", wib(2026, 7, 7, 8, 0), utc(2026, 7, 7, 1, 0)),
]


@pytest.mark.parametrize(("tz", "local", "in_utc"), FILED_AT_0030_WIT, ids=[c[0] for c in FILED_AT_0030_WIT])
def test_complaint_filed_monday_0030_wit_in_each_zone(tz, local, in_utc):
    """Count a Monday 00:30 WIT complaint in each zone's own office hours: three different due times."""
    assert MONDAY_0030_WIT.astimezone(WIT) == wit(2026, 7, 6, 0, 30)
    assert MONDAY_0030_WIT.astimezone(WIB) == wib(2026, 7, 5, 22, 30)
    due = add_duration(MONDAY_0030_WIT, "1wd", tz)
    assert due == local
    assert due == in_utc


# Fri 3 July 2026 08:30 UTC is 15:30 WIB (open), 16:30 WITA (closed), 17:30 WIT (closed).
SAME_INSTANT = [
    ("Asia/Jakarta", wib(2026, 7, 6, 15, 30)),  # in office hours: Mon 15:30 WIB
    ("Asia/Makassar", wita(2026, 7, 7, 8, 0)),  # after closing: clock starts Mon 08:00 WITA, due Tue 08:00
    ("Asia/Jayapura", wit(2026, 7, 7, 8, 0)),  # after closing: clock starts Mon 08:00 WIT, due Tue 08:00
]


@pytest.mark.parametrize(("tz", "expected"), SAME_INSTANT, ids=[c[0] for c in SAME_INSTANT])
def test_same_utc_instant_differs_by_zone(tz, expected):
    """Decide office hours on each zone's own clock for one UTC instant."""
    assert add_duration(utc(2026, 7, 3, 8, 30), "1wd", tz) == expected


def test_zone_given_as_zoneinfo_or_name_agree():
    """Accept the zone as an IANA name or as a ZoneInfo, with the same result."""
    start = utc(2026, 7, 3, 8, 30)
    assert add_duration(start, "1wd", WIT) == add_duration(start, "1wd", "Asia/Jayapura") == wit(2026, 7, 7, 8, 0)


# (label, start, duration, expected): clock hours count nights, weekends and holidays alike.
CLOCK_HOURS = [
    ("across-midnight", wita(2026, 7, 4, 23, 30), "1h", wita(2026, 7, 5, 0, 30)),  # Sat 23:30 → Sun 00:30
    ("over-weekend", wita(2026, 7, 3, 22, 0), "24h", wita(2026, 7, 4, 22, 0)),  # Fri night → Sat night, no skipping
    ("whole-weekend", wita(2026, 7, 3, 17, 0), "48h", wita(2026, 7, 5, 17, 0)),  # Fri → Sun
    ("into-17-august", wita(2026, 8, 16, 20, 0), "24h", wita(2026, 8, 17, 20, 0)),  # holiday not skipped
    ("through-nyepi", wita(2026, 3, 17, 10, 0), "48h", wita(2026, 3, 19, 10, 0)),  # lands on Nyepi
    ("over-new-year", wita(2026, 12, 31, 23, 0), "4h", wita(2027, 1, 1, 3, 0)),
    ("after-closing", wita(2026, 7, 6, 18, 0), "4h", wita(2026, 7, 6, 22, 0)),  # no office hours for clock hours
]


@pytest.mark.parametrize(("label", "start", "duration", "expected"), CLOCK_HOURS, ids=[c[0] for c in CLOCK_HOURS])
def test_clock_hours_run_around_the_clock(label, start, duration, expected):
    """Add clock hours as plain elapsed time, whatever the day."""
    assert add_duration(start, duration, "Asia/Makassar") == expected


@pytest.mark.parametrize(
    ("start", "duration"),
    [
        (wit(2026, 7, 3, 16, 30), "24h"),  # a start given in a local zone
        (wit(2026, 7, 3, 16, 30), "1wd"),
        (utc(2026, 7, 3, 8, 30), Duration(1, "wd")),
    ],
)
def test_due_times_are_in_utc(start, duration):
    """Return every due time in UTC, whatever the zone of the start."""
    assert add_duration(start, duration, "Asia/Jayapura").utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (wita(2026, 7, 6, 10, 0), wita(2026, 7, 6, 10, 0)),  # in office hours: at once
        (wita(2026, 7, 6, 6, 0), wita(2026, 7, 6, 8, 0)),  # before opening: 08:00 that day
        (wita(2026, 7, 3, 16, 0), wita(2026, 7, 6, 8, 0)),  # Friday at closing: Monday 08:00
        (wita(2026, 3, 17, 20, 0), wita(2026, 3, 25, 8, 0)),  # before Nyepi and Idul Fitri: Wed 25 08:00
    ],
)
def test_next_working_start(moment, expected):
    """Start the working-day clock at once, at opening that day, or at opening of the next working day."""
    started = next_working_start(moment, "Asia/Makassar")
    assert started == expected
    assert started.utcoffset() == timedelta(0)


def test_naive_start_is_refused():
    """Refuse a start without a time zone rather than guess one."""
    with pytest.raises(ValueError, match="timezone-aware"):
        add_duration(datetime(2026, 7, 6, 10, 0), "1wd", "Asia/Makassar")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1h", Duration(1, "h")), ("24h", Duration(24, "h")), ("3wd", Duration(3, "wd")), ("14wd", Duration(14, "wd"))],
)
def test_parse_duration(text, expected):
    """Read "<N>h" and "<N>wd" into amount and unit, and write them back the same."""
    assert parse_duration(text) == expected
    assert str(expected) == text


@pytest.mark.parametrize("text", ["", "h", "wd", "3", "0h", "0wd", "03wd", "-1h", "1.5h", "3d", "3 wd", "3WD", " 3wd", "3wd\n", "３wd", None, 3])
def test_bad_duration_is_a_value_error(text):
    """Refuse anything but a positive whole number followed by h or wd, with a hint."""
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_add_duration_refuses_bad_text():
    """Refuse a bad duration in add_duration too."""
    with pytest.raises(ValueError, match="not a duration"):
        add_duration(utc(2026, 7, 6, 2, 0), "3days", "Asia/Makassar")


def test_extra_holidays_are_closed():
    """Close the extra dates given to a calendar, on top of its source's."""
    calendar = WorkCalendar(lambda year: (), extra=[date(2026, 7, 6)])
    # Fri 14:00 + 1wd: Mon 6 is the extra holiday, so Tue 7.
    assert add_duration(wita(2026, 7, 3, 14, 0), "1wd", "Asia/Makassar", calendar) == wita(2026, 7, 7, 14, 0)


def test_weekend_only_calendar_ignores_holidays():
    """Count every weekday with a source that gives no holidays."""
    calendar = WorkCalendar(lambda year: ())
    # Tue 17 March 2026 + 2wd: Wed 18, Thu 19 (Nyepi is a working day here).
    assert add_duration(wita(2026, 3, 17, 10, 0), "2wd", "Asia/Makassar", calendar) == wita(2026, 3, 19, 10, 0)


def test_calendar_loads_each_year_once_and_only_when_needed():
    """Ask the holiday source for a year the first time it is needed, and never again."""
    asked: list[int] = []

    def source(year: int) -> tuple[date, ...]:
        asked.append(year)
        return ()

    calendar = WorkCalendar(source)
    assert asked == []
    for _ in range(3):
        calendar.is_working_day(date(2026, 7, 6))
        add_duration(wita(2026, 12, 31, 10, 0), "1wd", "Asia/Makassar", calendar)
    assert asked == [2026, 2027]


def test_add_working_days_needs_at_least_one():
    """Refuse to count zero or fewer working days."""
    with pytest.raises(ValueError):
        INDONESIA.add_working_days(date(2026, 7, 6), 0)
