"""The sweep's decisions as a table: (rows, now) → what it reroutes, schedules, marks overdue, escalates and closes.

Every expected time is written out by hand from the working-day rule (sla/workdays.py): Monday to Friday without
Indonesian holidays and cuti bersama, office hours 08:00–16:00 in the complaint's zone, N working days later at the
same local time; a clock that starts outside office hours starts at 08:00 of the next working day. The sample config
(config/): settings acknowledge 3wd, resolve 14wd, escalate_after 2wd, high 24h, urgent 1h, close_resolved_after
10wd; dinkes-ntb acknowledge 24h and resolve 10wd; inspektorat-ntb acknowledge 2wd; every region in WITA (UTC+8).

August 2026: Mon 17 (Independence Day) and Tue 25 (Prophet's Birthday) are holidays.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from config.loader import RegionNode
from router import compile_router
from sweep import decide
from sweep.decide import Close, Escalate, Overdue, Plan, Reroute, Schedule

WITA = ZoneInfo("Asia/Makassar")
WIB = ZoneInfo("Asia/Jakarta")
WIT = ZoneInfo("Asia/Jayapura")


def wita(day: str, clock: str, zone: ZoneInfo = WITA) -> datetime:
    """A local time: wita("2026-08-13", "10:00")."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=zone)


def open_row(id: int, status: str, agency: str | None, *, priority: str = "normal", region: str = "ntb", **columns) -> dict:
    """An open complaint as the job loads it (sweep.job.OPEN_COLUMNS); unset columns empty."""
    row = {"id": id, "code": f"NTB-TEST{id:04d}", "status": status, "agency": agency, "priority": priority,
           "region": region, "category": None, "assigned_at": None, "acknowledged_at": None,
           "acknowledge_due_at": None, "resolve_due_at": None, "overdue": False, "overdue_since": None,
           "escalate_due_at": None}
    row.update(columns)
    return row


def resolved_row(id: int, resolved_at: datetime, *, status: str = "resolved", agency: str = "dinsos-ntb") -> dict:
    """A resolved complaint as the job loads it for closing (sweep.job.NOTICE_COLUMNS)."""
    return {"id": id, "code": f"NTB-TEST{id:04d}", "status": status, "agency": agency, "priority": "normal",
            "region": "kota-mataram", "resolved_at": resolved_at, "channel": "web", "reply_to": None,
            "reply_via": None, "reporter_id": None, "language": "id"}


def triage_row(id: int, text: str, region: str) -> dict:
    """A complaint waiting in triage as the job loads it."""
    return {"id": id, "code": f"NTB-TEST{id:04d}", "text": text, "region": region, "channel": "web",
            "kind": "complaint", "category": None}


def nothing() -> Plan:
    """A plan that does nothing."""
    return Plan([], [], [], [], [])


@pytest.fixture(scope="module")
def router(sample_config):
    """The sample rules, compiled."""
    return compile_router(sample_config)


@pytest.fixture(scope="module")
def zoned_config(sample_config):
    """The sample config plus two regions in the other Indonesian zones (the sample is all WITA)."""
    regions = dict(sample_config.regions)
    regions["test-wib"] = RegionNode("test-wib", "Wilayah Uji WIB", "ntb", 1, "Asia/Jakarta", ())
    regions["test-wit"] = RegionNode("test-wit", "Wilayah Uji WIT", "ntb", 1, "Asia/Jayapura", ())
    return replace(sample_config, regions=regions)


# -- overdue and escalation ----------------------------------------------------------------------------------

