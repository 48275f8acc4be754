"""The sweep's schedule: APScheduler's job as configured, one sweep per slot across instances, one catch-up at start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import insert, select

from bench.processes import free_port
from store import models as m
from store.db import open_database
from sweep.schedule import CATCH_UP_ID, JOB_ID, SweepScheduler, scheduled_sweep, slot_start

ROOT = Path(__file__).resolve().parents[2]
WITA = ZoneInfo("Asia/Makassar")


def local(text: str) -> datetime:
    """A local time in the sample config's root zone (WITA), as UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=WITA).astimezone(timezone.utc)


@pytest.fixture
def config(sample_config):
    """The sample config (root zone WITA) with a 6-hour sweep interval."""
    assert sample_config.regions[sample_config.root].timezone == "Asia/Makassar"
    return replace(sample_config, settings=sample_config.settings.model_copy(update={"sweep_interval_hours": 6}))


def sweeps(db) -> list:
    with db.reader.connect() as conn:
        return list(conn.execute(select(m.Sweep.__table__).order_by(m.Sweep.id)).mappings())


def record_sweep(db, trigger: str, started_at: datetime) -> None:
    with db.writer.begin() as conn:
        conn.execute(insert(m.Sweep.__table__).values(as_of=started_at, started_at=started_at,
                                                      finished_at=started_at + timedelta(seconds=1), trigger=trigger,
                                                      instance="earlier", counts={}))


@pytest.mark.parametrize(("now", "start"), [
    ("2026-11-24 05:59:59", "2026-11-24 00:00"),
    ("2026-11-24 06:00:00", "2026-11-24 06:00"),
    ("2026-11-24 23:30:00", "2026-11-24 18:00"),
    ("2026-11-25 00:00:00", "2026-11-25 00:00"),
])
def test_slots_start_at_local_midnight_every_interval(config, now, start):
    """With 6 hours, slots start at 00:00, 06:00, 12:00 and 18:00 in the root region's zone, whatever the UTC day."""
    assert slot_start(config, local(now)) == local(start)


async def test_job_is_registered_with_the_interval_grace_and_coalescing(db, config):
    """The job fires every sweep_interval_hours on the local slot grid; a late start may run up to half an interval
    late, several missed runs coalesce into one, and never two at once."""
    record_sweep(db, "schedule", datetime.now(timezone.utc))  # this slot is swept: no catch-up
    scheduler = SweepScheduler(db, lambda: config, "http://aduan.test", instance="a")
    scheduler.start()
    try:
        job = scheduler.scheduler.get_job(JOB_ID)
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == timedelta(hours=6)
        assert job.misfire_grace_time == 3 * 3600
        assert job.coalesce is True
        assert job.max_instances == 1
        next_run = job.next_run_time.astimezone(WITA)
        assert (next_run.hour, next_run.minute, next_run.second) in {(0, 0, 0), (6, 0, 0), (12, 0, 0), (18, 0, 0)}
        assert timedelta(0) < job.next_run_time - datetime.now(timezone.utc) <= timedelta(hours=6)
        assert scheduler.scheduler.get_job(CATCH_UP_ID) is None
    finally:
        scheduler.shutdown()
    assert len(sweeps(db)) == 1  # nothing ran


async def test_start_after_missed_slots_runs_exactly_one_catch_up(db, config):
    """The last scheduled sweep was three slots ago: one catch-up sweep runs at start, not one per missed slot."""
    now = datetime.now(timezone.utc)
    record_sweep(db, "schedule", slot_start(config, now) - timedelta(hours=18))
    scheduler = SweepScheduler(db, lambda: config, "http://aduan.test", instance="a")
    scheduler.start()
    try:
        for _ in range(200):
            if scheduler.last is not None:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # room for a second run, were there one
        assert scheduler.scheduler.get_job(CATCH_UP_ID) is None  # a one-off: gone once run
    finally:
        scheduler.shutdown()
    rows = sweeps(db)
    assert [r["trigger"] for r in rows] == ["schedule", "catch-up"]
    assert rows[1]["finished_at"] is not None and rows[1]["error"] is None


