"""A per-address sliding-window limit for the public form and API."""

from __future__ import annotations

import time
from collections import deque


class RateLimiter:
    """Allow at most `per_minute` hits per address in any 60-second window."""

    def __init__(self, per_minute: int, trust_forwarded_for: bool = False, clock=time.monotonic, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self.trust_forwarded_for = trust_forwarded_for
        self.clock = clock
        self.max_keys = max_keys
        self._hits: dict[str, deque[float]] = {}

    def address(self, remote: str | None, forwarded_for: str | None) -> str:
        """Return the address a request counts against: the peer, or the first X-Forwarded-For entry.

        The header is trusted only behind our own proxy, which overwrites it: otherwise anyone could
        pick any address and slip past the limit.
        """
        if self.trust_forwarded_for and forwarded_for:
            first = forwarded_for.split(",", 1)[0].strip()
            if first:
                return first[:64]
        return remote or "unknown"

    def allow(self, key: str) -> bool:
        """Record a hit for `key`; return False when it is over the limit."""
        now = self.clock()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._prune(now)
            hits = self._hits[key] = deque()
        while hits and now - hits[0] >= 60:
            hits.popleft()
        if len(hits) >= self.per_minute:
            return False
        hits.append(now)
        return True

    def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again."""
        hits = self._hits.get(key)
        if not hits:
            return 0
        return max(1, int(60 - (self.clock() - hits[0])) + 1)

    def _prune(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or now - h[-1] >= 60]:
            del self._hits[key]