# dinsos-ntb, normal: assigned Mon 10 Aug 10:00, acknowledgement due 3wd later, Thu 13 Aug 10:00. Escalation 2wd
# after that: Fri 14, (Mon 17 holiday), Tue 18 Aug 10:00.
ACK_DUE = wita("2026-08-13", "10:00")
ACK_ESCALATE = wita("2026-08-18", "10:00")
WAITING = open_row(1, "assigned", "dinsos-ntb", assigned_at=wita("2026-08-10", "10:00"), acknowledge_due_at=ACK_DUE)
MARKED = dict(WAITING, overdue=True, overdue_since=wita("2026-08-13", "16:00"), escalate_due_at=ACK_ESCALATE)
# Acknowledged, resolution due Mon 31 Aug 14:00; escalation Tue 1, Wed 2 Sep 14:00.
RESOLVING = open_row(2, "acknowledged", "dinsos-ntb", acknowledged_at=wita("2026-08-10", "14:00"),
                     resolve_due_at=wita("2026-08-31", "14:00"))
# dinkes-ntb acknowledges in 24 clock hours: due Sat 15 Aug 15:00. Its escalation clock starts at 08:00 of the next
# working day (Mon 17 is a holiday: Tue 18) and runs 2wd: Thu 20 Aug 08:00.
WEEKEND_DUE = open_row(3, "assigned", "dinkes-ntb", priority="high", acknowledge_due_at=wita("2026-08-15", "15:00"))
AIKMEL = open_row(4, "assigned", "puskesmas-aikmel", region="lotim-aikmel", overdue=True,
                  overdue_since=wita("2026-08-13", "16:00"), escalate_due_at=ACK_ESCALATE, acknowledge_due_at=ACK_DUE)

OVERDUE_TABLE = [
    ("not yet due", WAITING, wita("2026-08-13", "09:59:59"), nothing()),
    ("due exactly now is overdue", WAITING, ACK_DUE,
     Plan([], [], [Overdue(1, "NTB-TEST0001", "dinsos-ntb", "acknowledge", ACK_DUE, ACK_ESCALATE)], [], [])),
    ("escalation counts from the missed due time, not from the sweep", WAITING, wita("2026-08-14", "15:00"),
     Plan([], [], [Overdue(1, "NTB-TEST0001", "dinsos-ntb", "acknowledge", ACK_DUE, ACK_ESCALATE)], [], [])),
    ("resolution overdue", RESOLVING, wita("2026-08-31", "14:30"),
     Plan([], [], [Overdue(2, "NTB-TEST0002", "dinsos-ntb", "resolve", wita("2026-08-31", "14:00"),
                           wita("2026-09-02", "14:00"))], [], [])),
    ("resolution overdue while in progress", dict(RESOLVING, status="in_progress"), wita("2026-09-01", "09:00"),
     Plan([], [], [Overdue(2, "NTB-TEST0002", "dinsos-ntb", "resolve", wita("2026-08-31", "14:00"),
                           wita("2026-09-02", "14:00"))], [], [])),
    ("resolution not yet due", RESOLVING, wita("2026-08-31", "13:59"), nothing()),
    ("an hourly due time on a Saturday escalates from the next working day's opening", WEEKEND_DUE,
     wita("2026-08-15", "16:00"),
     Plan([], [], [Overdue(3, "NTB-TEST0003", "dinkes-ntb", "acknowledge", wita("2026-08-15", "15:00"),
                           wita("2026-08-20", "08:00"))], [], [])),
    ("already marked overdue is not marked twice", MARKED, wita("2026-08-14", "15:00"), nothing()),
    ("escalation not yet due", MARKED, wita("2026-08-18", "09:59"), nothing()),
    ("escalation due exactly now", MARKED, ACK_ESCALATE,
     Plan([], [], [], [Escalate(1, "NTB-TEST0001", "dinsos-ntb", "ntb-care", wita("2026-08-13", "16:00"))], [])),
    ("escalation long past", MARKED, wita("2026-08-25", "10:00"),
     Plan([], [], [], [Escalate(1, "NTB-TEST0001", "dinsos-ntb", "ntb-care", wita("2026-08-13", "16:00"))], [])),
    ("escalation goes to the agency's escalate_to", AIKMEL, ACK_ESCALATE,
     Plan([], [], [], [Escalate(4, "NTB-TEST0004", "puskesmas-aikmel", "dinkes-lotim", wita("2026-08-13", "16:00"))],
          [])),
    ("an escalated ticket is not escalated again", dict(MARKED, escalate_due_at=None), wita("2026-08-25", "10:00"),
     nothing()),
    ("a resolved ticket is neither overdue nor escalated", dict(MARKED, status="resolved"), wita("2026-08-25", "10:00"),
     nothing()),
    # Returned Mon 24 Aug 10:00 (the return clears the agency's due time): its triage clock, 1wd, skips the holiday
    # of Tue 25 and runs out Wed 26 10:00; the agency's old due time binds it no longer.
    ("a ticket back in triage is held to the triage clock from its return, not to its agency's",
     dict(WAITING, status="triage", agency=None, acknowledge_due_at=None, entered_triage=wita("2026-08-24", "10:00")),
     wita("2026-08-25", "10:00"),
     Plan([], [Schedule(1, "NTB-TEST0001", "acknowledge_due_at", wita("2026-08-26", "10:00"))], [], [], [])),
]


