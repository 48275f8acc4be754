"""The SLA terms of a ticket (from the agency, its priority and the settings) and its due times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from datetime import datetime, tzinfo

from config.loader import Config
from config.models import PRIORITIES, duration_order
from sla.workdays import INDONESIA, Duration, WorkCalendar, add_duration, parse_duration


@dataclass(frozen=True)
class Terms:
    """The durations that bind one ticket; strings such as "3wd" are parsed on construction."""

    acknowledge: Duration
    resolve: Duration
    escalate_after: Duration
    close_resolved_after: Duration

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, Duration):
                object.__setattr__(self, f.name, parse_duration(value))


def terms_for(config: Config, agency_code: str | None, priority: str) -> Terms:
    """Return the terms of a ticket: for `acknowledge` and `resolve` each, the shorter of the agency's own SLA and its
    priority's `by_priority` term when both give one, else the one given, else the settings' default.

    The shorter wins because an urgent case must not wait longer for an office's general term (a BPBD's own
    `acknowledge: 4h` under `urgent: {acknowledge: 1h}` gives an urgent flood 1 h); `rules check` warns of such
    pairs. Hours and working days compare by the least a term can last (config.models.duration_order: a working
    day is at least 24 h). `escalate_after` and `close_resolved_after` always come from the settings. An unknown
    agency code (one removed from the configuration since) gets the settings alone.
    """
    if priority not in PRIORITIES:
        raise ValueError(f'unknown priority {priority!r}; one of {", ".join(PRIORITIES)}')
    sla = config.settings.sla
    agency = config.agencies.get(agency_code) if agency_code is not None else None
    overrides = [o for o in (agency.sla if agency else None, sla.by_priority.get(priority)) if o is not None]

    def pick(name: str) -> str:
        given = [value for o in overrides if (value := getattr(o, name)) is not None]
        return min(given, key=duration_order) if given else getattr(sla, name)

    return _terms(pick("acknowledge"), pick("resolve"), sla.escalate_after, config.settings.close_resolved_after)


@lru_cache(maxsize=256)
def _terms(acknowledge: str, resolve: str, escalate_after: str, close_resolved_after: str) -> Terms:
    """Terms are immutable and few: each combination is built once (a sweep asks for thousands)."""
    return Terms(acknowledge=acknowledge, resolve=resolve, escalate_after=escalate_after,
                 close_resolved_after=close_resolved_after)


def zone_of(config: Config, region_code: str | None) -> str:
    """Return the time zone of a region; the root region's for an unknown code."""
    node = config.regions.get(region_code) if region_code is not None else None
    return (node or config.regions[config.root]).timezone


def acknowledge_due(assigned_at: datetime, terms: Terms, tz: str | tzinfo, calendar: WorkCalendar = INDONESIA) -> datetime:
    """Return when the agency must acknowledge a ticket assigned at `assigned_at`, in UTC."""
    return add_duration(assigned_at, terms.acknowledge, tz, calendar)


def resolve_due(acknowledged_at: datetime, terms: Terms, tz: str | tzinfo, calendar: WorkCalendar = INDONESIA) -> datetime:
    """Return when the agency must resolve a ticket acknowledged at `acknowledged_at`, in UTC."""
    return add_duration(acknowledged_at, terms.resolve, tz, calendar)


def escalate_at(due_at: datetime, terms: Terms, tz: str | tzinfo, calendar: WorkCalendar = INDONESIA) -> datetime:
    """Return when a ticket still open past `due_at` escalates (`escalate_after` more), in UTC."""
    return add_duration(due_at, terms.escalate_after, tz, calendar)


def close_at(resolved_at: datetime, terms: Terms, tz: str | tzinfo, calendar: WorkCalendar = INDONESIA) -> datetime:
    """Return when a ticket resolved at `resolved_at` closes if the citizen does not object, in UTC."""
    return add_duration(resolved_at, terms.close_resolved_after, tz, calendar)


def triage_due(config: Config, entered_at: datetime, calendar: WorkCalendar = INDONESIA) -> datetime:
    """When a complaint that entered triage at `entered_at` (its arrival, or its return by an agency) is overdue there:
    the settings' `sla.triage` on, in the root region's zone, where the operators work; UTC."""
    return add_duration(entered_at, config.settings.sla.triage, zone_of(config, config.root), calendar)


def due(config: Config, ticket: Mapping, clock: str, start: datetime, calendar: WorkCalendar = INDONESIA) -> datetime:
    """When a ticket's `clock` ("acknowledge", "resolve", "escalate_after" or "close_resolved_after"), started at
    `start`, runs out: by the terms of its agency and priority, in its region's zone; UTC."""
    terms = terms_for(config, ticket["agency"], ticket["priority"])
    return add_duration(start, getattr(terms, clock), zone_of(config, ticket["region"]), calendar)
