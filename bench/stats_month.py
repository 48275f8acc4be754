"""Time a month's statistics on the SQLite store of a million complaints, for each --by, in-process and as the CLI.

Target (the issue): a stats report for a month finishes in <= 2 s with 1,000,000 complaints in SQLite.

The store is bench/seed_store.py's, kept at aduan-bench-1m.db in the temporary directory and reused while its seeding parameters
match (else seeded there, which takes minutes). For each `--by`:
- in-process, as `main.py stats` does it: parse_period, then load_cells on a newly opened store (SQLite's
  page cache cold, the OS's warm), build_stats, and the table text; the seconds of each step;
- `python main.py stats --since ... --until ... --by ...` as a subprocess: wall time, interpreter start-up
  included (`python main.py --help`, and the same report over one day, are timed as its floors).
Medians of `--runs` runs. `--profile` prints the query's plan (EXPLAIN QUERY PLAN) and its time alone.

Machine caveat: 2 shared cores (other work runs beside); quote medians.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from seed_store import DEFAULT_AS_OF, DEFAULT_DB, moment, reuse_or_seed  # noqa: E402  (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BY = ("region", "agency", "category", "channel", "kind")
TARGET_SECONDS = 2.0


def in_process(path: str, config, since: str, until: str, by: str, now) -> dict[str, float]:
    """One report as cmd_stats makes it (reports.compute.compute is load_cells then build_stats); the seconds of
    each step, and the period's received count."""
    from reports.load import load_cells
    from reports.period import parse_period
    from reports.render import table
    from reports.stats import build_stats
    from store.db import open_database

    t0 = time.perf_counter()
    period = parse_period(since, until, config.regions[config.root].timezone, now)
    db = open_database(f"sqlite:///{path}")
    try:
        with db.reader.connect() as conn:
            t1 = time.perf_counter()
            cells = load_cells(conn, period, by, now)
            t2 = time.perf_counter()
    finally:
        db.dispose()
    stats = build_stats(cells, period, by, config, now)
    t3 = time.perf_counter()
    table(stats)
    t4 = time.perf_counter()
    return {"total": t4 - t0, "load_cells": t2 - t1, "build_stats": t3 - t2, "table": t4 - t3,
            "received": stats["total"]["received"], "groups": len(stats["groups"]), "cells": len(cells)}


def cli(path: str, args: list[str]) -> float:
    """Wall seconds of `python main.py ARGS` on the store."""
    env = dict(os.environ, ADUAN_DATABASE_URL=f"sqlite:///{path}", ADUAN_CONFIG_DIR=str(ROOT / "config"))
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"main.py {' '.join(args)} exited {done.returncode}: {done.stderr.strip()[-500:]}")
    return seconds


def profile(path: str, config, since: str, until: str, by: str, now) -> None:
    """The plan of load_cells's query, and the query alone timed to its last row."""
    import sqlite3

    from sqlalchemy import event

    from reports.load import load_cells
    from reports.period import parse_period
    from store.db import open_database

    period = parse_period(since, until, config.regions[config.root].timezone, now)
    db = open_database(f"sqlite:///{path}")
    seen = []
    event.listen(db.reader, "before_cursor_execute",
                 lambda conn, cursor, statement, parameters, context, many: seen.append((statement, parameters)))
    with db.reader.connect() as conn:
        load_cells(conn, period, by, now)
    db.dispose()
    statement, parameters = max(seen, key=lambda s: len(s[0]))
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    plan = "; ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters))
    print(f"--by {by}: {' '.join(statement.split())[:100]} ...\n      plan: {plan}")
    t0 = time.perf_counter()
    rows = conn.execute(statement, parameters).fetchall()
    print(f"      the query alone (sqlite3, default PRAGMA threads): {time.perf_counter() - t0:.2f} s, {len(rows)} rows")
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Machine caveat: 2 shared cores; quote medians.")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help=f"the seeded store, reused or seeded (default {DEFAULT_DB})")
    parser.add_argument("--complaints", type=int, default=1_000_000, metavar="N", help="complaints in the store (default 1,000,000)")
    parser.add_argument("--due", type=int, default=10_000, metavar="N", help="due items the store is seeded with (default 10,000)")
    parser.add_argument("--as-of", default=DEFAULT_AS_OF, metavar="ISO-TIME",
                        help=f"the store's instant, and the in-process report's `now` (default {DEFAULT_AS_OF})")
    parser.add_argument("--since", default="2026-10-01", help="first day (default 2026-10-01)")
    parser.add_argument("--until", default="2026-10-31", help="last day, included (default 2026-10-31)")
    parser.add_argument("--by", action="append", choices=BY, help="group (repeatable; default all five)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each (default 3; medians are printed)")
    parser.add_argument("--no-cli", action="store_true", help="skip timing `python main.py stats` as a subprocess")
    parser.add_argument("--profile", action="store_true", help="print the query plan and the query's own time")
    args = parser.parse_args()

    from config.loader import load_config

    config = load_config(str(ROOT / "config")).config
    as_of = moment(args.as_of)
    reuse_or_seed(args.db, args.complaints, args.due, as_of)
    groups = args.by or list(BY)
    floor = None if args.no_cli else cli(args.db, ["--help"])
    # The same command over one day: start-up, config, revision check, and next to no rows.
    one_day = None if args.no_cli else statistics.median(
        cli(args.db, ["stats", "--since", args.until, "--until", args.until]) for _ in range(args.runs))
    results = {}
    for by in groups:
        runs = [in_process(args.db, config, args.since, args.until, by, as_of) for _ in range(args.runs)]
        wall = [] if args.no_cli else [cli(args.db, ["stats", "--since", args.since, "--until", args.until, "--by", by])
                                       for _ in range(args.runs)]
        results[by] = ({key: statistics.median(r[key] for r in runs) for key in runs[0]}, runs, wall)
        inside = ", ".join(f"{r['total']:.2f}" for r in runs)
        outside = ", ".join(f"{w:.2f}" for w in wall) or "-"
        print(f"  --by {by}: in-process {inside} s; CLI {outside} s", flush=True)
    if args.profile:
        print()
        for by in groups:
            profile(args.db, config, args.since, args.until, by, as_of)
    first = next(iter(results.values()))[0]
    print(f"\nstats {args.since}..{args.until} on {args.db} ({int(first['received']):,} received in the period); "
          f"medians of {args.runs} runs (2 shared cores: figures vary with the neighbours' load)")
    if floor is not None:
        print(f"`python main.py --help` (interpreter start-up floor): {floor:.2f} s; `main.py stats` over one day "
              f"({args.until}: the command's fixed cost): {one_day:.2f} s")
    print(f"{'--by':10} {'in-process':>10} {'load_cells':>10} {'build':>7} {'table':>7} {'cells':>7} {'groups':>6} {'CLI wall':>9}")
    worst = 0.0
    for by, (med, _, wall) in results.items():
        cli_median = statistics.median(wall) if wall else None
        worst = max(worst, cli_median or med["total"])
        print(f"{by:10} {med['total']:>10.2f} {med['load_cells']:>10.2f} {med['build_stats']:>7.3f} {med['table']:>7.3f} "
              f"{int(med['cells']):>7} {int(med['groups']):>6} {cli_median if cli_median is not None else float('nan'):>9.2f}")
    print(f"target <= {TARGET_SECONDS:g} s (the slowest --by, CLI wall when timed): "
          f"{'met' if worst <= TARGET_SECONDS else 'MISSED'} ({worst:.2f} s)")
    print(f"kept: {args.db} (the seeded store, for reuse; delete it and {Path(args.db).name}.seed.json when done)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