@pytest.mark.parametrize(("row", "now", "expected"), [case[1:] for case in OVERDUE_TABLE],
                         ids=[case[0] for case in OVERDUE_TABLE])
def test_overdue_and_escalation(sample_config, router, row, now, expected):
    """Past its due time a ticket is marked once; escalate_after past that due time it escalates once."""
    assert decide.plan(sample_config, router, now, open_rows=[row]) == expected


def _agency(config, code: str, **changes):
    """An agency of the config with some fields changed."""
    return config.agencies[code].model_copy(update=changes)


@pytest.mark.parametrize(
    ("agency", "changes", "target"),
    [
        ("dinsos-ntb", {"escalate_to": None}, "ntb-care"),
        ("dinsos-ntb", {"escalate_to": "dinsos-ntb"}, "ntb-care"),
        ("dinsos-ntb", {"escalate_to": "dinas-yang-dihapus"}, "ntb-care"),
        ("puskesmas-aikmel", {}, "dinkes-lotim"),
        ("ntb-care", {}, "ntb-care"),
    ],
    ids=["no escalate_to: the triage team", "escalate_to naming itself: the triage team",
         "escalate_to no longer configured: the triage team", "escalate_to", "the triage team's own ticket"],
)
def test_escalation_target(sample_config, router, agency, changes, target):
    """An overdue ticket escalates to its agency's escalate_to, else to the triage team, never back to itself."""
    config = replace(sample_config, agencies={**sample_config.agencies, agency: _agency(sample_config, agency, **changes)})
    row = dict(MARKED, agency=agency)
    [escalation] = decide.plan(config, router, ACK_ESCALATE, open_rows=[row]).escalations
    assert escalation.to_agency == target


def test_escalation_of_an_agency_removed_from_the_config_goes_to_triage(sample_config, router):
    """A ticket whose agency left the configuration still escalates, to the triage team."""
    [escalation] = decide.plan(sample_config, router, ACK_ESCALATE, open_rows=[dict(MARKED, agency="dinas-lama")]).escalations
    assert (escalation.agency, escalation.to_agency) == ("dinas-lama", "ntb-care")


# -- closing ---------------------------------------------------------------------------------------------------

