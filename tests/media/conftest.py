"""Fixtures of the media fetcher's tests: the fake provider on 127.0.0.1 (the configured API roots' host), another
server on 127.0.0.2 (a loopback host no setting names), and a service pointed at the first, fetching on demand."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from api.auth import token_hash
from app.build import build_runtime
from app.server import create_app
from store import access
from store.models import Attachment, Complaint
from tests.conftest import OPERATOR_TOKEN, with_env
from tests.media.fakes import BOT_TOKEN, GRAPH_VERSION, TWILIO_SID, TWILIO_TOKEN, WA_TOKEN, FakeProvider


@pytest.fixture
async def provider(aiohttp_server) -> FakeProvider:
    """The fake provider on 127.0.0.1."""
    fake = FakeProvider()
    server = await aiohttp_server(fake.app, host="127.0.0.1")
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
async def elsewhere(aiohttp_server) -> FakeProvider:
    """The same fake on 127.0.0.2, a host no setting and no provider names."""
    fake = FakeProvider()
    server = await aiohttp_server(fake.app, host="127.0.0.2")
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
def media_env(env, provider):
    """Telegram, WhatsApp, Facebook, Instagram and Twilio pointed at the fake; no background workers (the tests
    fetch with `run_once`)."""
    return with_env(env, outbox_worker=False, telegram_token=BOT_TOKEN, telegram_api_url=provider.url,
                    whatsapp_token=WA_TOKEN, graph_api_url=f"{provider.url}/{GRAPH_VERSION}",
                    instagram_api_url=f"{provider.url}/{GRAPH_VERSION}", twilio_account_sid=TWILIO_SID,
                    twilio_auth_token=TWILIO_TOKEN, twilio_api_url=provider.url)


@pytest.fixture
def media_runtime(media_env, sample_config):
    """A runtime of that service on a fresh database."""
    rt = build_runtime(media_env, sample_config)
    yield rt
    rt.readers.shutdown(wait=True)
    rt.db.dispose()


@pytest.fixture
async def media_client(aiohttp_client, media_runtime):
    """An HTTP client of the whole app (intake running, fetches on demand)."""
    return await aiohttp_client(create_app(media_runtime))


@pytest.fixture
def operator_auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {OPERATOR_TOKEN}"}


def attachment(runtime, attachment_id: int | None = None) -> dict:
    """The attachment row (the only one, or the one of this id) with its complaint's agency."""
    query = (select(Attachment.__table__, Complaint.agency, Complaint.anonymous)
             .join(Complaint, Complaint.id == Attachment.complaint_id).order_by(Attachment.id))
    with runtime.db.reader.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    if attachment_id is None:
        assert len(rows) == 1, rows
        return rows[0]
    return next(r for r in rows if r["id"] == attachment_id)


def agency_token(runtime, agency: str) -> dict[str, str]:
    """The Authorization header of a new token of an agency."""
    token = f"adu_media_{agency}"
    with runtime.db.writer.begin() as conn:
        access.add_token(conn, token_hash(token), "agency", agency, None, datetime.now(timezone.utc))
    return {"Authorization": f"Bearer {token}"}


def other_agency(runtime, agency: str | None) -> str:
    """An agency of the sample configuration other than this one."""
    return next(a for a in runtime.config.agencies if a != agency)
