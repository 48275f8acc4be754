"""What a sweep does, decided from `now`, the config in force and the rows handed in: pure, no I/O.

SPEC section 9. Each function takes the candidates the job loaded (each query reads only what may be due, so
the work grows with the due items, not with the store) and returns decisions; the job applies them.

- Re-route: a complaint waiting in triage goes to the agency the rules in force now choose, unless that agency
  already handed it on (returned it as not its authority, or forwarded it to another: it would only come back),
  or its region has left the configuration (an operator decides where it belongs).
- Schedule: an assigned or acknowledged complaint without its due time (stored before SLA clocks existed, or
  under a config that failed to give one) gets it, counted from its assignment or acknowledgement; a complaint
  in triage gets its triage due time (`sla.triage` from when it entered triage: its arrival, or its latest return),
  kept in `acknowledge_due_at`, since in triage the operators owe the first answer.
- Overdue: an assigned complaint past its acknowledgement due time, or an acknowledged or in-progress one past
  its resolution due time, is marked overdue; its agency is notified again; its escalation falls due
  `escalate_after` after the due time it missed. A complaint in triage past its triage due time is marked overdue
  too; the operators' digest lists it, and it escalates to no one (the operators are the last in line).
- Escalate: an overdue complaint past its escalation time goes to its agency's `escalate_to`, or to the triage
  team when none is set.
- Close: a resolved complaint whose `close_resolved_after` has run out since its resolution is closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from config.loader import Config
from router import Router, UnknownRegion
from sla.terms import due, triage_due

TRIAGE_OPEN = ("new", "triage")  # waiting for the operators to route it
ACKNOWLEDGE_OPEN = ("assigned",)  # waiting for the agency's acknowledgement
RESOLVE_OPEN = ("acknowledged", "in_progress")  # waiting for the resolution


@dataclass(frozen=True, slots=True)
class Reroute:
    """A complaint in triage that the rules now send to an agency."""

    complaint_id: int
    code: str
    agency: str
    rule: str | None
    category: str | None
    priority: str
    rules_version: str


@dataclass(frozen=True, slots=True)
class Schedule:
    """A due time missing from an open complaint."""

    complaint_id: int
    code: str
    column: str  # acknowledge_due_at | resolve_due_at
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Overdue:
    """A complaint found past its due time: marked, its agency told again, its escalation set."""

    complaint_id: int
    code: str
    agency: str | None
    clock: str  # triage | acknowledge | resolve
    due_at: datetime
    escalate_due_at: datetime | None  # None in triage: nobody is above the operators


@dataclass(frozen=True, slots=True)
class Escalate:
    """An overdue complaint handed up: delivered to `to_agency` as ticket.escalated."""

    complaint_id: int
    code: str
    agency: str | None
    to_agency: str
    overdue_since: datetime | None


@dataclass(frozen=True, slots=True)
class Close:
    """A resolved complaint whose time for objections has run out."""

    complaint_id: int
    code: str
    resolved_at: datetime
    close_at: datetime


def reroutes(config: Config, router: Router, waiting: Iterable[Mapping], handed_on: Mapping[int, set[str]]) -> list[Reroute]:
    """Complaints in triage that the rules in force route to an agency which has not handed them on (`handed_on`: by
    complaint id, the agencies that returned or forwarded it)."""
    found = []
    for row in waiting:
        try:
            decision = router.route(row["text"] or "", region=row["region"], channel=row["channel"], kind=row["kind"])
        except UnknownRegion:
            continue  # its region left the configuration: an operator decides, and the sweep goes on
        if decision.status != "assigned" or decision.agency in handed_on.get(row["id"], ()):
            continue
        found.append(Reroute(row["id"], row["code"], decision.agency, decision.rule,
                             decision.category or row["category"], decision.priority, decision.config_version))
    return found


def schedules(config: Config, rows: Iterable[Mapping]) -> list[Schedule]:
    """Due times for open complaints that have none: acknowledgement from assignment, resolution from acknowledgement,
    triage from when it entered triage (`entered_triage`, which the job reads from the timeline)."""
    found = []
    for row in rows:
        if row["status"] in TRIAGE_OPEN and row["acknowledge_due_at"] is None:
            found.append(Schedule(row["id"], row["code"], "acknowledge_due_at",
                                  triage_due(config, row["entered_triage"])))
        elif row["status"] in ACKNOWLEDGE_OPEN and row["acknowledge_due_at"] is None and row["assigned_at"] is not None:
            found.append(Schedule(row["id"], row["code"], "acknowledge_due_at",
                                  due(config, row, "acknowledge", row["assigned_at"])))
        elif row["status"] in RESOLVE_OPEN and row["resolve_due_at"] is None and row["acknowledged_at"] is not None:
            found.append(Schedule(row["id"], row["code"], "resolve_due_at",
                                  due(config, row, "resolve", row["acknowledged_at"])))
    return found


def overdue(config: Config, now: datetime, rows: Iterable[Mapping]) -> list[Overdue]:
    """Open complaints not yet marked overdue whose acknowledgement or resolution is past due at `now`."""
    found = []
    for row in rows:
        if row["overdue"]:
            continue
        if row["status"] in TRIAGE_OPEN:
            due_at = row["acknowledge_due_at"]
            if due_at is not None and due_at <= now:
                found.append(Overdue(row["id"], row["code"], None, "triage", due_at, None))
            continue
        if row["status"] in ACKNOWLEDGE_OPEN:
            clock, due_at = "acknowledge", row["acknowledge_due_at"]
        elif row["status"] in RESOLVE_OPEN:
            clock, due_at = "resolve", row["resolve_due_at"]
        else:
            continue
        if due_at is None or due_at > now:
            continue
        found.append(Overdue(row["id"], row["code"], row["agency"], clock, due_at,
                             due(config, row, "escalate_after", due_at)))
    return found


def escalation_target(config: Config, agency: str | None) -> str:
    """Who hears of an agency's overdue ticket: its `escalate_to`, else the triage team."""
    known = config.agencies.get(agency) if agency is not None else None
    target = known.escalate_to if known is not None else None
    return target if target in config.agencies and target != agency else config.triage


