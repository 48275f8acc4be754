"""The front of intake: route with the config in force, then hand to the writer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from complaints.model import InboundMessage, IntakeResult
from config.loader import Config
from router import Decision, Router

Observer = Callable[[InboundMessage, Decision, IntakeResult], None]


class Writer(Protocol):
    """What intake needs of a writer (the thread writer or the writer process)."""

    def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def submit(self, msg: InboundMessage, decision: Decision, config: Config) -> IntakeResult: ...


class Intake:
    """What channels call: `accept(message)` answers only after the message is committed."""

    def __init__(self, writer: Writer, router: Router, observe: Observer | None = None) -> None:
        self.writer = writer
        self.router = router
        self.observe = observe

    def use(self, router: Router) -> None:
        """Switch to a newly loaded config; messages already queued keep the one they were routed with."""
        self.router = router

    async def accept(self, msg: InboundMessage) -> IntakeResult:
        """Store, open or join, route and answer; raise StoreUnavailable when it cannot be stored.

        Raises router.UnknownRegion when the message names a region the config does not know.
        """
        router = self.router
        decision = router.route(msg.text, region=msg.region, channel=msg.channel, kind=msg.kind)
        result = await self.writer.submit(msg, decision, router.config)
        if self.observe is not None:
            self.observe(msg, decision, result)
        return result
