"""Faults: PostgreSQL stopped under API load answers 503 with Retry-After, and intake resumes by itself once it is back.

The test runs the in-process app (aiohttp test client, ThreadWriter) against a throw-away PostgreSQL cluster of its
own (initdb and pg_ctl from the Debian package, in a temp dir on a free port), never the shared server: stopping
that one would break every other test using it. It runs only with ADUAN_TEST_DATABASE_URL set (the PostgreSQL run).
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.build import build_runtime
from app.server import create_app
from tests.faults.outage_helpers import counts_line
from store.db import open_database
from store.migrate import upgrade
from store.models import Complaint
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL run only (ADUAN_TEST_DATABASE_URL is not set)")

CLIENTS = 8
LOAD_BEFORE = 1.0  # seconds of load before the stop
DOWN_FOR = 2.0  # seconds the cluster stays stopped under load
RESUME_WITHIN = 20.0  # seconds after the start by which a new complaint must be taken again
LOAD_AFTER = 1.0  # seconds of load once intake took a complaint again


class Cluster:
    """A throw-away PostgreSQL cluster in a temp dir on a free loopback port (run as `postgres` when we are root)."""

    def __init__(self) -> None:
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not bins:
            pytest.skip("no initdb: the Debian postgresql package is not installed")
        self.bin = Path(bins[-1]).parent
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                pytest.skip("running as root without runuser: initdb refuses root")
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.dir = Path(tempfile.mkdtemp(prefix="aduan-pg-"))
        if self.prefix:
            shutil.chown(self.dir, "postgres", "postgres")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.data = self.dir / "data"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run([*self.prefix, str(self.bin / args[0]), *args[1:]], check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def create(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        with_pid = (self.data / "postmaster.pid").exists()
        if with_pid:
            subprocess.run([*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                           timeout=60, capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def cluster():
    """A migrated throw-away cluster, removed after the test."""
    own = Cluster()
    try:
        own.create()
        own.start()
    except (subprocess.CalledProcessError, OSError) as exc:
        own.remove()
        detail = getattr(exc, "stderr", b"") or b""
        pytest.skip(f"cannot run a PostgreSQL of our own here: {exc} {detail.decode(errors='replace')[:200]}")
    db = open_database(own.url)
    upgrade(db)
    db.dispose()
    yield own
    own.remove()


@pytest.fixture
def pg_runtime(cluster, env, sample_config):
    """A service on the throw-away cluster, intake in a thread of this process."""
    rt = build_runtime(replace(env, database_url=cluster.url, outbox_worker=False), sample_config)
    rt.limiter.per_minute = 1_000_000
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


async def test_database_stopped_under_load_answers_503_and_intake_resumes_by_itself(aiohttp_client, cluster,
                                                                                   pg_runtime):
    """Stop PostgreSQL under API load: only 503s with Retry-After, /healthz keeps answering; start it again: intake
    takes complaints again within seconds, and every complaint answered 201 is stored exactly once."""
    client = await aiohttp_client(create_app(pg_runtime))
    statuses: Counter[int] = Counter()
    without_retry_after = 0
    acknowledged: dict[str, str] = {}  # idempotency key -> code
    sent_keys: set[str] = set()
    stop = asyncio.Event()
    phase = {"down": False}
    taken_while_down = 0

    async def one_client(n: int) -> None:
        nonlocal without_retry_after, taken_while_down
        key = None
        while not stop.is_set():
            key = key or str(uuid.uuid4())  # a refused complaint is retried under its own key, as a client would
            sent_keys.add(key)
            resp = await client.post("/api/v1/complaints", headers={"Idempotency-Key": key},
                                     json={"text": f"Lampu jalan di Cakranegara mati, laporan {key[:8]}"})
            statuses[resp.status] += 1
            if resp.status == 201:
                acknowledged[key] = (await resp.json())["code"]
                taken_while_down += phase["down"]
                key = None
            else:
                without_retry_after += "Retry-After" not in resp.headers
                await asyncio.sleep(0.05)

    clients = [asyncio.create_task(one_client(n)) for n in range(CLIENTS)]
    await asyncio.sleep(LOAD_BEFORE)
    before = len(acknowledged)
    await asyncio.to_thread(cluster.stop)
    phase["down"] = True
    down_at = len(acknowledged)
    await asyncio.sleep(DOWN_FOR)
    health = await client.get("/healthz")
    refused_while_down = sum(n for s, n in statuses.items() if s != 201)
    await asyncio.to_thread(cluster.start)
    phase["down"] = False
    started = time.monotonic()
    at_start = len(acknowledged)
    while len(acknowledged) == at_start and time.monotonic() - started < RESUME_WITHIN:
        await asyncio.sleep(0.05)
    resumed = len(acknowledged) > at_start
    await asyncio.sleep(LOAD_AFTER)
    stop.set()
    await asyncio.gather(*clients)
    healthy = await client.get("/healthz")

    with pg_runtime.db.reader.connect() as conn:
        stored = Counter(dict(conn.execute(select(Complaint.code, func.count()).group_by(Complaint.code)).all()))
    codes = set(acknowledged.values())
    duplicated = sum(n - 1 for n in stored.values() if n > 1)
    lost = len(codes - set(stored))
    print(counts_line(sent=sum(statuses.values()), acknowledged=len(acknowledged), refused=refused_while_down,
                      stored=sum(stored.values()), duplicated=duplicated, lost=lost))
    assert before > 0, "no complaint was taken before the stop"
    assert refused_while_down > 0, "no request reached the service while the database was down"
    assert set(statuses) <= {201, 503}, f"answers other than 201 and 503: {dict(statuses)}"
    assert without_retry_after == 0
    # A 201 during the outage could only be one whose commit finished just before the stop: it must be stored.
    assert health.status == 503 and healthy.status == 200
    assert resumed, f"intake did not take a complaint within {RESUME_WITHIN:g} s of the database's start"
    assert lost == 0 and duplicated == 0
    assert len(codes) == len(acknowledged) and down_at >= before
    # What was refused was retried under its own key and taken once: nothing stored that was not answered 201.
    assert set(stored) == codes
    assert taken_while_down <= CLIENTS
