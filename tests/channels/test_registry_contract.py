"""Every messaging channel in the registry, end to end and against the same contract.

A citizen writes → the webhook answers 200 → one complaint is stored and routed → the outbox worker
delivers the acknowledgement with the tracking code to the (fake) provider API → `STATUS <code>` is
answered with the current status. And for each: a missing or wrong signature is refused with nothing
stored, signed garbage is a 400 (never a 500), a redelivered message makes one complaint and one
acknowledgement, and no configured secret reaches the logs.

Each messaging channel in `channels.REGISTRY` brings its cases in tests/channels/<name>/contract.py (`CASES`).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import io
import time
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import web
from sqlalchemy import func, select

import channels
from app.build import build_runtime
from app.server import OUTBOX, create_app
from config.logging import configure
from store import models as m
from tests.channels.contract_helpers import PUBLIC_URL, ContractCase, FakeProviders, fake_settings
from tests.conftest import with_env


def contract_of(name: str) -> tuple[ContractCase, ...] | None:
    """Return the cases in tests/channels/<name>/contract.py, or None when the channel has no such module."""
    module = f"tests.channels.{name}.contract"
    if importlib.util.find_spec(f"tests.channels.{name}") is None or importlib.util.find_spec(module) is None:
        return None
    return tuple(getattr(importlib.import_module(module), "CASES", ()))


CONTRACTS = {channel.name: contract_of(channel.name) for channel in channels.REGISTRY if channel.messaging}
CASES = {case.transport: case for cases in CONTRACTS.values() for case in cases or ()}


def test_every_messaging_channel_in_the_registry_has_a_case():
    """A messaging channel registered without a case in its contract.py fails, so the contract cannot be skipped."""
    lacking = [f"{name}: no tests/channels/{name}/contract.py" if cases is None else f"{name}: contract.py has no CASES"
               for name, cases in CONTRACTS.items() if not cases]
    assert not lacking, "; ".join(lacking)
    assert len(CASES) == sum(len(cases) for cases in CONTRACTS.values()), "two cases share a transport"


@pytest.fixture
async def world(aiohttp_server, aiohttp_client, env, sample_config):
    """The whole app with every case's channel on, its provider APIs pointed at one fake on loopback."""
    fake = FakeProviders(CASES.values())
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = await aiohttp_server(app)
    root = str(server.make_url("")).rstrip("/")
    configured = with_env(env, public_url=PUBLIC_URL, **fake_settings(CASES.values(), root))
    runtime = build_runtime(configured, sample_config)
    runtime.limiter.per_minute = 10_000
    client = await aiohttp_client(create_app(runtime))
    yield client, runtime, fake
    runtime.readers.shutdown(wait=True)
    runtime.db.dispose()


async def send(client, case: ContractCase, text: str, mid: str, sender: str, spoil: bool = False):
    """Send a case's signed message to its webhook, or with the proof taken out (`spoil`)."""
    body, headers, query = case.build(text, mid, sender)
    if spoil:
        headers, query = case.spoil(headers, query)
    url = case.path + (f"?{query}" if query else "")
    return await client.request(case.method, url, data=body or None, headers=headers)


def count(runtime, model) -> int:
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


async def replies_to(fake: FakeProviders, transport: str, n: int, timeout: float = 10) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = [text for t, _, text in fake.sent if t == transport]
        if len(texts) >= n:
            return texts
        await asyncio.sleep(0.05)
    raise AssertionError(f"{transport}: expected {n} replies, the fake got {fake.sent}")


@pytest.mark.parametrize("name", list(CASES))
async def test_message_in_acknowledged_out_and_status_answered(world, name):
    """Webhook in → complaint stored and routed → acknowledgement with the code at the provider → STATUS answered."""
    client, runtime, fake = world
    case = CASES[name]
    resp = await send(client, case, "Jalan rusak parah dan berlubang di Selong, Lombok Timur", "1001", "6281200001111")
    assert resp.status == 200, await resp.text()
    with runtime.db.reader.connect() as conn:
        code, agency = conn.execute(select(m.Complaint.code, m.Complaint.agency)).one()
    assert agency == "pupr-lotim"
    (ack,) = await replies_to(fake, case.transport, 1)
    assert code in ack
    resp = await send(client, case, f"STATUS {code}", "1002", "6281200001111")
    assert resp.status == 200
    status_reply = (await replies_to(fake, case.transport, 2))[1]
    assert code in status_reply and "Diteruskan ke instansi" in status_reply
    assert count(runtime, m.Complaint) == 1


@pytest.mark.parametrize("name", list(CASES))
async def test_unsigned_request_is_refused_and_nothing_stored(world, name):
    """Without the provider's signature or secret: 401/403, and no row at all."""
    client, runtime, _ = world
    resp = await send(client, CASES[name], "Jalan rusak di Selong", "2001", "6281200002222", spoil=True)
    assert resp.status in (401, 403)
    assert count(runtime, m.InboundMessage) == 0 and count(runtime, m.Complaint) == 0


