"""The service killed mid-send, end to end: other agencies keep flowing, the row comes back under its delivery id."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiohttp import web
from sqlalchemy import select

from app.server import create_app
from app.build import build_runtime
from config.loader import agency_secret_variable, load_config
from delivery.webhook import make_webhook_deliverer
from delivery.worker import OutboxWorker
from store.models import Complaint, Outbox
from tests.conftest import with_env

ROOT = Path(__file__).resolve().parents[2]
HUNG = "puskesmas-aikmel"  # its endpoint takes the request and never answers
FLOWING = "pupr-loteng"  # its endpoint answers 200 at once
SECRETS = {HUNG: "crash-secret-aikmel-0b7e", FLOWING: "crash-secret-loteng-93a1"}
HUNG_TEXT = "Obat di puskesmas Aikmel kosong sudah 2 minggu"
FLOWING_TEXTS = ("Jembatan di Praya rusak dan berlubang", "Jalan rusak di Kopang Lombok Tengah")


@dataclass(frozen=True)
class Received:
    """One request as the agency got it."""

    delivery_id: str
    signed: bool
    duplicate: bool  # the agency had seen this delivery id before, so it drops this one
    body: dict


class FakeAgency:
    """An agency's webhook endpoint: checks the signature, knows the delivery ids it has seen; can hang."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.hang = False
        self.released = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        signed = hmac.compare_digest(expected, request.headers.get("X-Aduan-Signature", ""))
        delivery_id = request.headers.get("X-Aduan-Delivery", "")
        seen = any(r.delivery_id == delivery_id for r in self.received)
        self.received.append(Received(delivery_id, signed, seen, orjson.loads(body)))
        if self.hang:
            await self.released.wait()  # the ticket is in, the answer never comes (until the test ends)
        return web.Response(status=200 if signed else 401)


@pytest.fixture
async def agencies(aiohttp_server):
    """Start both agencies' endpoints on 127.0.0.1; the hung one starts hanging."""
    fakes = {code: FakeAgency(secret) for code, secret in SECRETS.items()}
    fakes[HUNG].hang = True
    for code, fake in fakes.items():
        app = web.Application()
        app.router.add_post("/aduan/hook", fake.handle)
        server = await aiohttp_server(app, host="127.0.0.1")
        fake.url = str(server.make_url("/aduan/hook"))
    yield fakes
    for fake in fakes.values():
        fake.released.set()  # a request still hanging would hold up the server's shutdown


@pytest.fixture
def config_dir(agencies, env, tmp_path) -> Path:
    """A copy of the sample config where both agencies also deliver to their fake's webhook."""
    target = tmp_path / "config"
    shutil.copytree(env.config_dir, target)
    path = target / "agencies.yaml"
    text = path.read_text(encoding="utf-8")
    for code, fake in agencies.items():
        block = text.index(f"  - code: {code}\n")
        deliver = text.index("    deliver:\n", block) + len("    deliver:\n")
        text = text[:deliver] + f"      - webhook: {fake.url}\n" + text[deliver:]
    path.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def secrets_set(monkeypatch) -> dict[str, str]:
    """Each agency's webhook secret in its ADUAN_AGENCY_SECRET_<CODE> (here and for the service's process)."""
    variables = {agency_secret_variable(code): secret for code, secret in SECRETS.items()}
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return variables


@pytest.fixture
def service(env, config_dir, secrets_set):
    """This process's view of the service (same database and config), with no outbox worker of its own."""
    result = load_config(config_dir)
    assert result.errors == []
    rt = build_runtime(with_env(env, config_dir=str(config_dir), outbox_worker=False), result.config)
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def webhook_rows(runtime) -> dict[str, list]:
    """The webhook rows of the outbox, by complaint code."""
    with runtime.db.reader.connect() as conn:
        rows = conn.execute(select(Outbox.__table__, Complaint.code).join(Complaint, Complaint.id == Outbox.complaint_id)
                            .where(Outbox.transport == "webhook").order_by(Outbox.id)).all()
    found: dict[str, list] = {}
    for row in rows:
        found.setdefault(row.code, []).append(row)
    return found


async def until(check: Callable[[], bool], what: str, proc: subprocess.Popen | None = None, log: Path | None = None,
                timeout: float = 15.0) -> None:
    """Poll until `check()` holds; fail saying `what` after `timeout`, or at once if the service has exited."""
    deadline = time.monotonic() + timeout
    while not check():
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"serve exited with {proc.returncode} while waiting for {what}: "
                                 f"{log.read_text()[-2000:] if log else ''}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)


