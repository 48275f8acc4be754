"""Fixtures of the sweep tests: fake agency webhooks on loopback and a service whose config forwards to them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from aiohttp import web

from app.build import build_runtime
from sweep_helpers import WEBHOOK_AGENCIES, FakeAgencies, load, secrets_env, write_config
from tests.conftest import with_env


@pytest.fixture
async def agencies(aiohttp_server) -> FakeAgencies:
    """Start the fake agencies' webhooks on 127.0.0.1."""
    fake = FakeAgencies()
    app = web.Application()
    app.router.add_post("/hook/{agency}", fake.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
def webhook_config_dir(agencies, tmp_path, monkeypatch):
    """The sample config with webhooks to the fake agencies; their secrets set in this process's environment."""
    for name, value in secrets_env(WEBHOOK_AGENCIES).items():
        monkeypatch.setenv(name, value)
    return write_config(tmp_path / "config", webhooks={a: agencies.hook(a) for a in WEBHOOK_AGENCIES})


@pytest.fixture
def sweep_runtime(env, webhook_config_dir):
    """A runtime on the test's database with the webhook config and no outbox worker (the tests drain by hand)."""
    config = load(webhook_config_dir, secrets_env(WEBHOOK_AGENCIES))
    rt = build_runtime(with_env(env, config_dir=str(webhook_config_dir), outbox_worker=False), config)
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


@pytest.fixture
def cli_env(env, webhook_config_dir) -> dict[str, str]:
    """The variables `python main.py sweep` needs to work on the test's store and config."""
    return {"ADUAN_DATABASE_URL": env.database_url, "ADUAN_CONFIG_DIR": str(webhook_config_dir),
            **secrets_env(WEBHOOK_AGENCIES)}
