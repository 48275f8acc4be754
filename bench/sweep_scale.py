"""Time the sweep on two SQLite stores holding the same due items, one small and one of a million complaints.

Targets (SPEC section 11, the issue): with 1,000,000 complaints, a sweep with 10,000 due items finishes in
<= 10 s, and its time follows the due items, not the store: the sweep at 1,000,000 stored over the sweep at
20,000 stored, with the same 10,000 due, is <= 1.5.

The stores come from bench/seed_store.py (same shape, same instant). The large one is kept at
aduan-bench-1m.db (in the temporary directory) and reused while its seeding parameters match (seeding takes minutes); the small
one goes in a temporary folder. Each run copies a store to a fresh file and, in this process, opens the
store anew for each step (so SQLite's page cache starts cold, the OS's warm from the copy, which is flushed
to disk first) and times:
- the dry run (`run_sweep(..., dry_run=True)`): load and decide, write nothing;
- the sweep (`run_sweep(...)`), with its phases: planning (the candidate reads and the decisions),
  applying the open tickets' chunks, closing, the digests;
- a second sweep at the same instant, which finds nothing new due: the sweep's fixed cost on that store.
Medians of `--runs` runs are printed, then once `python main.py sweep --at ... --json` as a subprocess (wall
time, interpreter start included). `--profile` adds, on the large store, the time of every SQL statement
the sweep runs, each slow one's EXPLAIN QUERY PLAN, and cProfile's top functions.

Machine caveat: 2 shared cores (other work runs beside); quote medians, compare sizes within one run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from seed_store import DEFAULT_AS_OF, DEFAULT_DB, moment, reuse_or_seed  # noqa: E402  (bench/ is the script's folder)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PUBLIC_URL = "http://127.0.0.1:8080"
TARGET_SECONDS = 10.0
TARGET_RATIO = 1.5
PHASES = ("make_plan", "_apply_open", "_apply_closings", "_send_digests")


class Phases:
    """Time some of sweep.job's functions by wrapping them in the module (the code itself is unchanged)."""

    def __init__(self) -> None:
        import sweep.job as job

        self.job = job
        self.seconds: dict[str, float] = defaultdict(float)
        # A phase the module no longer has (sweep/ is being worked on) is left out, not an error.
        self.originals = {name: getattr(job, name) for name in PHASES if hasattr(job, name)}
        for name, original in self.originals.items():
            setattr(job, name, self._timed(name, original))

    def _timed(self, name, original):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0

        return timed

    def take(self) -> dict[str, float]:
        taken, self.seconds = dict(self.seconds), defaultdict(float)
        return taken

    def restore(self) -> None:
        for name, original in self.originals.items():
            setattr(self.job, name, original)


def sweep_once(path: str, config, as_of: datetime, dry_run: bool = False):
    """Open the store, run one sweep (or dry run) as of `as_of`, close it; return (seconds, result)."""
    from store.db import open_database
    from sweep.job import run_sweep

    db = open_database(f"sqlite:///{path}")
    try:
        t0 = time.perf_counter()
        result = run_sweep(db, config, public_url=PUBLIC_URL, as_of=as_of, dry_run=dry_run)
        return time.perf_counter() - t0, result
    finally:
        db.dispose()


