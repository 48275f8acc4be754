"""When to try a failed delivery again: capped exponential backoff with full jitter, given up after 72 h.

Full jitter spreads retries of many rows that failed together over the whole window instead of
sending them back in synchronised bursts
(https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

BASE = 30.0
CAP = 3600.0
HORIZON = timedelta(hours=72)
MIN_DELAY = 1.0
# A provider's Retry-After is honoured up to the horizon; a larger one would only postpone the give-up.
MAX_RETRY_AFTER = HORIZON.total_seconds()
# 30 s * 2**7 is already past the 1 h cap; the exponent stops there so huge attempt counts cannot overflow.
_MAX_EXPONENT = 32


def next_delay(attempt: int, rng: random.Random, base: float = BASE, cap: float = CAP) -> float:
    """Return seconds to wait after failed attempt number `attempt` (1-based): uniform over min(cap, base·2^(attempt-1)), at least 1 s."""
    exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
    window = min(cap, base * 2.0**exponent)
    # Drawn from [1 s, window] rather than floored at 1 s, so the floor does not gather rows into one burst.
    return rng.uniform(MIN_DELAY, max(MIN_DELAY, window))


def retry_delay(
    attempt: int, rng: random.Random, retry_after: float | None = None, base: float = BASE, cap: float = CAP
) -> float:
    """Return the jittered delay, or the provider's Retry-After (up to 72 h) when it asks for longer."""
    delay = next_delay(attempt, rng, base, cap)
    if retry_after is not None and retry_after > delay:
        return min(float(retry_after), MAX_RETRY_AFTER)
    return delay


def give_up(created_at: datetime, now: datetime, horizon: timedelta = HORIZON) -> bool:
    """Tell whether a delivery created at `created_at` has been retried long enough to be declared dead."""
    return now - created_at >= horizon