def escalations(config: Config, now: datetime, rows: Iterable[Mapping]) -> list[Escalate]:
    """Overdue, still-open complaints whose escalation time has come and that were not escalated since."""
    return [Escalate(row["id"], row["code"], row["agency"], escalation_target(config, row["agency"]), row["overdue_since"])
            for row in rows
            if row["overdue"] and row["status"] in ACKNOWLEDGE_OPEN + RESOLVE_OPEN
            and row["escalate_due_at"] is not None and row["escalate_due_at"] <= now]


def closings(config: Config, now: datetime, rows: Iterable[Mapping]) -> list[Close]:
    """Resolved complaints whose `close_resolved_after` since the resolution has run out at `now`."""
    found = []
    for row in rows:
        if row["status"] != "resolved" or row["resolved_at"] is None:
            continue
        close_at = due(config, row, "close_resolved_after", row["resolved_at"])
        if close_at <= now:
            found.append(Close(row["id"], row["code"], row["resolved_at"], close_at))
    return found


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything one sweep decided, in the order the job applies it."""

    reroutes: list[Reroute]
    schedules: list[Schedule]
    overdue: list[Overdue]
    escalations: list[Escalate]
    closings: list[Close]


def plan(config: Config, router: Router, now: datetime, *, waiting: Iterable[Mapping] = (),
         handed_on: Mapping[int, set[str]] | None = None, open_rows: Iterable[Mapping] = (),
         resolved: Iterable[Mapping] = ()) -> Plan:
    """Decide a whole sweep. `open_rows` are the open complaints that may be due (missing a due time, past one,
    or past their escalation time); a due time scheduled here counts at once, and so does an overdue mark, so a
    sweep after a long stop catches up in one pass. A complaint re-routed out of triage has no triage clock left."""
    rerouted = reroutes(config, router, waiting, handed_on or {})
    leaving = {r.complaint_id for r in rerouted}
    rows = {row["id"]: dict(row) for row in open_rows if row["id"] not in leaving}
    scheduled = schedules(config, rows.values())
    for s in scheduled:
        rows[s.complaint_id][s.column] = s.due_at
    marked = overdue(config, now, rows.values())
    for o in marked:
        rows[o.complaint_id].update(overdue=True, overdue_since=now, escalate_due_at=o.escalate_due_at)
    return Plan(rerouted, scheduled, marked, escalations(config, now, rows.values()), closings(config, now, resolved))
