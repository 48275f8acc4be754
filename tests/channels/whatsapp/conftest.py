"""Fixtures of the WhatsApp channel's tests: a service with the WhatsApp secrets, Meta's signature, stored rows."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

import channels.whatsapp
from api.app import create_app
from api.runtime import build_runtime
from store import models

FIXTURES = Path(__file__).parent / "fixtures"
APP_SECRET = "wa-app-secret-93be41d07c"
VERIFY_TOKEN = "wa-verify-token-7d02ee"
ACCESS_TOKEN = "EAAwaSystemUserToken987654"
PHONE_ID = "106540352242922"
PATH = "/webhooks/whatsapp"


def fixture(name: str) -> bytes:
    """Return a fixture's bytes exactly as Meta sends them (non-ASCII escaped as \\u00e9)."""
    return (FIXTURES / f"{name}.json").read_bytes()


def sign(body: bytes, secret: str = APP_SECRET) -> dict[str, str]:
    """Return the headers Meta sends with a body: JSON, and X-Hub-Signature-256 over the raw bytes."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def app_with_channel(runtime):
    """Build the whole app, adding the WhatsApp routes if channels.REGISTRY does not list the package yet."""
    app = create_app(runtime)
    if not any(r.canonical == PATH for r in app.router.resources()):
        channels.whatsapp.add_routes(app, runtime)
    return app


@pytest.fixture
def wa():
    """The helpers of these tests: fixtures as bytes, Meta's signature, the secrets and the path."""
    return SimpleNamespace(fixture=fixture, sign=sign, app_secret=APP_SECRET, verify_token=VERIFY_TOKEN,
                           access_token=ACCESS_TOKEN, phone_id=PHONE_ID, path=PATH, app_with_channel=app_with_channel)


@pytest.fixture
def wa_env(env):
    """The test environment with the WhatsApp app secret, verify token, access token and phone number id set."""
    return replace(env, whatsapp_app_secret=APP_SECRET, whatsapp_verify_token=VERIFY_TOKEN, whatsapp_token=ACCESS_TOKEN,
                   whatsapp_phone_id=PHONE_ID)


@pytest.fixture
def wa_runtime(wa_env, sample_config):
    """A runtime on a fresh database with the WhatsApp channel on."""
    rt = build_runtime(wa_env, sample_config)
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


@pytest.fixture
async def wa_client(aiohttp_client, wa_runtime):
    """An HTTP client of the app with `/webhooks/whatsapp` on."""
    return await aiohttp_client(app_with_channel(wa_runtime))


@pytest.fixture
def count(wa_runtime):
    """Count the rows of a model (Complaint, InboundMessage, Outbox), with optional conditions."""

    def rows(model, *where) -> int:
        with wa_runtime.db.reader.connect() as conn:
            return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    return rows


@pytest.fixture
def stored(wa_runtime):
    """Return the stored inbound messages as (provider_message_id, sender_id, normalized), in id order."""

    def rows() -> list[tuple]:
        with wa_runtime.db.reader.connect() as conn:
            t = models.InboundMessage
            result = conn.execute(select(t.provider_message_id, t.sender_id, t.normalized).order_by(t.id))
            return [tuple(r) for r in result]

    return rows
