"""Periods are whole local days of the root region (WITA): since 00:00 included, the day after until 00:00 excluded."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import insert

from reports.compute import compute
from reports.export import write_export
from reports.period import PeriodError, parse_period
from store import models as m
from tests.reports.seed import NOW, complaint

ZONE = "Asia/Makassar"


def test_dates_are_local_midnights_in_the_root_zone(sample_config):
    """1–15 April in WITA runs from 31 March 16:00 UTC to 15 April 16:00 UTC."""
    assert sample_config.regions[sample_config.root].timezone == ZONE
    period = parse_period("2026-04-01", "2026-04-15", ZONE, NOW)
    assert (period.since, period.until) == (date(2026, 4, 1), date(2026, 4, 15))
    assert period.start == datetime(2026, 3, 31, 16, 0, tzinfo=timezone.utc)
    assert period.end == datetime(2026, 4, 15, 16, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("now", "since", "until"), [
    (datetime(2026, 12, 1, 23, 20, tzinfo=timezone.utc), date(2026, 12, 1), date(2026, 12, 2)),  # 2 Dec 07:20 WITA
    (datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc), date(2026, 12, 1), date(2026, 12, 1)),  # 1 Dec 00:30 WITA
    (datetime(2026, 11, 30, 15, 59, tzinfo=timezone.utc), date(2026, 11, 1), date(2026, 11, 30)),  # 30 Nov 23:59 WITA
])
def test_without_dates_the_period_is_this_local_month_so_far(now, since, until):
    """No since/until: from the first of the current month to today, both as days in WITA, not in UTC."""
    period = parse_period(None, None, ZONE, now)
    assert (period.since, period.until) == (since, until)


def test_until_alone_starts_on_the_first_of_its_month():
    """Only until given: the period starts on the first day of that month."""
    period = parse_period(None, "2026-04-15", ZONE, NOW)
    assert (period.since, period.until) == (date(2026, 4, 1), date(2026, 4, 15))


def test_an_iso_time_is_taken_as_its_local_day():
    """A time with an offset counts as the WITA day it falls on; one without an offset is local already."""
    period = parse_period("2026-04-01T10:00:00", "2026-04-15T20:00:00Z", ZONE, NOW)
    assert (period.since, period.until) == (date(2026, 4, 1), date(2026, 4, 16))


@pytest.mark.parametrize(("since", "until", "message"), [
    ("2026-13-01", "2026-04-15", "since must be a date (YYYY-MM-DD) or an ISO 8601 time"),
    ("01/04/2026", "2026-04-15", "since must be a date (YYYY-MM-DD) or an ISO 8601 time"),
    ("2026-04-01", "kemarin", "until must be a date (YYYY-MM-DD) or an ISO 8601 time"),
    ("2026-04-16", "2026-04-15", "since (2026-04-16) is after until (2026-04-15): the first day must be on or before the last"),
    ("0001-01-01", "2026-04-15", "since is out of range"),
    ("2026-04-01", "9999-12-31", "until is out of range"),
])
def test_an_unreadable_or_reversed_period_is_refused(since, until, message):
    """A period that cannot be read, or that ends before it starts, is an error naming the bound."""
    with pytest.raises(PeriodError) as caught:
        parse_period(since, until, ZONE, NOW)
    assert str(caught.value) == message


def test_the_edges_of_the_period_in_the_store(db, sample_config):
    """00:00:00 WITA on since and 23:59:59 WITA on until are in; 23:59:59 the day before and 00:00:00 after are out."""
    edges = {
        "NTB-EDGE0001": "2026-03-31T23:59:59",
        "NTB-EDGE0002": "2026-04-01T00:00:00",
        "NTB-EDGE0003": "2026-04-15T23:59:59",
        "NTB-EDGE0004": "2026-04-16T00:00:00",
    }
    with db.writer.begin() as conn:
        conn.execute(insert(m.Complaint), [
            complaint(code, at, agency="dinkes-ntb", region="kota-mataram", category="kesehatan", channel="web",
                      kind="complaint", status="assigned")
            for code, at in edges.items()])
    period = parse_period("2026-04-01", "2026-04-15", ZONE, NOW)
    with db.reader.connect() as conn:
        stats = compute(conn, sample_config, period, "agency", NOW)
        out = io.StringIO()
        count = write_export(conn, sample_config, period, out)
    assert stats["total"]["received"] == 2
    assert count == 2
    lines = out.getvalue().splitlines()[1:]
    assert [line.split(",")[:2] for line in lines] == [["NTB-EDGE0002", "2026-04-01T00:00:00+08:00"],
                                                      ["NTB-EDGE0003", "2026-04-15T23:59:59+08:00"]]