def fresh_copy(seeded: str, folder: str) -> str:
    """Copy a seeded store to a new file in `folder` (its WAL was checkpointed away when seeded), on disk.

    The copy is flushed before any timing: else the sweep's first checkpoint (which syncs the database file)
    would pay for writing back the whole copy, seconds for a store of a million complaints.
    """
    path = os.path.join(folder, "run.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    shutil.copyfile(seeded, path)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return path


def measure(label: str, seeded: str, config, as_of: datetime, runs: int, folder: str, phases: Phases) -> dict:
    """Median figures of `runs` runs on fresh copies of one seeded store."""
    figures: dict[str, list[float]] = defaultdict(list)
    counts = dry_counts = None
    for run in range(1, runs + 1):
        path = fresh_copy(seeded, folder)
        seconds, result = sweep_once(path, config, as_of, dry_run=True)
        figures["dry_run"].append(seconds)
        dry_counts = result.counts
        phases.take()
        seconds, result = sweep_once(path, config, as_of)
        if result.skipped:
            raise SystemExit(f"the sweep was skipped: {result.skipped}")
        figures["sweep"].append(seconds)
        for name, value in phases.take().items():
            figures[name].append(value)
        counts = result.counts
        seconds, _ = sweep_once(path, config, as_of)
        figures["second_sweep"].append(seconds)
        phases.take()
        print(f"  {label} run {run}: dry run {figures['dry_run'][-1]:.2f} s, sweep {figures['sweep'][-1]:.2f} s, "
              f"second sweep {figures['second_sweep'][-1]:.2f} s", flush=True)
    return {"median": {k: statistics.median(v) for k, v in figures.items()}, "all": dict(figures),
            "counts": counts, "dry_counts": dry_counts}


def cli_sweep(seeded: str, as_of: datetime, folder: str) -> tuple[float, dict]:
    """Run `python main.py sweep --at ... --json` on a fresh copy; return its wall seconds and counts."""
    path = fresh_copy(seeded, folder)
    env = dict(os.environ, ADUAN_DATABASE_URL=f"sqlite:///{path}", ADUAN_CONFIG_DIR=str(ROOT / "config"),
               ADUAN_PUBLIC_URL=PUBLIC_URL)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "sweep", "--at", as_of.isoformat(), "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"main.py sweep exited {done.returncode}: {done.stderr.strip()[-500:]}")
    lines = done.stdout.splitlines()
    start = lines.index("{")  # the answer is indented JSON; log lines may come before it
    return seconds, json.loads("\n".join(lines[start:])).get("counts", {})


def profile(seeded: str, config, as_of: datetime, folder: str) -> None:
    """On a fresh copy: every statement's time, the slow ones' query plans, and cProfile's top functions."""
    import sqlite3

    from sqlalchemy import event

    from store.db import open_database
    from sweep.job import run_sweep

    path = fresh_copy(seeded, folder)
    db = open_database(f"sqlite:///{path}")
    spent: dict[str, list] = {}

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["t0"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        entry = spent.setdefault(statement, [0, 0.0, parameters])
        entry[0] += 1
        entry[1] += time.perf_counter() - conn.info.pop("t0")

    for engine in {db.reader, db.writer}:
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    run_sweep(db, config, public_url=PUBLIC_URL, as_of=as_of)
    profiler.disable()
    total = time.perf_counter() - t0
    db.dispose()
    print(f"\nprofile of one sweep on the large store: {total:.2f} s in all")
    print("statements by time (execute to first row; a large result's later rows are fetched outside):")
    slow = sorted(spent.items(), key=lambda kv: -kv[1][1])
    for statement, (n, seconds, _) in slow[:15]:
        print(f"  {seconds:7.3f} s  {n:6d}x  {' '.join(statement.split())[:150]}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    print("query plans of the sweep's reads (EXPLAIN QUERY PLAN), slowest first:")
    for statement, (n, seconds, parameters) in slow:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        params = parameters[0] if parameters and isinstance(parameters, list) else parameters
        try:
            plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}", params or ())]
        except sqlite3.Error as exc:
            plan = [f"(no plan: {exc})"]
        print(f"  {seconds:6.3f} s {n:4d}x  {' '.join(statement.split())[:140]}")
        print(f"      {'; '.join(plan)}")
    conn.close()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


def show(label: str, m: dict) -> None:
    med = m["median"]
    phases = ", ".join(f"{name.strip('_')} {med.get(name, 0.0):.2f}" for name in PHASES)
    print(f"{label}: sweep {med['sweep']:.2f} s (runs {', '.join(f'{x:.2f}' for x in m['all']['sweep'])}); "
          f"dry run {med['dry_run']:.2f} s; second sweep {med['second_sweep']:.2f} s")
    print(f"    phases (s): {phases}")
    print(f"    counts: {json.dumps(m['counts'])}")
    print(f"    dry-run counts: {json.dumps(m['dry_counts'])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="Machine caveat: 2 shared cores; quote medians.")
    parser.add_argument("--due", type=int, default=10_000, metavar="N", help="due items in both stores (default 10,000)")
    parser.add_argument("--small", type=int, default=20_000, metavar="N", help="complaints in the small store (default 20,000)")
    parser.add_argument("--large", type=int, default=1_000_000, metavar="N",
                        help="complaints in the large store (default 1,000,000)")
    parser.add_argument("--large-db", default=DEFAULT_DB, metavar="PATH",
                        help=f"where the large store is kept and reused (default {DEFAULT_DB})")
    parser.add_argument("--as-of", default=DEFAULT_AS_OF, metavar="ISO-TIME", help=f"the sweep's instant (default {DEFAULT_AS_OF})")
    parser.add_argument("--runs", type=int, default=3, help="runs per store (default 3; medians are printed)")
    parser.add_argument("--no-cli", action="store_true", help="skip timing `python main.py sweep` as a subprocess")
    parser.add_argument("--profile", action="store_true", help="profile one sweep on the large store")
    args = parser.parse_args()

    import structlog

    from config.loader import load_config

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    config = load_config(str(ROOT / "config")).config
    as_of = moment(args.as_of)
    folder = tempfile.mkdtemp(prefix="aduan-sweep-bench-")
    phases = Phases()
    try:
        small_db = os.path.join(folder, "small.db")
        small = reuse_or_seed(small_db, args.small, args.due, as_of)
        large = reuse_or_seed(args.large_db, args.large, args.due, as_of)
        results = {}
        for label, seeded in ((f"{small['complaints']:,} stored", small_db), (f"{large['complaints']:,} stored", args.large_db)):
            print(f"timing the sweep at {as_of.isoformat()} with {args.due:,} due, {label}", flush=True)
            results[label] = measure(label, seeded, config, as_of, args.runs, os.path.join(folder), phases)
        cli = {}
        if not args.no_cli:
            for label, seeded in zip(results, (small_db, args.large_db)):
                cli[label] = cli_sweep(seeded, as_of, folder)
        if args.profile:
            phases.restore()
            profile(args.large_db, config, as_of, folder)
        print(f"\nsweep at {as_of.isoformat()}, {args.due:,} due; medians of {args.runs} runs "
              "(2 shared cores: figures vary with the neighbours' load)")
        for label, m in results.items():
            show(label, m)
            if label in cli:
                print(f"    `python main.py sweep --at ... --json` (one run, wall, start-up included): {cli[label][0]:.2f} s")
        (small_label, s), (large_label, big) = results.items()
        ratio = big["median"]["sweep"] / s["median"]["sweep"]
        second = big["median"]["second_sweep"] / s["median"]["second_sweep"]
        print(f"ratio {large_label} / {small_label}: sweep {ratio:.2f} (target <= {TARGET_RATIO}), "
              f"dry run {big['median']['dry_run'] / s['median']['dry_run']:.2f}, second sweep {second:.2f}")
        print(f"target sweep <= {TARGET_SECONDS:g} s at {large_label}: "
              f"{'met' if big['median']['sweep'] <= TARGET_SECONDS else 'MISSED'} ({big['median']['sweep']:.2f} s); "
              f"ratio <= {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'MISSED'} ({ratio:.2f})")
    finally:
        phases.restore()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"kept: {args.large_db} (the seeded large store, for reuse; delete it and {Path(args.large_db).name}.seed.json "
          "when done)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
