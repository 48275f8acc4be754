"""One way to read a stats request and compute its object, shared by the API and the CLI so the two cannot drift."""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection

from config.loader import Config
from reports.load import load_cells
from reports.period import Period, PeriodError, parse_period
from reports.stats import BY, DEFAULT_BY, DEFAULT_MIN_COUNT, build_stats

# A threshold above any real count; it only keeps absurd numbers out.
MAX_MIN_COUNT = 1_000_000


class InputError(ValueError):
    """A stats request that cannot be answered; the message says what is allowed."""


@dataclass(frozen=True)
class StatsRequest:
    """What a stats request asks for: the period, the grouping and the ranking's minimum count."""

    period: Period
    by: str
    min_count: int


def read_by(value: str | None) -> str:
    """The grouping asked for; none given is the default (agency)."""
    if not value:
        return DEFAULT_BY
    if value not in BY:
        raise InputError(f"by must be one of {', '.join(BY)}")
    return value


def read_min_count(value: str | int | None) -> int:
    """The ranking's minimum count of resolved complaints per group: a whole number from 1; none given is 5."""
    if value is None or value == "":
        return DEFAULT_MIN_COUNT
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 7:
        number = int(value)
    else:
        number = 0
    if not 1 <= number <= MAX_MIN_COUNT:
        raise InputError(f"min_count must be a whole number from 1 to {MAX_MIN_COUNT}")
    return number


def read_request(config: Config, since: str | None, until: str | None, by: str | None, min_count: str | int | None,
                 now: datetime) -> StatsRequest:
    """Read a request's parameters as given (query strings or options); InputError says which one is wrong and why."""
    try:
        period = parse_period(since or None, until or None, config.regions[config.root].timezone, now)
    except PeriodError as exc:
        raise InputError(str(exc)) from None
    return StatsRequest(period=period, by=read_by(by), min_count=read_min_count(min_count))


def compute(conn: Connection, config: Config, period: Period, by: str, now: datetime,
            min_count: int = DEFAULT_MIN_COUNT, channel_names: Mapping[str, str] | None = None) -> dict:
    """Return the stats object of the period: what GET /api/v1/stats answers and `main.py stats` prints."""
    return build_stats(load_cells(conn, period, by, now), period, by, config, now, min_count, channel_names)
