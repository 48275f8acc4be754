"""Pick a ticket's SLA terms (the shorter of the agency's and the priority's, else the default) and compute its due
times."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from config.loader import Config, RegionNode
from config.models import Agency, AgencySLA, DeliverTarget, PrioritySLA, Settings, SLASettings
from sla.terms import Terms, acknowledge_due, close_at, escalate_at, resolve_due, terms_for, zone_of
from sla.workdays import Duration

WITA = ZoneInfo("Asia/Makassar")


def agency(code: str, sla: AgencySLA | None) -> Agency:
    """Return an agency of the test configuration with the given SLA override."""
    return Agency(code=code, name=code.upper(), service="umum", region="ntb", deliver=[DeliverTarget(email=f"{code}@example.id")], sla=sla)


@pytest.fixture(scope="module")
def config() -> Config:
    """Build a small configuration: settings with priority overrides and agencies with and without their own SLA."""
    settings = Settings(
        sla=SLASettings(
            acknowledge="3wd",
            resolve="14wd",
            escalate_after="2wd",
            by_priority={"urgent": PrioritySLA(acknowledge="1h"), "high": PrioritySLA(acknowledge="24h", resolve="7wd")},
        ),
        close_resolved_after="10wd",
    )
    agencies = {
        a.code: a
        for a in (
            agency("dinkes", AgencySLA(acknowledge="2wd", resolve="20wd")),
            agency("bpbd", AgencySLA(resolve="5wd")),
            agency("inspektorat", AgencySLA(acknowledge="4h")),
            agency("disdik", None),
        )
    }
    regions = {
        "ntb": RegionNode("ntb", "Provinsi NTB", None, 0, "Asia/Makassar", ()),
        "mataram": RegionNode("mataram", "Kota Mataram", "ntb", 1, "Asia/Makassar", ()),
        "pulau-barat": RegionNode("pulau-barat", "Pulau Barat", "ntb", 1, "Asia/Jakarta", ()),
    }
    return Config(regions=regions, root="ntb", agencies=agencies, rules=(), triage="disdik", settings=settings, version="test")


# (agency, priority, acknowledge, resolve, why)
PRECEDENCE = [
    ("disdik", "normal", "3wd", "14wd", "no override anywhere: the settings' default"),
    ("disdik", "low", "3wd", "14wd", "a priority without overrides: the default"),
    ("disdik", "urgent", "1h", "14wd", "the priority overrides acknowledge only"),
    ("disdik", "high", "24h", "7wd", "the priority overrides both"),
    ("dinkes", "normal", "2wd", "20wd", "the agency overrides the default"),
    ("dinkes", "urgent", "1h", "20wd", "the priority's shorter acknowledge beats the agency's"),
    ("dinkes", "high", "24h", "7wd", "the priority's shorter terms beat the agency's on both (24h is under 2wd)"),
    ("bpbd", "high", "24h", "5wd", "agency gives only resolve: the priority's acknowledge stays"),
    ("bpbd", "normal", "3wd", "5wd", "agency gives only resolve: the default acknowledge stays"),
    ("inspektorat", "high", "4h", "7wd", "the agency's shorter acknowledge beats the priority's; its resolve stays"),
    ("inspektorat", "urgent", "1h", "14wd", "the priority's 1h beats the agency's 4h"),
    ("removed-agency", "urgent", "1h", "14wd", "an unknown agency: settings only"),
    (None, "high", "24h", "7wd", "no agency: settings only"),
]


@pytest.mark.parametrize(("agency_code", "priority", "acknowledge", "resolve", "why"), PRECEDENCE, ids=[f"{c[0]}-{c[1]}" for c in PRECEDENCE])
def test_terms_precedence(config, agency_code, priority, acknowledge, resolve, why):
    """Take acknowledge and resolve from the agency, else the priority, else the default; the rest from settings."""
    terms = terms_for(config, agency_code, priority)
    assert (str(terms.acknowledge), str(terms.resolve)) == (acknowledge, resolve), why
    assert (str(terms.escalate_after), str(terms.close_resolved_after)) == ("2wd", "10wd")


def test_unknown_priority_is_refused(config):
    """Refuse a priority the configuration cannot name."""
    with pytest.raises(ValueError, match="unknown priority"):
        terms_for(config, "disdik", "critical")


def test_terms_parse_strings():
    """Hold durations given as text as parsed Durations."""
    terms = Terms(acknowledge="1h", resolve="14wd", escalate_after=Duration(2, "wd"), close_resolved_after="10wd")
    assert terms == Terms(Duration(1, "h"), Duration(14, "wd"), Duration(2, "wd"), Duration(10, "wd"))
    with pytest.raises(ValueError, match="not a duration"):
        Terms(acknowledge="1 day", resolve="14wd", escalate_after="2wd", close_resolved_after="10wd")


@pytest.mark.parametrize(
    ("region", "tz"),
    [
        ("mataram", "Asia/Makassar"),
        ("pulau-barat", "Asia/Jakarta"),  # a region with its own zone
        ("not-a-region", "Asia/Makassar"),  # unknown: the root's zone
        (None, "Asia/Makassar"),
    ],
)
def test_zone_of(config, region, tz):
    """Give a region's time zone, or the root region's for an unknown code."""
    assert zone_of(config, region) == tz


def wita(*args: int) -> datetime:
    """Return a moment on the wall clock of Asia/Makassar."""
    return datetime(*args, tzinfo=WITA)


DEFAULT = Terms(acknowledge="3wd", resolve="14wd", escalate_after="2wd", close_resolved_after="10wd")

# (label, function, start, terms, expected due), Asia/Makassar; July 2026 has no holiday.
DUE_TIMES = [
    # Assigned Fri 3 July 15:00: Mon 6 (1), Tue 7 (2), Wed 8 (3).
    ("acknowledge", acknowledge_due, wita(2026, 7, 3, 15, 0), DEFAULT, wita(2026, 7, 8, 15, 0)),
    # Urgent: one clock hour, nights and weekends included.
    ("acknowledge-urgent", acknowledge_due, wita(2026, 7, 3, 23, 30), Terms("1h", "14wd", "2wd", "10wd"), wita(2026, 7, 4, 0, 30)),
    # Acknowledged Mon 6 July 09:00: 7-10 (4), 13-17 (9), 20-24 (14).
    ("resolve", resolve_due, wita(2026, 7, 6, 9, 0), DEFAULT, wita(2026, 7, 24, 9, 0)),
    # Overdue since Wed 8 July 15:00: two working days more, Thu 9 (1), Fri 10 (2).
    ("escalate", escalate_at, wita(2026, 7, 8, 15, 0), DEFAULT, wita(2026, 7, 10, 15, 0)),
    # Resolved Mon 10 Aug 11:00: 11-14 (4), 17 Independence Day, 18-21 (8), 24 (9), 25 Prophet's Birthday, 26 (10).
    ("close", close_at, wita(2026, 8, 10, 11, 0), DEFAULT, wita(2026, 8, 26, 11, 0)),
    # Resolved Fri 14 Aug 18:00 (after closing): clock starts Tue 18 08:00 (17 is Independence Day);
    # 19-21 (3), 24 (4), 25 off, 26-28 (7), 31 (8), 1-2 Sep (10).
    ("close-after-hours", close_at, wita(2026, 8, 14, 18, 0), DEFAULT, wita(2026, 9, 2, 8, 0)),
]


@pytest.mark.parametrize(("label", "due", "start", "terms", "expected"), DUE_TIMES, ids=[c[0] for c in DUE_TIMES])
def test_due_times(label, due, start, terms, expected):
    """Add the matching term to the ticket's moment, in the region's zone, and answer in UTC."""
    result = due(start.astimezone(UTC), terms, "Asia/Makassar")
    assert result == expected
    assert result.tzinfo is UTC


def test_due_times_with_terms_and_zone_from_config(config):
    """Compute an urgent ticket's and a DINKES ticket's acknowledgement from the configuration."""
    assigned = wita(2026, 7, 3, 15, 0)
    tz = zone_of(config, "mataram")
    # Urgent at an agency without its own SLA: 1 clock hour.
    assert acknowledge_due(assigned, terms_for(config, "disdik", "urgent"), tz) == wita(2026, 7, 3, 16, 0)
    # DINKES gives 2wd, but urgent's 1h is shorter: 1 clock hour there too.
    assert acknowledge_due(assigned, terms_for(config, "dinkes", "urgent"), tz) == wita(2026, 7, 3, 16, 0)
    # A normal ticket at DINKES: its own 2wd, Mon 6 (1), Tue 7 (2).
    assert acknowledge_due(assigned, terms_for(config, "dinkes", "normal"), tz) == wita(2026, 7, 7, 15, 0)
