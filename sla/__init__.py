"""SLA due times: durations in clock hours or Indonesian working days, and each ticket's terms; pure code, no I/O."""

from sla.terms import Terms, acknowledge_due, close_at, escalate_at, resolve_due, terms_for, triage_due, zone_of
from sla.workdays import (
    INDONESIA,
    OFFICE_CLOSES,
    OFFICE_OPENS,
    Duration,
    WorkCalendar,
    add_duration,
    next_working_start,
    parse_duration,
)

__all__ = [
    "INDONESIA",
    "OFFICE_CLOSES",
    "OFFICE_OPENS",
    "Duration",
    "Terms",
    "WorkCalendar",
    "acknowledge_due",
    "add_duration",
    "close_at",
    "escalate_at",
    "next_working_start",
    "parse_duration",
    "resolve_due",
    "terms_for",
    "triage_due",
    "zone_of",
]
