"""Retry timing: capped exponential backoff with full jitter, at least 1 s, the provider's Retry-After, 72 h."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from statistics import mean

from delivery.backoff import give_up, next_delay, retry_delay

T0 = datetime(2026, 3, 17, 2, 0, tzinfo=timezone.utc)


def test_delay_is_drawn_from_a_window_that_doubles_from_30_s_to_the_1_h_cap():
    """Attempt n waits between 1 s and min(3600, 30·2^(n-1)) seconds, spread evenly (full jitter)."""
    rng = random.Random(5)
    for attempt, window in [(1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (20, 3600)]:
        delays = [next_delay(attempt, rng) for _ in range(2000)]
        assert 1.0 <= min(delays) and max(delays) <= window
        assert abs(mean(delays) - window / 2) < window * 0.05
        assert max(delays) > window * 0.95


def test_delays_are_randomised_not_synchronised():
    """A hundred rows failing together get a hundred different delays, none gathered at the 1 s floor."""
    rng = random.Random(9)
    assert len({next_delay(1, rng) for _ in range(100)}) == 100


def test_delay_never_drops_below_one_second():
    """A tiny window still waits a second, so a failing row cannot spin."""
    rng = random.Random(1)
    assert min(next_delay(1, rng, base=0.001) for _ in range(100)) == 1.0


def test_a_seeded_generator_gives_the_same_delays():
    """The same seed gives the same schedule, so tests can rely on it."""
    assert [next_delay(4, random.Random(3)) for _ in range(3)] == [next_delay(4, random.Random(3))] * 3


def test_huge_attempt_counts_stay_at_the_cap():
    """Attempt 10,000 waits at most the cap instead of overflowing."""
    assert next_delay(10_000, random.Random(2)) <= 3600.0


def test_retry_after_is_honoured_when_longer_than_the_jittered_delay():
    """A provider's Retry-After of 15 minutes wins over a jittered delay of at most 30 s; a shorter one does not."""
    assert retry_delay(1, random.Random(1), retry_after=900.0) == 900.0
    assert retry_delay(1, random.Random(1), retry_after=0.5) == next_delay(1, random.Random(1))
    assert retry_delay(1, random.Random(1), retry_after=10 * 86400.0) == 72 * 3600.0


def test_give_up_after_72_hours():
    """A delivery is retried for 72 h from its creation, then given up."""
    assert not give_up(T0, T0 + timedelta(hours=71, minutes=59))
    assert give_up(T0, T0 + timedelta(hours=72))
    assert give_up(T0, T0 + timedelta(hours=1), horizon=timedelta(minutes=30))