# Resolved Fri 7 Aug 11:00; 10wd: Mon 10 … Fri 14 (5), Mon 17 holiday, Tue 18 … Fri 21 (9), Mon 24 Aug 11:00.
# Resolved Fri 14 Aug 17:30 (after hours): the clock starts Tue 18 08:00 (Mon 17 holiday); 10wd: Wed 19, Thu 20,
# Fri 21, Mon 24, (Tue 25 holiday), Wed 26, Thu 27, Fri 28, Mon 31, Tue 1, Wed 2 Sep 08:00.
CLOSE_TABLE = [
    ("before close_resolved_after", wita("2026-08-07", "11:00"), wita("2026-08-24", "10:59"), None),
    ("at close_resolved_after, across two weekends and a holiday", wita("2026-08-07", "11:00"),
     wita("2026-08-24", "11:00"), wita("2026-08-24", "11:00")),
    ("after close_resolved_after", wita("2026-08-07", "11:00"), wita("2026-08-26", "09:00"), wita("2026-08-24", "11:00")),
    ("resolved after hours, the day before two holidays: not yet", wita("2026-08-14", "17:30"),
     wita("2026-09-01", "16:00"), None),
    ("resolved after hours, the day before two holidays: closes at opening time", wita("2026-08-14", "17:30"),
     wita("2026-09-02", "08:00"), wita("2026-09-02", "08:00")),
]


@pytest.mark.parametrize(("resolved_at", "now", "close_at"), [case[1:] for case in CLOSE_TABLE],
                         ids=[case[0] for case in CLOSE_TABLE])
def test_closing(sample_config, router, resolved_at, now, close_at):
    """A resolved complaint closes once close_resolved_after (10 working days) has run since its resolution."""
    expected = [Close(7, "NTB-TEST0007", resolved_at, close_at)] if close_at else []
    assert decide.plan(sample_config, router, now, resolved=[resolved_row(7, resolved_at)]) == Plan([], [], [], [], expected)


def test_a_closed_complaint_is_not_closed_again(sample_config, router):
    """Only resolved complaints close."""
    row = resolved_row(7, wita("2026-08-07", "11:00"), status="closed")
    assert decide.plan(sample_config, router, wita("2026-09-30", "11:00"), resolved=[row]) == nothing()


# -- rerouting ------------------------------------------------------------------------------------------------

OBAT = "Obat di puskesmas Aikmel kosong sudah 2 minggu"


def test_a_triage_complaint_is_rerouted_by_the_rules_in_force(sample_config, router):
    """A complaint in triage that a rule now matches goes to the agency the rule finds, with its rule and priority."""
    p = decide.plan(sample_config, router, wita("2026-08-10", "08:00"), waiting=[triage_row(9, OBAT, "lotim-aikmel")])
    assert p == Plan([Reroute(9, "NTB-TEST0009", "puskesmas-aikmel", "obat-kosong", "obat", "high",
                              sample_config.version)], [], [], [], [])


def test_a_complaint_returned_by_that_agency_is_not_rerouted(sample_config, router):
    """An agency that returned a complaint as not its authority does not get it back from the sweep."""
    p = decide.plan(sample_config, router, wita("2026-08-10", "08:00"), waiting=[triage_row(9, OBAT, "lotim-aikmel")],
                    handed_on={9: {"puskesmas-aikmel"}})
    assert p == nothing()


def test_a_complaint_returned_by_another_agency_is_rerouted(sample_config, router):
    """Only the agency that returned it is skipped."""
    p = decide.plan(sample_config, router, wita("2026-08-10", "08:00"), waiting=[triage_row(9, OBAT, "lotim-aikmel")],
                    handed_on={9: {"dinkes-lotim"}})
    assert [r.agency for r in p.reroutes] == ["puskesmas-aikmel"]


def test_a_complaint_no_rule_matches_stays_in_triage(sample_config, router):
    """What the rules still cannot route waits for an operator."""
    waiting = [triage_row(9, "Lampu PJU di Ampenan padam sejak seminggu", "mataram-ampenan")]
    assert decide.plan(sample_config, router, wita("2026-08-10", "08:00"), waiting=waiting) == nothing()


# -- scheduling -----------------------------------------------------------------------------------------------

