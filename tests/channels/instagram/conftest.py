"""Fixtures of the Instagram channel's tests: Meta's shared fixtures, for an Instagram professional account."""

from __future__ import annotations

import pytest

from tests.channels.instagram.instagram_channel import INSTAGRAM
from tests.channels.meta.meta_fixtures import (  # noqa: F401 - the fixtures every Meta channel's tests share
    channel_client, channel_env, channel_runtime, count, stored)


@pytest.fixture
def channel():
    """The channel these tests are about: Instagram Direct."""
    return INSTAGRAM
