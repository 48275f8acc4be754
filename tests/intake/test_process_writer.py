"""The writer process `serve` uses: same answers as the thread writer, and it survives its child dying."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.server import create_app
from app.build import build_runtime
from store import models as m
from tests.conftest import with_env

TEXT = "Jalan rusak parah dan berlubang di Selong"


@pytest.fixture
async def process_client(aiohttp_client, env, sample_config):
    runtime = build_runtime(with_env(env, intake_writer="process"), sample_config)
    runtime.limiter.per_minute = 10_000
    client = await aiohttp_client(create_app(runtime))
    yield client, runtime
    runtime.readers.shutdown(wait=True)
    runtime.db.dispose()


def count(runtime) -> int:
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(m.Complaint)).scalar_one()


async def test_concurrent_submissions_are_all_stored(process_client):
    """Many requests at once are batched by the child; every 201 is in the database."""
    client, runtime = process_client
    resps = await asyncio.gather(*(client.post("/api/v1/complaints", json={"text": f"{TEXT} {i}"}) for i in range(100)))
    assert {r.status for r in resps} == {201}
    codes = {(await r.json())["code"] for r in resps}
    assert len(codes) == 100 and count(runtime) == 100


async def test_idempotency_storm_makes_one_complaint(process_client):
    """The same Idempotency-Key twenty times at once: one complaint, one answer."""
    client, runtime = process_client
    resps = await asyncio.gather(*(client.post("/api/v1/complaints", json={"text": TEXT}, headers={"Idempotency-Key": "k1"})
                                   for _ in range(20)))
    assert {r.status for r in resps} == {201}
    assert len({(await r.json())["code"] for r in resps}) == 1
    assert count(runtime) == 1


async def test_child_killed_answers_503_then_recovers(process_client):
    """If the writer process dies, callers in flight get 503 (never a false 201) and intake comes back."""
    client, runtime = process_client
    writer = runtime.intake.writer
    assert (await client.post("/api/v1/complaints", json={"text": TEXT})).status == 201
    os.kill(writer._proc.pid, signal.SIGKILL)
    statuses = []
    for _ in range(50):
        resp = await client.post("/api/v1/complaints", json={"text": TEXT})
        statuses.append(resp.status)
        if resp.status == 201:
            break
        await asyncio.sleep(0.1)
    assert statuses[-1] == 201
    assert set(statuses) <= {201, 503}
    assert count(runtime) == 1 + statuses.count(201)


async def test_unreachable_database_is_503(aiohttp_client, env, sample_config, tmp_path):
    """With the database unreachable, the child cannot store and the API answers 503."""
    (tmp_path / "blocker").write_text("not a folder")
    broken = with_env(env, intake_writer="process", database_url=f"sqlite:///{tmp_path}/blocker/aduan.db")
    runtime = build_runtime(broken, sample_config)
    client = await aiohttp_client(create_app(runtime))
    resp = await client.post("/api/v1/complaints", json={"text": TEXT})
    assert resp.status == 503
    assert (await resp.json())["error"]["code"] == "store_unavailable"
    runtime.readers.shutdown(wait=True)
    runtime.db.dispose()


async def test_child_ignores_a_terminal_or_group_sigterm(process_client):
    """A SIGTERM or Ctrl-C that reaches the child (as a process-group signal does) does not stop intake."""
    client, runtime = process_client
    pid = runtime.intake.writer._proc.pid
    assert (await client.post("/api/v1/complaints", json={"text": TEXT})).status == 201
    os.kill(pid, signal.SIGTERM)
    os.kill(pid, signal.SIGINT)
    await asyncio.sleep(0.3)
    assert (await client.post("/api/v1/complaints", json={"text": TEXT})).status == 201
    assert runtime.intake.writer._proc.pid == pid
