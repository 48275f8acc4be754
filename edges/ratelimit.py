"""A per-address sliding-window limit for the public form and API."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable

# What a hit that stores nothing weighs (a bad submission, a lookup): a school or a carrier's shared address
# is not locked out by one person's typos, while each stored complaint or unknown code counts in full.
LIGHT_COST = 0.25


class RateLimiter:
    """Allow at most `per_minute` hits per address in any 60-second window; a hit may weigh less (or more) than one."""

    LIGHT = LIGHT_COST  # for callers that hold a limiter and import nothing of the API

    def __init__(self, per_minute: int, trust_forwarded_for: int = 0, clock=time.monotonic, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self.trust_forwarded_for = int(trust_forwarded_for)  # trusted proxies in front (True reads as 1)
        self.clock = clock
        self.max_keys = max_keys
        self._hits: dict[str, deque[tuple[float, float]]] = {}  # (when, cost) of each hit
        self._totals: dict[str, float] = {}

    def address(self, remote: str | None, forwarded_for: str | Iterable[str] | None) -> str:
        """Return the address a request counts against: the peer, or behind N trusted proxies the N-th
        X-Forwarded-For entry from the right (the leftmost when there are fewer).

        Each proxy appends the address it saw, so only the last N entries are ours to trust; whatever is
        left of them the client wrote. `forwarded_for` may be every X-Forwarded-For line of the request.
        """
        proxies = self.trust_forwarded_for
        if proxies and forwarded_for:
            joined = forwarded_for if isinstance(forwarded_for, str) else ",".join(forwarded_for)
            entries = [entry.strip() for entry in joined.split(",") if entry.strip()]
            if entries:
                # Fewer entries than proxies: a proxy in front did not add one; the leftmost is still the one
                # seen furthest out, and never the peer, which is our own proxy.
                return entries[-min(proxies, len(entries))][:64]
        return remote or "unknown"

    def allow(self, key: str, cost: float = 1.0) -> bool:
        """Record a hit weighing `cost` for `key`; return False, recording nothing, when it would pass the limit."""
        now = self.clock()
        hits = self._window(key, now)
        if self._totals[key] + cost > self.per_minute + 1e-9:
            return False
        hits.append((now, cost))
        self._totals[key] += cost
        return True

    def charge(self, key: str, cost: float) -> None:
        """Add `cost` to `key` without refusing: the rest of a hit whose weight shows only once it has been served."""
        now = self.clock()
        self._window(key, now).append((now, cost))
        self._totals[key] += cost

    def retry_after(self, key: str, cost: float = 1.0) -> int:
        """Seconds until `key` may make a hit weighing `cost` again."""
        hits = self._hits.get(key)
        if not hits:
            return 0
        now = self.clock()
        excess = self._totals[key] + cost - self.per_minute
        for at, weight in hits:
            excess -= weight
            if excess <= 1e-9:
                return max(1, int(60 - (now - at)) + 1)
        return max(1, int(60 - (now - hits[-1][0])) + 1)

    def _window(self, key: str, now: float) -> deque[tuple[float, float]]:
        """Return `key`'s hits of the last 60 seconds (its total kept alongside), making room for a new key."""
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= self.max_keys:
                self._prune(now)
            hits = self._hits[key] = deque()
            self._totals[key] = 0.0
        while hits and now - hits[0][0] >= 60:
            self._totals[key] -= hits.popleft()[1]
        if not hits:
            self._totals[key] = 0.0  # no drift from adding and taking away fractions
        return hits

    def _prune(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or now - h[-1][0] >= 60]:
            del self._hits[key]
            del self._totals[key]
