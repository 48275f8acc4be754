"""The Prometheus figures of SPEC section 12, in one registry per service: counted as requests happen, gauges at scrape."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# The store-derived gauges are at most this old: a scrape counts no rows while they are fresher.
MAX_AGE_SECONDS = 30.0
Counts = tuple[Mapping[str, int], Mapping[str, int]]  # complaints per status, outbox rows per state


class Metrics:
    """Counters kept as requests happen; store-derived gauges filled at scrape time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_age: float = MAX_AGE_SECONDS) -> None:
        self.clock = clock
        self.max_age = max_age
        self._counted_at: float | None = None
        self._counting = asyncio.Lock()
        self.registry = CollectorRegistry()
        self.messages_in = Counter("aduan_messages_in", "Messages stored, per channel", ["channel"], registry=self.registry)
        self.routing = Counter("aduan_routing_decisions", "Complaints opened, per matching rule", ["rule"], registry=self.registry)
        self.complaints = Gauge("aduan_complaints", "Complaints per status", ["status"], registry=self.registry)
        self.deliveries = Gauge("aduan_deliveries", "Outbox rows per state", ["state"], registry=self.registry)
        self.outbox_depth = Gauge("aduan_outbox_depth", "Outbox rows waiting to be sent", registry=self.registry)
        self.latency = Histogram(
            "aduan_request_seconds",
            "Request latency by route",
            ["route", "method"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )

        self._latency_children: dict[tuple[str, str], object] = {}
        self._counter_children: dict[tuple[int, str], object] = {}

    def count(self, counter: Counter, label: str) -> None:
        """Add one to a one-label counter (label children cached: this runs on every message)."""
        key = (id(counter), label)
        child = self._counter_children.get(key)
        if child is None:
            child = self._counter_children[key] = counter.labels(label)
        child.inc()

    def observe_latency(self, route: str, method: str, seconds: float) -> None:
        """Record one request's latency (label children cached: this runs on every request)."""
        child = self._latency_children.get((route, method))
        if child is None:
            child = self._latency_children[(route, method)] = self.latency.labels(route, method)
        child.observe(seconds)

    async def refresh(self, count: Callable[[], Awaitable[Counts]], statuses: Iterable[str], states: Iterable[str],
                      waiting: Iterable[str]) -> None:
        """Fill the store-derived gauges from `count()` unless they are under `max_age` seconds old.

        Every known status and state is set, 0 when no row has it, so a figure that drops to none reads 0; when
        `count()` raises, the gauges keep their last figures and the next scrape tries again.
        """
        async with self._counting:  # scrapes that come together count once
            if self._counted_at is not None and self.clock() - self._counted_at < self.max_age:
                return
            by_status, by_state = await count()
            for status in {*statuses, *by_status}:
                self.complaints.labels(status).set(by_status.get(status, 0))
            for state in {*states, *by_state}:
                self.deliveries.labels(state).set(by_state.get(state, 0))
            self.outbox_depth.set(sum(by_state.get(state, 0) for state in waiting))
            self._counted_at = self.clock()

    def render(self) -> bytes:
        """The registry in Prometheus text format."""
        return generate_latest(self.registry)
