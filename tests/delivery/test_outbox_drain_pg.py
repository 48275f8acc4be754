"""Two service instances on one PostgreSQL drain 2,000 agency webhooks: each sent once, by one of them, under its id."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiohttp import web
from sqlalchemy import select

from config.loader import agency_secret_variable
from store.models import Complaint, DeliveryAttempt, Outbox

pytestmark = pytest.mark.skipif(
    not os.environ.get("ADUAN_TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="instances sharing the outbox (FOR UPDATE SKIP LOCKED) need PostgreSQL: set ADUAN_TEST_DATABASE_URL",
)

ROOT = Path(__file__).resolve().parents[2]
ROWS_PER_AGENCY = 1000
# Two agencies, so each instance also holds every agency to its share of the transport while claiming.
AGENCIES = {
    "puskesmas-aikmel": ("drain-secret-aikmel-81f0", "Obat di puskesmas Aikmel kosong sudah 2 minggu"),
    "pupr-loteng": ("drain-secret-loteng-4c2d", "Jembatan di Praya rusak dan berlubang"),
}
# Long enough that one instance alone needs seconds for the lot, so the other (polling every second) takes a share.
ANSWER_DELAY = 0.02


class CountingAgency:
    """Agencies' webhook endpoints on one server: check each signature, count each X-Aduan-Delivery, answer 204."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self.unsigned: list[str] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        code = request.match_info["agency"]
        secret = AGENCIES[code][0].encode()
        expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        delivery_id = request.headers.get("X-Aduan-Delivery", "")
        self.received[delivery_id] += 1
        if not hmac.compare_digest(expected, request.headers.get("X-Aduan-Signature", "")):
            self.unsigned.append(delivery_id)
        await asyncio.sleep(ANSWER_DELAY)
        return web.Response(status=204)


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_instance(env, tmp_path: Path, name: str) -> tuple[subprocess.Popen, str, Path]:
    """Start `python main.py serve` (its outbox worker on) on the test's database; logs go to a file."""
    port = free_port()
    variables = dict(
        os.environ,
        ADUAN_DATABASE_URL=env.database_url,
        ADUAN_CONFIG_DIR=env.config_dir,
        ADUAN_PORT=str(port),
        ADUAN_PUBLIC_URL=env.public_url,
        ADUAN_VAR_DIR=str(tmp_path / name / "var"),
        ADUAN_SECRET_KEY="drain-secret-key",
        ADUAN_SWEEP="off",  # a start-up sweep would queue digests beside the rows counted here
        ADUAN_INTAKE_WRITER="thread",
        ADUAN_OUTBOX_WORKER="on",
        **{agency_secret_variable(code): secret for code, (secret, _text) in AGENCIES.items()},
    )
    log = tmp_path / f"{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "main.py", "serve"], cwd=ROOT, env=variables, stdout=out,
                                stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}", log


async def wait_healthy(base: str, proc: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    """Poll /healthz until it answers 200; fail with the log's tail if the instance exits or never does."""
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as session:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                async with session.get(f"{base}/healthz") as resp:
                    if resp.status == 200:
                        return
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"serve at {base} did not become healthy: {log.read_text()[-2000:]}")


def delivered_ids(log: Path) -> list[str]:
    """The delivery ids an instance logged as delivered (one `outbox.delivered` line per attempt that stood)."""
    ids = []
    for line in log.read_bytes().splitlines():
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(event, dict) and event.get("event") == "outbox.delivered":
            ids.append(event["delivery_id"])
    return ids


async def test_two_instances_draining_2000_webhooks_send_each_exactly_once(
        env, make_runtime, file_complaint, outbox, aiohttp_server, tmp_path):
    """Both instances send part of 2,000 due webhooks; the agencies see every delivery id once, each row delivered
    on its first attempt, and each row's one success logged by exactly one instance."""
    agency = CountingAgency()
    app = web.Application()
    app.router.add_post("/{agency}/hook", agency.handle)
    server = await aiohttp_server(app, host="127.0.0.1")

    runtime = make_runtime()
    instances = [start_instance(env, tmp_path, name) for name in ("instance-1", "instance-2")]
    try:
        for proc, base, log in instances:
            await wait_healthy(base, proc, log)
        # Both workers are polling an empty queue; the rows arrive at once, as after an agency's outage.
        now = datetime.now(timezone.utc)
        ids = []
        for code, (_secret, text) in AGENCIES.items():
            complaint = file_complaint(runtime, text)
            with runtime.db.reader.connect() as conn:
                complaint_id = conn.execute(select(Complaint.id).where(Complaint.code == complaint)).scalar_one()
            ids += outbox.add(ROWS_PER_AGENCY, at=now, agency=code, target=str(server.make_url(f"/{code}/hook")),
                              payload={"code": complaint}, complaint_id=complaint_id)

        def drained() -> bool:
            for proc, _base, log in instances:
                if proc.poll() is not None:
                    raise AssertionError(f"serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
            return outbox.states("webhook") == Counter(delivered=len(ids))

        await outbox.wait_for(drained, timeout=60)
    finally:
        for proc, _base, _log in instances:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _base, _log in instances:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise
    assert [proc.returncode for proc, _base, _log in instances] == [0, 0]

    assert len(ids) == 2000
    assert agency.received == Counter({i: 1 for i in ids})
    assert agency.unsigned == []
    webhooks = {i: r for i, r in outbox.all().items() if r.transport == "webhook"}
    assert {(r.state, r.attempts) for r in webhooks.values()} == {("delivered", 1)}
    with runtime.db.reader.connect() as conn:
        attempts = conn.execute(select(DeliveryAttempt.delivery_id, DeliveryAttempt.attempt, DeliveryAttempt.outcome)
                                .join(Outbox, Outbox.id == DeliveryAttempt.outbox_id)
                                .where(Outbox.transport == "webhook")).all()
    assert sorted(attempts) == sorted((i, 1, "delivered") for i in ids)
    shares = [Counter(delivered_ids(log)) for _proc, _base, log in instances]
    assert all(shares), f"one instance sent nothing: {[sum(s.values()) for s in shares]}"
    assert shares[0] + shares[1] == Counter({i: 1 for i in ids})