async def test_killed_service_resends_the_hung_delivery_under_its_id_while_other_agencies_flow(
        env, service, config_dir, secrets_set, agencies, aiohttp_client, operator_headers, tmp_path):
    """SIGKILL the service while one agency's webhook hangs: the other agency's tickets went out meanwhile; after
    the lease a new worker sends the hung one again, same X-Aduan-Delivery, and the agency drops it as a duplicate."""
    hung, flowing = agencies[HUNG], agencies[FLOWING]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    variables = dict(
        os.environ,
        ADUAN_DATABASE_URL=env.database_url,
        ADUAN_CONFIG_DIR=str(config_dir),
        ADUAN_PORT=str(port),
        ADUAN_PUBLIC_URL=env.public_url,
        ADUAN_VAR_DIR=str(tmp_path / "var"),
        ADUAN_SECRET_KEY="crash-secret-key",
        ADUAN_SWEEP="off",  # a start-up sweep would queue digests beside the tickets counted here
        # Intake in the service's own process, so SIGKILL leaves no writer process behind.
        ADUAN_INTAKE_WRITER="thread",
        ADUAN_OUTBOX_WORKER="on",
        **secrets_set,
    )
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "main.py", "serve"], cwd=ROOT, env=variables, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        async with aiohttp.ClientSession(base, timeout=aiohttp.ClientTimeout(total=5)) as http:

            async def healthy() -> bool:
                try:
                    async with http.get("/healthz") as resp:
                        return resp.status == 200
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    return False

            deadline = time.monotonic() + 30
            while not await healthy():
                assert proc.poll() is None, f"serve exited with {proc.returncode}: {log.read_text()[-2000:]}"
                assert time.monotonic() < deadline, f"serve did not become healthy: {log.read_text()[-2000:]}"
                await asyncio.sleep(0.1)

            async def submit(text: str, agency: str) -> str:
                async with http.post("/api/v1/complaints", json={"text": text}) as resp:
                    assert resp.status == 201, await resp.text()
                    body = await resp.json()
                assert body["agency"]["code"] == agency
                return body["code"]

            hung_code = await submit(HUNG_TEXT, HUNG)
            await until(lambda: len(hung.received) == 1, "the hung agency received its ticket", proc, log)
            # While that send hangs, the other agency's complaints come in and go out.
            flowing_codes = [await submit(text, FLOWING) for text in FLOWING_TEXTS]
            await until(lambda: all([r.state for r in webhook_rows(service).get(code, [])] == ["delivered"]
                                    for code in flowing_codes),
                        "the other agency's tickets delivered while the hung send was in flight", proc, log,
                        timeout=10)  # well inside the 15 s after which the hung send would time out
        in_flight = webhook_rows(service)[hung_code]
        assert [(r.state, r.attempts) for r in in_flight] == [("sending", 1)]
        assert len(hung.received) == 1
        proc.kill()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

    [killed] = webhook_rows(service)[hung_code]
    assert (killed.state, killed.attempts) == ("sending", 1)  # the killed worker recorded nothing
    delivery_id = killed.delivery_id

    # A new worker with the service's webhook deliverer; the agency answers again.
    hung.hang = False
    hung.released.set()
    worker = OutboxWorker(service.db, {"webhook": make_webhook_deliverer(service.tickets)})
    assert await worker.run_once(now=datetime.now(timezone.utc)) == 0  # the lease still runs: not sent twice at once
    assert await worker.run_once(now=killed.lease_until + timedelta(seconds=1)) == 1

    assert [(r.delivery_id, r.signed, r.duplicate) for r in hung.received] == [
        (delivery_id, True, False), (delivery_id, True, True)]
    assert {(r.body["delivery_id"], r.body["ticket"]["code"]) for r in hung.received} == {(delivery_id, hung_code)}
    rows = webhook_rows(service)
    assert sorted(rows) == sorted([hung_code, *flowing_codes])
    assert {code: [(r.state, r.attempts) for r in found] for code, found in rows.items()} == {
        hung_code: [("delivered", 2)], **{code: [("delivered", 1)] for code in flowing_codes}}
    assert rows[hung_code][0].delivery_id == delivery_id
    assert Counter(r.delivery_id for r in flowing.received) == Counter(
        {rows[code][0].delivery_id: 1 for code in flowing_codes})
    assert all(r.signed and not r.duplicate for r in flowing.received)

    # What an operator sees: one webhook delivery, the same id, delivered on its second attempt.
    client = await aiohttp_client(create_app(service))
    resp = await client.get(f"/api/v1/complaints/{hung_code}", headers=operator_headers)
    assert resp.status == 200
    [seen] = [d for d in (await resp.json())["deliveries"] if d["transport"] == "webhook"]
    assert (seen["id"], seen["state"], seen["attempts"]) == (delivery_id, "delivered", 2)
    # The killed attempt is on record too, written when the row was claimed again.
    assert [(a["attempt"], a["outcome"]) for a in seen["attempts_log"]] == [(1, "lost"), (2, "delivered")]
    assert "the worker stopped" in seen["attempts_log"][0]["detail"]