SCHEDULE_TABLE = [
    ("acknowledgement: 3wd from assignment", open_row(5, "assigned", "dinsos-ntb", assigned_at=wita("2026-08-10", "10:00")),
     "acknowledge_due_at", wita("2026-08-13", "10:00")),
    # After hours on Fri 14: the clock starts Tue 18 08:00 (Mon 17 holiday); Wed 19, Thu 20, Fri 21.
    ("acknowledgement: assigned after hours before a holiday",
     open_row(5, "assigned", "dinsos-ntb", assigned_at=wita("2026-08-14", "17:30")),
     "acknowledge_due_at", wita("2026-08-21", "08:00")),
    ("acknowledgement: high priority, 24 clock hours",
     open_row(5, "assigned", "dinsos-ntb", priority="high", assigned_at=wita("2026-08-14", "20:00")),
     "acknowledge_due_at", wita("2026-08-15", "20:00")),
    ("acknowledgement: urgent priority, 1 clock hour",
     open_row(5, "assigned", "dinsos-ntb", priority="urgent", assigned_at=wita("2026-08-10", "10:00")),
     "acknowledge_due_at", wita("2026-08-10", "11:00")),
    ("acknowledgement: urgent's 1h beats the agency's longer 24h",
     open_row(5, "assigned", "dinkes-ntb", priority="urgent", assigned_at=wita("2026-08-10", "10:00")),
     "acknowledge_due_at", wita("2026-08-10", "11:00")),
    ("acknowledgement: the agency's 24h where the priority gives nothing",
     open_row(5, "assigned", "dinkes-ntb", priority="normal", assigned_at=wita("2026-08-10", "10:00")),
     "acknowledge_due_at", wita("2026-08-11", "10:00")),
    ("acknowledgement: high's 24h beats the agency's longer 2wd",
     open_row(5, "assigned", "inspektorat-ntb", priority="high", assigned_at=wita("2026-08-12", "09:00")),
     "acknowledge_due_at", wita("2026-08-13", "09:00")),
    # Thu 13, Fri 14, Tue 18, Wed 19, Thu 20, Fri 21, Mon 24, Wed 26, Thu 27, Fri 28, Mon 31, Tue 1, Wed 2, Thu 3 Sep.
    ("resolution: 14wd from acknowledgement",
     open_row(5, "acknowledged", "dinsos-ntb", acknowledged_at=wita("2026-08-12", "09:00")),
     "resolve_due_at", wita("2026-09-03", "09:00")),
    ("resolution: in progress, the agency's 10wd",
     open_row(5, "in_progress", "dinkes-ntb", acknowledged_at=wita("2026-08-12", "09:00")),
     "resolve_due_at", wita("2026-08-28", "09:00")),
]


@pytest.mark.parametrize(("row", "column", "due_at"), [case[1:] for case in SCHEDULE_TABLE],
                         ids=[case[0] for case in SCHEDULE_TABLE])
def test_missing_due_time_is_scheduled(sample_config, router, row, column, due_at):
    """An open complaint without its due time gets it, counted from its assignment or acknowledgement."""
    p = decide.plan(sample_config, router, wita("2026-08-10", "10:30"), open_rows=[row])
    assert p.schedules == [Schedule(5, "NTB-TEST0005", column, due_at)]
    assert p.overdue == [] and p.escalations == []


@pytest.mark.parametrize(
    ("region", "due_at"),
    [
        # 15:30 WITA on Fri 14 Aug is in office hours: Tue 18, Wed 19, Thu 20 at 15:30 WITA.
        ("ntb", wita("2026-08-20", "15:30")),
        # The same instant is 14:30 WIB, in office hours: Thu 20 at 14:30 WIB (15:30 WITA).
        ("test-wib", wita("2026-08-20", "14:30", WIB)),
        # It is 16:30 WIT, after hours: the clock starts Tue 18 08:00 WIT; Wed 19, Thu 20, Fri 21 08:00 WIT.
        ("test-wit", wita("2026-08-21", "08:00", WIT)),
    ],
    ids=["WITA", "WIB", "WIT"],
)
def test_working_days_count_in_the_complaints_zone(zoned_config, router, region, due_at):
    """One instant of assignment, three zones: each due time follows office hours where the complaint is."""
    row = open_row(5, "assigned", "dinsos-ntb", region=region, assigned_at=wita("2026-08-14", "15:30"))
    [schedule] = decide.plan(zoned_config, router, wita("2026-08-14", "15:31"), open_rows=[row]).schedules
    assert schedule.due_at == due_at


