"""Fixtures of the agency webhook: a fake agency on loopback, a service that forwards to it, a 1 s session."""

from __future__ import annotations

import io
import shutil

import aiohttp
import pytest
from aiohttp import web

from agency_webhook_helpers import (AGENCY, AGENCY_EMAIL_LINE, ROUTED_TO_AGENCY, SECRET, VARIABLE, FakeAgency,
                                    delivery_from, webhook_row)
from app.server import create_app
from config.logging import configure
from app.build import build_runtime
from config.loader import load_config
from providers.outcome import Delivery
from tests.conftest import with_env


@pytest.fixture
async def agency(aiohttp_server):
    """Start the fake agency on 127.0.0.1; its webhook URL is `agency.url`."""
    fake = FakeAgency(SECRET)
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    fake.url = str(server.make_url("/aduan/hook"))
    return fake


@pytest.fixture
def webhook_runtime(agency, env, tmp_path, monkeypatch):
    """A runtime whose config gives puskesmas-aikmel a webhook to the fake agency, its secret set; no outbox worker."""
    monkeypatch.setenv(VARIABLE, SECRET)
    config_dir = tmp_path / "config"
    shutil.copytree(env.config_dir, config_dir)
    agencies = (config_dir / "agencies.yaml").read_text()
    assert agencies.count(AGENCY_EMAIL_LINE) == 1, "the sample config changed: update AGENCY_EMAIL_LINE"
    agencies = agencies.replace(AGENCY_EMAIL_LINE, f"      - webhook: {agency.url}\n" + AGENCY_EMAIL_LINE)
    (config_dir / "agencies.yaml").write_text(agencies)
    result = load_config(config_dir)
    assert result.errors == []
    # The tests send by hand; a worker in the app would race them for the rows.
    rt = build_runtime(with_env(env, config_dir=str(config_dir), outbox_worker=False), result.config)
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


@pytest.fixture
async def webhook_client(aiohttp_client, webhook_runtime):
    """An API client of the service that forwards to the fake agency."""
    return await aiohttp_client(create_app(webhook_runtime))


@pytest.fixture
async def session():
    """The session a deliverer is handed, with a 1 s timeout so a slow agency shows quickly."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as s:
        yield s


@pytest.fixture
def submit(webhook_client, webhook_runtime):
    """Submit a complaint through the API; return its code and the Delivery of its agency webhook row."""

    async def run(text: str = ROUTED_TO_AGENCY, **extra) -> tuple[str, Delivery]:
        resp = await webhook_client.post("/api/v1/complaints", json={"text": text, **extra})
        assert resp.status == 201, await resp.text()
        body = await resp.json()
        assert body["agency"]["code"] == AGENCY
        return body["code"], delivery_from(webhook_row(webhook_runtime, body["code"]))

    return run


@pytest.fixture
def log_text():
    """Capture structlog's JSON lines; call the fixture's value to read them as one string."""
    buffer = io.StringIO()
    configure("INFO", json_output=True, stream=buffer)
    yield buffer.getvalue
    configure("INFO")