def test_one_sweep_per_slot_whatever_the_instances_and_manual_sweeps(db, config):
    """Within one slot only the first scheduled sweep runs; a command's sweep does not take the slot's place."""
    clock_at = {"now": local("2026-11-24 06:00:05")}

    def clock():
        return clock_at["now"]

    first = scheduled_sweep(db, config, "http://aduan.test", "schedule", instance="a", clock=clock)
    assert first.skipped is None and first.sweep_id is not None
    clock_at["now"] = local("2026-11-24 06:00:07")
    assert scheduled_sweep(db, config, "http://aduan.test", "schedule", instance="b", clock=clock).skipped \
        == "this slot was swept already"
    clock_at["now"] = local("2026-11-24 11:59:59")
    assert scheduled_sweep(db, config, "http://aduan.test", "catch-up", instance="b", clock=clock).skipped is not None
    clock_at["now"] = local("2026-11-24 12:00:01")
    assert scheduled_sweep(db, config, "http://aduan.test", "schedule", instance="b", clock=clock).skipped is None
    assert [(r["trigger"], r["instance"]) for r in sweeps(db)] == [("schedule", "a"), ("schedule", "b")]


def test_two_instances_firing_together_run_one_sweep(database_url, config):
    """Two instances (each its own engines) fire the same slot at the same moment: exactly one sweep is recorded."""
    now = datetime.now(timezone.utc)
    databases = [open_database(database_url) for _ in range(2)]
    results = [None, None]
    barrier = threading.Barrier(2)

    def fire(i: int) -> None:
        barrier.wait()
        results[i] = scheduled_sweep(databases[i], config, "http://aduan.test", "schedule", instance=f"i{i}",
                                     clock=lambda: now)

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    try:
        assert sorted(r.skipped is None for r in results) == [False, True]
        rows = sweeps(databases[0])
        assert len(rows) == 1 and rows[0]["instance"] in ("i0", "i1")
    finally:
        for database in databases:
            database.dispose()


def sweep_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if '"sweep.' in line or "Traceback" in line or "Error" in line]


def test_two_services_started_together_run_one_catch_up_sweep(database_url, tmp_path):
    """Two `serve` processes on one store, both with the sweep on and no sweep yet: one catch-up sweep in all."""
    procs, logs = [], []
    base = dict(os.environ, ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(ROOT / "config"),
                ADUAN_OUTBOX_WORKER="off", ADUAN_SWEEP="on", ADUAN_SECRET_KEY="schedule-secret-key")
    subprocess.run([sys.executable, "main.py", "db", "upgrade"], cwd=ROOT, env=base, check=True, capture_output=True)
    try:
        for name in ("a", "b"):
            log = open(tmp_path / f"{name}.log", "w")
            logs.append(log)
            env = dict(base, ADUAN_PORT=str(free_port()), ADUAN_VAR_DIR=str(tmp_path / name))
            procs.append(subprocess.Popen([sys.executable, "main.py", "serve"], cwd=ROOT, env=env, stdout=log,
                                          stderr=subprocess.STDOUT))
        db = open_database(database_url)
        try:
            deadline = time.monotonic() + 60
            while True:
                texts = [(tmp_path / f"{n}.log").read_text() for n in ("a", "b")]
                # each either ran the catch-up, found it running, or started once it was done
                if all("sweep.finished" in t or "sweep.skipped" in t or '"catch_up":false' in t for t in texts):
                    break
                for proc, text in zip(procs, texts):
                    assert proc.poll() is None, f"serve exited: {text[-2000:]}"
                assert time.monotonic() < deadline, f"no sweep decision in the logs: {[sweep_lines(t) for t in texts]}"
                time.sleep(0.1)
            rows = sweeps(db)
        finally:
            db.dispose()
        assert [r["trigger"] for r in rows] == ["catch-up"]
        assert sum("sweep.finished" in t for t in texts) == 1
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


async def test_a_reloaded_interval_moves_the_schedule(db, config):
    """After a reload to 8 hours, the job fires every 8 hours on the new grid with its grace of 4 hours."""
    record_sweep(db, "schedule", datetime.now(timezone.utc))
    scheduler = SweepScheduler(db, lambda: config, "http://aduan.test", instance="a")
    scheduler.start()
    try:
        eight = replace(config, settings=config.settings.model_copy(update={"sweep_interval_hours": 8}))
        scheduler.follow(eight)
        job = scheduler.scheduler.get_job(JOB_ID)
        assert job.trigger.interval == timedelta(hours=8)
        assert job.misfire_grace_time == 4 * 3600
        assert job.next_run_time.astimezone(WITA).hour in (0, 8, 16)
    finally:
        scheduler.shutdown()


