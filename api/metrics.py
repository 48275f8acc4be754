"""Prometheus metrics of SPEC section 12, in one registry per app."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """Counters kept as requests happen; store-derived gauges filled at scrape time."""

    def __init__(self) -> None:
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

    def render(self) -> bytes:
        return generate_latest(self.registry)
