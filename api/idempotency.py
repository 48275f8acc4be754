"""Idempotency-Key as a provider message id of channel `api`: scoped to its caller, kept 7 days."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.engine import Connection

from store import models as m

KEPT = timedelta(days=7)
MAX_KEY = 200
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def scope(secret: bytes, caller: str) -> str:
    """A short keyed hash of the caller (`token:<id>`, `env` or `addr:<address>`): stored ids name no address."""
    return hmac.new(secret, caller.encode(), hashlib.sha256).hexdigest()[:20]


def period(at: datetime) -> int:
    """The 7-day period `at` falls in, counted from 1970."""
    return (at - _EPOCH) // KEPT


def stored_id(scoped: str, key: str, in_period: int) -> str:
    """The provider message id of `key` used by the caller `scoped` in the 7-day period `in_period`."""
    return f"key:{scoped}:{in_period}:{key}"


def received_at(conn: Connection, provider_message_id: str) -> datetime | None:
    """When the API message stored under `provider_message_id` was received, or None."""
    return conn.execute(select(m.InboundMessage.received_at).where(
        m.InboundMessage.channel == "api", m.InboundMessage.provider_message_id == provider_message_id)).scalar()
