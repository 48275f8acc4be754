"""The front of intake: check the message against the config in force, hand it to the writer, answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from complaints.model import InboundMessage, IntakeResult, without_control_characters
from config.loader import Config
from router import InForce, UnknownRegion
from intake.fit import fit_to_store

class Writer(Protocol):
    """What intake needs of a writer (the thread writer or the writer process)."""

    def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def submit(self, msg: InboundMessage, config: Config) -> IntakeResult: ...


Observer = Callable[[InboundMessage, IntakeResult], None]


class Intake:
    """What channels call: `accept(message)` answers only after the message is committed."""

    def __init__(self, writer: Writer, in_force: InForce, observe: Observer | None = None) -> None:
        self.writer = writer
        self.in_force = in_force
        self.observe = observe

    async def accept(self, msg: InboundMessage) -> IntakeResult:
        """Store, open or join, route and answer; raise StoreUnavailable when it cannot be stored.

        Raises UnknownRegion when the message names a region the config does not know. The writer
        routes a message that opens a complaint (a follow-up needs no routing) with the config in
        force when it arrived.
        """
        msg = fit_to_store(without_control_characters(msg))
        config = self.in_force.config
        if msg.region is not None and msg.region not in config.regions:
            raise UnknownRegion(f'unknown region "{msg.region}"')
        result = await self.writer.submit(msg, config)
        if self.observe is not None:
            self.observe(msg, result)
        return result
