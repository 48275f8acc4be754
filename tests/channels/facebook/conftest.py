"""Fixtures of the Facebook channel's tests: Meta's shared fixtures, for the Facebook page."""

from __future__ import annotations

import pytest

from tests.channels.facebook.facebook_channel import FACEBOOK
from tests.channels.meta.meta_fixtures import (  # noqa: F401 - the fixtures every Meta channel's tests share
    channel_client, channel_env, channel_runtime, count, stored)


@pytest.fixture
def channel():
    """The channel these tests are about: the Facebook page."""
    return FACEBOOK
