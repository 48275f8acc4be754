"""Fixtures of the WhatsApp channel's tests: Meta's shared fixtures, for the WhatsApp Cloud API."""

from __future__ import annotations

import pytest

from tests.channels.meta.meta_fixtures import (  # noqa: F401 - the fixtures every Meta channel's tests share
    channel_client, channel_env, channel_runtime, count, stored)
from tests.channels.whatsapp.whatsapp_channel import WHATSAPP


@pytest.fixture
def channel():
    """The channel these tests are about: WhatsApp."""
    return WHATSAPP