@pytest.mark.parametrize("name", list(CASES))
async def test_redelivery_makes_one_complaint_and_one_acknowledgement(world, name):
    """The same provider message 10 times in a row and 20 times at once: one complaint, one acknowledgement."""
    client, runtime, fake = world
    case = CASES[name]
    for _ in range(10):
        assert (await send(client, case, "Banjir di Kota Bima, air setinggi lutut", "3001", "6281200003333")).status == 200
    results = await asyncio.gather(*(send(client, case, "Banjir di Kota Bima, air setinggi lutut", "3001", "6281200003333")
                                     for _ in range(20)))
    assert {r.status for r in results} == {200}
    assert count(runtime, m.Complaint) == 1
    await replies_to(fake, case.transport, 1)
    await asyncio.sleep(0.3)
    assert len([1 for t, _, _ in fake.sent if t == case.transport]) == 1


@pytest.mark.parametrize("command", ["STATUS NTB-7K3QX9P2", "/start", "BANTUAN", "halo"])
@pytest.mark.parametrize("name", list(CASES))
async def test_a_command_resent_is_answered_200_and_answered_once(world, name, command):
    """A status request, /start, a help word or a greeting sent again byte for byte: 200 every time, one answer."""
    client, runtime, fake = world
    case = CASES[name]
    assert (await send(client, case, command, "6001", "6281200006666")).status == 200
    answer = " ".join(await replies_to(fake, case.transport, 1))
    assert ("NTB-7K3QX9P2" in answer) if command.startswith("STATUS") else ("STATUS" in answer)
    await asyncio.sleep(0.3)
    sent = len(fake.sent)  # a long answer may go as several SMS: one answer, however many parts
    statuses = [(await send(client, case, command, "6001", "6281200006666")).status for _ in range(2)]
    assert statuses == [200, 200]
    await asyncio.sleep(0.3)
    assert len(fake.sent) == sent
    assert count(runtime, m.Complaint) == 0
    with runtime.db.reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(m.Outbox).where(m.Outbox.audience == "citizen")).scalar_one() == 1


# Twilio's form and Vonage's query cannot carry arbitrary bytes: their cases sign no garbage.
@pytest.mark.parametrize("name", [name for name, case in CASES.items() if case.sign_garbage is not None])
async def test_signed_garbage_is_400_never_500(world, name):
    """A body with a valid signature but not the provider's format is a 400."""
    client, runtime, _ = world
    case = CASES[name]
    for garbage in (b"{not json", b"[1, 2, 3]", b"\xff\xfe\x00", b'{"entry": "nope"}'):
        resp = await client.post(case.path, data=garbage, headers=case.sign_garbage(garbage))
        assert resp.status == 400, (garbage, resp.status)
    assert count(runtime, m.InboundMessage) == 0


async def test_no_configured_secret_reaches_the_logs(world):
    """Across every channel's traffic, bad signatures and replies, no secret appears in a log line."""
    client, runtime, fake = world
    buffer = io.StringIO()
    configure("DEBUG", json_output=True, stream=buffer)
    try:
        for i, case in enumerate(CASES.values()):
            await send(client, case, "Sampah menumpuk di pasar Cakranegara", str(4000 + i), f"62812000044{i:02d}")
            await send(client, case, "Sampah menumpuk di pasar Cakranegara", str(4100 + i), f"62812000045{i:02d}", spoil=True)
        for transport in {c.transport for c in CASES.values()}:
            await replies_to(fake, transport, 1)
    finally:
        configure("INFO")
    logs = buffer.getvalue()
    assert logs
    for secret in runtime.env.secrets():
        assert secret not in logs, f"a secret leaked into the logs: {secret[:4]}…"


@pytest.mark.parametrize("name", list(CASES))
async def test_provider_down_reply_waits_in_the_outbox_and_goes_out_when_back(world, name):
    """With the provider's API failing, the webhook still answers 200 at once; the reply goes out once it is back."""
    client, runtime, fake = world
    case = CASES[name]
    fake.down = True
    started = time.monotonic()
    resp = await send(client, case, "Lampu jalan mati di Ampenan", "5001", "6281200005555")
    elapsed = time.monotonic() - started
    assert resp.status == 200 and elapsed < 1.0
    outbox = client.app[OUTBOX]
    deadline = time.monotonic() + 10
    while fake.refused == 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    with runtime.db.reader.connect() as conn:
        state = conn.execute(select(m.Outbox.state).where(m.Outbox.audience == "citizen")).scalar_one()
    assert fake.refused >= 1 and state in ("failed", "pending")
    assert not [t for t, _, _ in fake.sent if t == case.transport]
    fake.down = False
    await outbox.run_once(now=datetime.now(timezone.utc) + timedelta(hours=2))
    (ack,) = await replies_to(fake, case.transport, 1)
    assert "NTB-" in ack
    with runtime.db.reader.connect() as conn:
        state = conn.execute(select(m.Outbox.state).where(m.Outbox.audience == "citizen")).scalar_one()
    assert state == "delivered"
