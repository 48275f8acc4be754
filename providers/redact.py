"""Blank known secrets (tokens, passwords, signing keys) in a text meant for an outcome detail or a log."""

from __future__ import annotations

from collections.abc import Iterable

MASK = "[redacted]"


def blank_secrets(text: str, secrets: Iterable[str | None], mask: str = MASK) -> str:
    """Return `text` with every secret given replaced by `mask`, in the order given; empty secrets are skipped."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, mask)
    return text
