"""The fixtures every Meta channel's tests share, for the channel the `channel` fixture names.

A folder's conftest imports them and defines `channel`: one MetaChannel, or (tests/channels/meta) each in turn.
"""

from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import func, select

from app.server import create_app
from store import models
from tests.channels.meta.fake_graph import start_graph
from tests.channels.meta.meta_helpers import running
from tests.conftest import with_env


@pytest.fixture
def channel_env(env, channel):
    """The test environment with the channel's secrets and tokens set."""
    return with_env(env, **channel.settings)


@pytest.fixture
def channel_runtime(channel_env, sample_config):
    """A runtime on a fresh database with the channel on."""
    with running(channel_env, sample_config) as rt:
        yield rt


@pytest.fixture
async def channel_client(aiohttp_client, channel_runtime):
    """An HTTP client of the whole app, the channel's webhook on."""
    return await aiohttp_client(create_app(channel_runtime))


@pytest.fixture
def count(channel_runtime):
    """Count the rows of a model (Complaint, InboundMessage, Outbox), with optional conditions."""

    def rows(model, *where) -> int:
        with channel_runtime.db.reader.connect() as conn:
            return conn.execute(select(func.count()).select_from(model).where(*where)).scalar_one()

    return rows


@pytest.fixture
def stored(channel_runtime):
    """Return the stored inbound messages as (provider_message_id, sender_id, normalized), in id order."""

    def rows() -> list[tuple]:
        with channel_runtime.db.reader.connect() as conn:
            t = models.InboundMessage
            result = conn.execute(select(t.provider_message_id, t.sender_id, t.normalized).order_by(t.id))
            return [tuple(r) for r in result]

    return rows


@pytest.fixture
async def graph(aiohttp_server, channel):
    """A fake Graph API on loopback that answers the channel's replies as Meta does."""
    return await start_graph(aiohttp_server, channel.graph_ok)


@pytest.fixture
async def session():
    """An HTTP client session for the deliverers."""
    async with aiohttp.ClientSession() as s:
        yield s
