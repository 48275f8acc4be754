"""Which address a submission counts against for the rate limit."""

from __future__ import annotations


def client_address(remote: str | None, forwarded_for: str | None, trust_forwarded_for: bool) -> str:
    """Return the peer address, or the first X-Forwarded-For entry when our own proxy sets it.

    Only trust the header behind a proxy that overwrites it: otherwise anyone can pick any
    address and slip past the limit.
    """
    if trust_forwarded_for and forwarded_for:
        first = forwarded_for.split(",", 1)[0].strip()
        if first:
            return first[:64]
    return remote or "unknown"
