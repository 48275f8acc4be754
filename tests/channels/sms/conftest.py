"""Fixtures of the SMS channel: a service with all three gateways on, and captured logs."""

from __future__ import annotations

import io

import pytest

from app.server import create_app
from config.logging import configure
from app.build import build_runtime
from tests.conftest import with_env
from sms_helpers import PUBLIC_URL, SMS_SECRET, TWILIO_SID, TWILIO_TOKEN, VONAGE_METHOD, VONAGE_SECRET


@pytest.fixture
def sms_env(env):
    """The test environment with the three gateways configured, behind a public HTTPS URL."""
    return with_env(
        env, public_url=PUBLIC_URL,
        twilio_auth_token=TWILIO_TOKEN, twilio_account_sid=TWILIO_SID, twilio_from="+6281100001708",
        vonage_signature_secret=VONAGE_SECRET, vonage_signature_method=VONAGE_METHOD,
        vonage_api_key="abcd1234", vonage_api_secret="vonage-api-secret-0c4e", vonage_from="AduanNTB",
        sms_secret=SMS_SECRET,
    )


@pytest.fixture
def sms_runtime(sms_env, sample_config):
    """A runtime with the SMS gateways on, on a fresh database."""
    rt = build_runtime(sms_env, sample_config)
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


def make_app(runtime):
    """The whole app, SMS gateways included."""
    return create_app(runtime)


@pytest.fixture
async def sms_client(aiohttp_client, sms_runtime):
    """An HTTP client of the app with the SMS gateways on."""
    return await aiohttp_client(make_app(sms_runtime))


@pytest.fixture
async def client_with(aiohttp_client, sms_env, sample_config):
    """Build a client and runtime of the app with some environment fields changed."""
    built = []

    async def build(**changes):
        rt = build_runtime(with_env(sms_env, **changes), sample_config)
        client = await aiohttp_client(make_app(rt))
        built.append((client, rt))
        return client, rt

    yield build
    for client, rt in built:
        await client.close()
        rt.readers.shutdown(wait=True)
        rt.db.dispose()


@pytest.fixture
def log_text():
    """Capture structlog's JSON lines; call the fixture's value to read them as one string."""
    buffer = io.StringIO()
    configure("INFO", json_output=True, stream=buffer)
    yield buffer.getvalue
    configure("INFO")
