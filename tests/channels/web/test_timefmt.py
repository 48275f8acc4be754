"""Times are shown in the complaint region's zone with its Indonesian name."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from complaints.timefmt import local_time

MOMENT = datetime(2026, 11, 24, 6, 5, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("Asia/Jakarta", "24 Nov 2026 13.05 WIB"),
        ("Asia/Pontianak", "24 Nov 2026 13.05 WIB"),
        ("Asia/Makassar", "24 Nov 2026 14.05 WITA"),
        ("Asia/Jayapura", "24 Nov 2026 15.05 WIT"),
        ("UTC", "24 Nov 2026 06.05 UTC"),
    ],
)
def test_zones_have_their_indonesian_names(zone, expected):
    """WIB for Jakarta and Pontianak, WITA for Makassar, WIT for Jayapura."""
    assert local_time(MOMENT, zone) == expected


def test_english_uses_english_months_and_a_colon():
    """An English page reads "24 Aug 2026 14:05 WITA"."""
    assert local_time("2026-08-24T06:05:00+00:00", "Asia/Makassar", "en") == "24 Aug 2026 14:05 WITA"
    assert local_time("2026-08-24T06:05:00+00:00", "Asia/Makassar", "id") == "24 Agu 2026 14.05 WITA"


def test_naive_times_are_utc_and_missing_ones_empty():
    """The store keeps UTC; a time without zone is read as UTC, and None shows nothing."""
    assert local_time(datetime(2026, 1, 1, 17, 30), "Asia/Jayapura") == "2 Jan 2026 02.30 WIT"
    assert local_time(None, "Asia/Jakarta") == ""