def test_a_complaint_with_its_due_time_is_not_rescheduled(sample_config, router):
    """A due time once set is kept."""
    assert decide.plan(sample_config, router, wita("2026-08-10", "10:30"), open_rows=[WAITING]) == nothing()


# -- catching up ----------------------------------------------------------------------------------------------

def test_a_long_stop_is_caught_up_in_one_plan(sample_config, router):
    """Complaints assigned or acknowledged weeks ago without due times are scheduled, marked overdue and escalated
    by one sweep; one whose new due time is still ahead is only scheduled."""
    now = wita("2026-08-10", "08:00")
    assigned = open_row(11, "assigned", "dinsos-ntb", assigned_at=wita("2026-07-06", "09:00"))
    acknowledged = open_row(12, "acknowledged", "puskesmas-aikmel", region="lotim-aikmel",
                            acknowledged_at=wita("2026-07-01", "10:00"))
    recent = open_row(13, "assigned", "dinsos-ntb", assigned_at=wita("2026-08-07", "15:00"))
    p = decide.plan(sample_config, router, now, open_rows=[assigned, acknowledged, recent])
    # 11: Tue 7, Wed 8, Thu 9 Jul 09:00; escalation Fri 10, Mon 13 Jul 09:00.
    # 12: 14wd from Wed 1 Jul 10:00 is Tue 21 Jul 10:00; escalation Wed 22, Thu 23 Jul 10:00.
    # 13: Mon 10, Tue 11, Wed 12 Aug 15:00.
    assert p == Plan(
        [],
        [Schedule(11, "NTB-TEST0011", "acknowledge_due_at", wita("2026-07-09", "09:00")),
         Schedule(12, "NTB-TEST0012", "resolve_due_at", wita("2026-07-21", "10:00")),
         Schedule(13, "NTB-TEST0013", "acknowledge_due_at", wita("2026-08-12", "15:00"))],
        [Overdue(11, "NTB-TEST0011", "dinsos-ntb", "acknowledge", wita("2026-07-09", "09:00"), wita("2026-07-13", "09:00")),
         Overdue(12, "NTB-TEST0012", "puskesmas-aikmel", "resolve", wita("2026-07-21", "10:00"),
                 wita("2026-07-23", "10:00"))],
        [Escalate(11, "NTB-TEST0011", "dinsos-ntb", "ntb-care", now),
         Escalate(12, "NTB-TEST0012", "puskesmas-aikmel", "dinkes-lotim", now)],
        [],
    )


def test_plan_does_not_change_the_rows_it_is_given(sample_config, router):
    """Deciding is pure: the caller's rows are left as they were."""
    row = open_row(11, "assigned", "dinsos-ntb", assigned_at=wita("2026-07-06", "09:00"))
    before = dict(row)
    decide.plan(sample_config, router, wita("2026-08-10", "08:00"), open_rows=[row])
    assert row == before


def test_a_triage_complaint_from_a_region_no_longer_configured_waits_and_the_rest_is_rerouted(sample_config, router):
    """A region removed from regions.yaml since the complaint came cannot be routed from: that complaint waits for an
    operator, and the others in triage are still rerouted (one such complaint must not stop every sweep)."""
    waiting = [triage_row(8, OBAT, "kecamatan-yang-dihapus"), triage_row(9, OBAT, "lotim-aikmel")]
    p = decide.plan(sample_config, router, wita("2026-08-10", "08:00"), waiting=waiting)
    assert [(r.complaint_id, r.agency) for r in p.reroutes] == [(9, "puskesmas-aikmel")]
