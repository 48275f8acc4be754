"""Every Meta channel the shared tests in this folder run for, derived from the registry.

A registered channel is a Meta channel here when its test folder has `<name>_channel.py` with a `MetaChannel`
named after it in capitals (`tests/channels/facebook/facebook_channel.py` holds `FACEBOOK`).
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping

import pytest

from channels import REGISTRY
from tests.channels.meta.meta_helpers import MetaChannel


def _described(name: str) -> MetaChannel | None:
    module = f"tests.channels.{name}.{name}_channel"
    if importlib.util.find_spec(f"tests.channels.{name}") is None or importlib.util.find_spec(module) is None:
        return None
    return getattr(importlib.import_module(module), name.upper())


META_CHANNELS = tuple(c for c in (_described(channel.name) for channel in REGISTRY) if c is not None)


def another(channel: MetaChannel) -> MetaChannel:
    """Return a Meta channel other than this one, whose secrets must not open this one's webhook."""
    return next(c for c in META_CHANNELS if c is not channel)


def each_channel(rows: Callable[[MetaChannel], Mapping[str, tuple]]) -> list:
    """Return pytest params (channel, *row) for every row of each Meta channel's table, with ids "channel: label"."""
    return [pytest.param(c, *row, id=f"{c.name}: {label}") for c in META_CHANNELS for label, row in rows(c).items()]
