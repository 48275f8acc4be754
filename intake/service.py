"""The front of intake: route with the config in force, then hand to the writer."""

from __future__ import annotations

from complaints.model import InboundMessage, IntakeResult
from intake.writer import IntakeWriter
from router import Router


class Intake:
    """What channels call: `accept(message)` answers only after the message is committed."""

    def __init__(self, writer: IntakeWriter, router: Router) -> None:
        self.writer = writer
        self.router = router

    def use(self, router: Router) -> None:
        """Switch to a newly loaded config; messages already queued keep the one they were routed with."""
        self.router = router

    async def accept(self, msg: InboundMessage) -> IntakeResult:
        """Store, open or join, route and answer; raise StoreUnavailable when it cannot be stored.

        Raises router.UnknownRegion when the message names a region the config does not know.
        """
        router = self.router
        decision = router.route(msg.text, region=msg.region, channel=msg.channel, kind=msg.kind)
        return await self.writer.submit(msg, decision, router)