async def test_a_slot_sweep_that_finds_another_sweep_running_looks_again(db, config, monkeypatch):
    """Another instance holds the sweep (say, the last slot's sweep, begun just before this slot): this instance's
    run looks again a little later and sweeps then, once; the slot is not left unswept."""
    import sweep.schedule as schedule
    from sweep.lease import acquire, release

    monkeypatch.setattr(schedule, "RETRY_AFTER", timedelta(milliseconds=300))
    assert acquire(db, "sweep", "other-instance", datetime.now(timezone.utc), timedelta(minutes=10))
    scheduler = SweepScheduler(db, lambda: config, "http://aduan.test", instance="a")
    scheduler.start()  # no sweep yet: a catch-up, which finds the lease taken
    try:
        for _ in range(200):
            if scheduler.last is not None:
                break
            await asyncio.sleep(0.05)
        assert scheduler.last.skipped == "another instance is sweeping"
        assert sweeps(db) == []
        release(db, "sweep", "other-instance")
        for _ in range(200):
            if sweeps(db):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # room for another run, were there one
    finally:
        scheduler.shutdown()
    assert [(r["trigger"], r["instance"]) for r in sweeps(db)] == [("catch-up", "a")]


def test_a_catch_up_just_before_a_slot_stands_for_that_slot(db, config):
    """A catch-up at 11:50 (the service back just before the 12:00 slot) is that slot's sweep: the slot's job finds
    it and does nothing, so agencies do not get two rounds of digests ten minutes apart. One at 11:40 does not."""
    def at(text):
        return lambda: local(text)

    def run(trigger, text):
        return scheduled_sweep(db, config, "http://aduan.test", trigger, instance="a", clock=at(text)).skipped

    assert run("catch-up", "2026-11-24 11:40") is None
    assert run("schedule", "2026-11-24 12:00:01") is None  # 20 minutes after a catch-up: the slot's own sweep
    assert run("catch-up", "2026-11-24 23:50") is None  # the 18:00 slot went unswept (the service was down)
    assert run("schedule", "2026-11-25 00:00:01") == "this slot was swept already"
    assert [r["trigger"] for r in sweeps(db)] == ["catch-up", "schedule", "catch-up"]


def test_a_sweep_cut_off_midway_does_not_count_and_is_marked_interrupted(db, config):
    """A process killed during the slot's sweep leaves its row unfinished: the slot is still swept (by the next
    instance or the next start), and history shows the cut-off sweep as interrupted, not running forever."""
    record_sweep(db, "schedule", local("2026-11-24 12:00"))
    with db.writer.begin() as conn:  # what a killed sweep leaves: started, never finished
        conn.execute(m.Sweep.__table__.update().values(finished_at=None))
    result = scheduled_sweep(db, config, "http://aduan.test", "schedule", instance="b",
                             clock=lambda: local("2026-11-24 12:05"))
    assert result.skipped is None
    rows = sweeps(db)
    assert rows[0]["finished_at"] is not None and rows[0]["error"].startswith("interrupted")
    assert (rows[1]["instance"], rows[1]["error"]) == ("b", None)


async def test_a_failed_slot_sweep_is_tried_again(db, config, monkeypatch):
    """The store fails the slot's sweep: the schedule tries again later in the slot, and that sweep is recorded."""
    import sweep.schedule as schedule

    real = schedule.run_sweep
    calls = []

    def flaky(*args, **kwargs):
        calls.append(kwargs["trigger"])
        if len(calls) == 1:
            raise ConnectionError("the store is unreachable")
        return real(*args, **kwargs)

    monkeypatch.setattr(schedule, "run_sweep", flaky)
    monkeypatch.setattr(schedule, "FAILED_RETRY_AFTER", timedelta(milliseconds=300))
    scheduler = SweepScheduler(db, lambda: config, "http://aduan.test", instance="a")
    scheduler.start()  # no sweep yet: a catch-up, which fails
    try:
        for _ in range(200):
            if sweeps(db):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)
    finally:
        scheduler.shutdown()
    assert calls == ["catch-up", "catch-up"]
    assert [(r["trigger"], r["error"]) for r in sweeps(db)] == [("catch-up", None)]
