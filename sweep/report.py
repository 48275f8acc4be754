"""What `python main.py sweep` prints: one sweep's counts with the complaints it touched, or the sweep history."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sweep.job import COUNTS, SweepResult

LISTED = 20  # complaint codes printed per line; the rest are counted
LABELS = {
    "rerouted": "re-routed from triage",
    "scheduled": "due times set",
    "overdue": "marked overdue (agency told again)",
    "escalated": "escalated",
    "closed": "closed after resolution",
    "requeued": "failed deliveries requeued",
    "digests": "digest deliveries queued",
}


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    return value.astimezone(zone).isoformat(timespec="seconds") if value is not None else "-"


def _codes(items: Sequence[str]) -> str:
    shown = ", ".join(items[:LISTED])
    return shown + (f" (+{len(items) - LISTED} more)" if len(items) > LISTED else "")


def touched(result: SweepResult) -> dict[str, list[str]]:
    """The complaint codes of each decision of the sweep's plan (escalations as CODE→AGENCY)."""
    p = result.plan
    if p is None:
        return {}
    return {
        "rerouted": [f"{r.code}→{r.agency}" for r in p.reroutes],
        "scheduled": [s.code for s in p.schedules],
        "overdue": [o.code for o in p.overdue],
        "escalated": [f"{e.code}→{e.to_agency}" for e in p.escalations],
        "closed": [c.code for c in p.closings],
    }


def as_dict(result: SweepResult, zone: ZoneInfo) -> dict:
    """The sweep as one JSON object."""
    return {
        "sweep": result.sweep_id,
        "as_of": _local(result.as_of, zone),
        "dry_run": result.dry_run,
        "skipped": result.skipped,
        "counts": {name: result.counts.get(name, 0) for name in COUNTS},
        "complaints": touched(result),
    }


def describe(result: SweepResult, zone: ZoneInfo) -> str:
    """The sweep as lines for an operator: what it did, or in a dry run what it would do."""
    head = f"sweep as of {_local(result.as_of, zone)}"
    if result.skipped:
        return f"{head}: skipped, {result.skipped}\n"
    if result.dry_run:
        head += " (dry run: nothing written; counts are what it would do)"
    elif result.sweep_id is not None:
        head += f" (sweep {result.sweep_id})"
    lines = [head]
    codes = touched(result)
    width = max(len(label) for label in LABELS.values())
    for name in COUNTS:
        line = f"  {LABELS[name].ljust(width)}  {result.counts.get(name, 0):>6}"
        if codes.get(name):
            line += f"  {_codes(codes[name])}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def history_table(sweeps: Sequence[Mapping], zone: ZoneInfo) -> str:
    """Past sweeps, newest first: when, by what, how long, what they did."""
    if not sweeps:
        return "no sweep has run yet\n"
    header = ["id", "as of", "started", "seconds", "trigger", *COUNTS, "error"]
    rows = []
    for s in sweeps:
        seconds = (f"{(s['finished_at'] - s['started_at']).total_seconds():.2f}"
                   if s["finished_at"] is not None else "running")
        counts = s["counts"] or {}
        rows.append([str(s["id"]), _local(s["as_of"], zone), _local(s["started_at"], zone), seconds, s["trigger"],
                     *(str(counts.get(name, 0)) for name in COUNTS), s["error"] or ""])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in [header, *rows]) + "\n"
