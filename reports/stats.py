"""Statistics of a period (SPEC sections 7 and 10): pure aggregation of what reports/load.py reads.

Semantics:

- Period. `since` and `until` are dates in the root region's time zone (an ISO time is taken as its
  local day). The period runs from `since` 00:00 local (included) to the day after `until` 00:00
  local (excluded). Defaults: `until` today, `since` the first day of `until`'s month.
- Cohort. The complaints RECEIVED in the period (`received_at` in range), counted by what they are
  now: `received` = all of them; `resolved` = now resolved or closed; `rejected` = now rejected;
  `in_process` = the rest (new, triage, assigned, acknowledged, in_progress). So always
  received = resolved + rejected + in_process.
- `overdue`: complaints in process that are at or past a due time as of `now` (not acknowledged and
  `acknowledge_due_at` <= now, or not resolved and `resolve_due_at` <= now, as the sweep judges), or that
  a sweep flagged overdue.
- `within_sla`: among the complaints whose SLA outcome is known (resolved or closed ones with at least
  one due time, plus those in process and already overdue), the share (0..1, 3 decimals) of resolved or
  closed ones acknowledged by `acknowledge_due_at` (when set) and resolved by `resolve_due_at` (when
  set); a complaint resolved without a separate acknowledgement counts as acknowledged when resolved.
  null when nothing is known.
- `median_hours_to_acknowledge`: the median of `acknowledged_at` − `received_at` over the cohort's
  acknowledged complaints, in hours with 1 decimal (null when none); `median_hours_to_resolve`: the same
  with `resolved_at` (or `closed_at` when a complaint was closed without it) over the resolved or closed
  ones. Durations are taken in whole seconds.
- Groups. `by` is region, agency, category, channel or kind (default agency); each group's key is
  `{"code", "name"}`. By region, a complaint counts toward the regency/city it lies in (the region right
  below the root: the province publishes its counts per regency/city); one placed at the root itself counts
  toward the root, one in a region the config no longer knows toward that code (its own name). Names: the
  region's from the config; the agency's (no agency: code null, "Belum ditugaskan"); the category itself
  (none: code null, "Tanpa kategori"); an Indonesian name for channels and kinds. Groups go by `received`
  descending, then code. Counts of the groups add up to the total; the total's medians and share are
  computed over all its complaints, never averaged from groups.
- Ranking. The groups with at least `min_count` (default 5) resolved or closed complaints, fastest
  median time to resolve first (then code), each with its `rank`; the group of complaints without an agency
  or a category is not ranked.
- Reach. `reach` counts the regencies/cities the cohort came from and the agencies it went to, for the
  published heading ("... dari 10 kabupaten/kota, diteruskan ke 12 instansi").
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from complaints.names import KIND_NAMES
from config.loader import Config
from reports.period import Period

BY = ("region", "agency", "category", "channel", "kind")
DEFAULT_BY = "agency"
DEFAULT_MIN_COUNT = 5
IN_PROCESS = ("new", "triage", "assigned", "acknowledged", "in_progress")
RESOLVED = ("resolved", "closed")
COUNTS = ("received", "resolved", "rejected", "in_process", "overdue")
FIELDS = (*COUNTS, "within_sla", "median_hours_to_acknowledge", "median_hours_to_resolve", "rated", "rating_average")

NO_AGENCY = "Belum ditugaskan"
NO_CATEGORY = "Tanpa kategori"


# What became of a complaint, as load.py classifies it in SQL (one small integer per complaint).
IN_TIME_UNKNOWN = 0  # in process, not overdue: its SLA outcome is not known yet
OVERDUE = 1  # in process and past a due time (or flagged overdue): the SLA is missed
RESOLVED_NO_SLA = 2  # resolved or closed, no due time set
RESOLVED_LATE = 3  # resolved or closed after a due time
RESOLVED_IN_TIME = 4  # resolved or closed, every due time met
REJECTED = 5
OUTCOMES = (IN_TIME_UNKNOWN, OVERDUE, RESOLVED_NO_SLA, RESOLVED_LATE, RESOLVED_IN_TIME, REJECTED)


@dataclass(frozen=True)
class Cell:
    """The cohort's complaints of one group key, region, agency and outcome: how many, and their durations.

    `acknowledge` and `resolve` hold whole seconds from receipt, one per complaint that has the time.
    """

    key: str | None
    region: str
    agency: str | None
    outcome: int
    count: int
    acknowledge: tuple[int, ...] = ()
    resolve: tuple[int, ...] = ()
    rated: int = 0  # how many of them the citizen rated
    rating_sum: int = 0  # the sum of those ratings (1–5 each)


@dataclass
class _Tally:
    received: int = 0
    resolved: int = 0
    rejected: int = 0
    in_process: int = 0
    overdue: int = 0
    sla_known: int = 0
    sla_met: int = 0
    acknowledge: list[int] = field(default_factory=list)
    resolve: list[int] = field(default_factory=list)
    rated: int = 0
    rating_sum: int = 0

    def add(self, cell: Cell) -> None:
        n = cell.count
        self.received += n
        self.rated += cell.rated
        self.rating_sum += cell.rating_sum
        if cell.outcome in (RESOLVED_NO_SLA, RESOLVED_LATE, RESOLVED_IN_TIME):
            self.resolved += n
        elif cell.outcome == REJECTED:
            self.rejected += n
        else:
            self.in_process += n
        if cell.outcome == OVERDUE:
            self.overdue += n
        if cell.outcome in (OVERDUE, RESOLVED_LATE, RESOLVED_IN_TIME):
            self.sla_known += n
        if cell.outcome == RESOLVED_IN_TIME:
            self.sla_met += n
        self.acknowledge.extend(cell.acknowledge)
        self.resolve.extend(cell.resolve)

    def figures(self) -> dict:
        return {
            "received": self.received,
            "resolved": self.resolved,
            "rejected": self.rejected,
            "in_process": self.in_process,
            "overdue": self.overdue,
            "within_sla": round(self.sla_met / self.sla_known, 3) if self.sla_known else None,
            "median_hours_to_acknowledge": _median_hours(self.acknowledge),
            "median_hours_to_resolve": _median_hours(self.resolve),
            "rated": self.rated,
            "rating_average": round(self.rating_sum / self.rated, 2) if self.rated else None,
        }


def _median_hours(seconds: list[int]) -> float | None:
    return round(statistics.median(seconds) / 3600, 1) if seconds else None


def regency(code: str, config: Config) -> str:
    """The region right below the root that `code` lies in; the root itself, and a code the config does not know, stay as they are."""
    if code not in config.regions:
        return code
    chain = config.ancestors(code)
    return chain[-2] if len(chain) >= 2 else chain[-1]


def key_name(by: str, code: str | None, config: Config, channel_names: Mapping[str, str]) -> str:
    """Name a group key as readers of the report see it."""
    if by == "region":
        node = config.regions.get(code) if code is not None else None
        return node.name if node is not None else str(code)
    if by == "agency":
        if code is None:
            return NO_AGENCY
        agency = config.agencies.get(code)
        return agency.name if agency is not None else code
    if by == "category":
        return code if code is not None else NO_CATEGORY
    names = channel_names if by == "channel" else KIND_NAMES["id"]
    return names.get(code, str(code))


def _order(group: dict) -> tuple:
    code = group["key"]["code"]
    return (-group["received"], code is None, code or "")


def build_stats(cells: Iterable[Cell], period: Period, by: str, config: Config, now: datetime,
                min_count: int = DEFAULT_MIN_COUNT, channel_names: Mapping[str, str] | None = None) -> dict:
    """Return the stats object: period, total, groups (adding up to the total), ranking and reach."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}")
    if min_count < 1:
        raise ValueError("min_count must be at least 1")
    cells = list(cells)
    tallies: dict[str | None, _Tally] = {}
    total = _Tally()
    for cell in cells:
        key = regency(cell.key, config) if by == "region" and cell.key is not None else cell.key
        tallies.setdefault(key, _Tally()).add(cell)
        total.add(cell)
    groups = [{"key": {"code": key, "name": key_name(by, key, config, channel_names or {})}, **tally.figures()} for key, tally in tallies.items()]
    groups.sort(key=_order)
    # "No agency" or "no category" is not a group to compare with the others.
    ranked = [g for g in groups
              if g["key"]["code"] is not None and g["resolved"] >= min_count and g["median_hours_to_resolve"] is not None]
    ranked.sort(key=lambda g: (g["median_hours_to_resolve"], *_order(g)[1:]))
    regions, agencies = reach(cells, config)
    return {
        "since": period.since.isoformat(),
        "until": period.until.isoformat(),
        "by": by,
        "timezone": period.timezone,
        "generated_at": now.astimezone(ZoneInfo(period.timezone)).isoformat(timespec="seconds"),
        "min_count": min_count,
        "reach": {"regions": regions, "agencies": agencies},
        "total": total.figures(),
        "groups": groups,
        "ranking": [{"rank": i, **g} for i, g in enumerate(ranked, start=1)],
    }


def reach(cells: Iterable[Cell], config: Config) -> tuple[int, int]:
    """Count the regencies/cities (regions right below the root) complaints came from, and the agencies they went to.

    A complaint placed at the root region itself counts toward no regency; a region the config no longer
    knows counts as its own.
    """
    regencies: set[str] = set()
    agencies: set[str] = set()
    for cell in cells:
        if cell.agency is not None:
            agencies.add(cell.agency)
        if cell.region != config.root:
            regencies.add(regency(cell.region, config))
    return len(regencies), len(agencies)
