"""Fixtures of the shared Meta tests: each test runs once for every Meta channel."""

from __future__ import annotations

import pytest

from tests.channels.meta.meta_channels import META_CHANNELS
from tests.channels.meta.meta_fixtures import (  # noqa: F401 - the fixtures every Meta channel's tests share
    channel_client, channel_env, channel_runtime, count, graph, session, stored)


@pytest.fixture(params=META_CHANNELS, ids=lambda c: c.name)
def channel(request):
    """The Meta channel under test: each in turn."""
    return request.param
