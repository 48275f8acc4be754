"""The one ladder every webhook climbs: authentic? readable? each message stored? then one answer per outcome.

STYLE.md 3: not authentic 401/403 and nothing stored; malformed 400; understood but not handled 200 and a log
line; stored 200 only after the commit; our own failure (the store) 503 with Retry-After, so the provider retries.
Every channel logs the same events with its `channel=` field: `channel.unauthentic`, `channel.malformed`,
`channel.ignored`, `channel.accepted`, `channel.store_unavailable`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import structlog
from aiohttp import web

from channels.descriptor import Accepts
from complaints.model import InboundMessage, IntakeResult
from providers.outcome import StatusReport
from store.db import StoreUnavailable

log = structlog.get_logger("channels")


@dataclass(frozen=True)
class Unauthentic:
    """The request is not from the provider (no or a wrong signature, secret or timestamp): 401 or 403."""

    reason: str
    status: int = 403  # 401 when the proof is missing altogether


@dataclass(frozen=True)
class Malformed:
    """A request that is not of the provider's format (answered 400); `reason` is safe to log."""

    reason: str


@dataclass(frozen=True)
class Ignored:
    """Understood and not handled (a status callback, a reaction…): 200, so the provider does not retry.

    `understood=False`: authentic but unreadable to us; still 200, since a retry would bring the same bytes.
    """

    reason: str
    understood: bool = True
    ref: int | str | None = None  # the provider's id of what was ignored, for the log


@dataclass(frozen=True)
class Parsed:
    """What one request holds: messages for intake, and the reasons its other events were ignored."""

    messages: tuple[InboundMessage, ...] = ()
    ignored: tuple[str, ...] = ()
    statuses: tuple[StatusReport, ...] = ()  # the provider's status callbacks for messages we sent


Result = Parsed | Ignored | Malformed | InboundMessage | Sequence[InboundMessage]


def plain(status: int, text: str, headers: dict[str, str] | None = None) -> web.Response:
    """A text/plain answer (no JSON: Telegram would take a JSON answer with "method" as a Bot API call)."""
    return web.Response(status=status, text=text, content_type="text/plain", headers=headers)


def unavailable() -> web.Response:
    """The answer that makes a provider retry later: the message is not stored."""
    return plain(503, "cannot store this right now; try again", {"Retry-After": "5"})


class Ladder:
    """One channel's answers to each outcome; `ok` is the body its provider expects on success (TwiML, JSON…)."""

    def __init__(self, channel: str, intake: Accepts, ok: Callable[[], web.Response] = lambda: plain(200, "ok"),
                 statuses: Callable[[Sequence[StatusReport]], Awaitable[Mapping[str, int]]] | None = None) -> None:
        self.channel = channel
        self.intake = intake
        self.ok = ok
        self.statuses = statuses  # where status callbacks go (Ports.record_statuses); None: a channel without them

    def refuse(self, verdict: Unauthentic, **fields) -> web.Response:
        """Answer a request that is not the provider's: nothing is read further, nothing stored."""
        log.warning("channel.unauthentic", channel=self.channel, reason=verdict.reason, **fields)
        return plain(verdict.status, "signature required" if verdict.status == 401 else "forbidden")

    def malformed(self, reason: str, **fields) -> web.Response:
        """Answer a request that is not of the provider's format."""
        log.info("channel.malformed", channel=self.channel, reason=reason, **fields)
        return plain(400, f"malformed: {reason}")

    def ignored(self, result: Ignored, **fields) -> web.Response:
        """Answer what we understood and do not handle (or could not read although authentic) with 200."""
        (log.info if result.understood else log.warning)(
            "channel.ignored", channel=self.channel, reason=result.reason, understood=result.understood,
            ref=result.ref, **fields)
        return self.ok()

    async def accept(self, msg: InboundMessage, **fields) -> IntakeResult | None:
        """Hand one message to intake; None when the store cannot take it (the caller answers `unavailable()`)."""
        try:
            accepted = await self.intake.accept(msg)
        except StoreUnavailable:
            log.warning("channel.store_unavailable", channel=self.channel, provider_message_id=msg.provider_message_id,
                        **fields)
            return None
        structlog.contextvars.bind_contextvars(code=accepted.code)
        log.info("channel.accepted", channel=self.channel, code=accepted.code, outcome=accepted.outcome,
                 provider_message_id=msg.provider_message_id, attachments=len(msg.attachments), **fields)
        return accepted

    async def take(self, result: Result, **fields) -> web.Response:
        """Answer a parsed request: 400, 200 ignored, or each message stored in order then `ok` (503 if one is not)."""
        if isinstance(result, Malformed):
            return self.malformed(result.reason, **fields)
        if isinstance(result, Ignored):
            return self.ignored(result, **fields)
        if isinstance(result, InboundMessage):
            result = Parsed((result,))
        elif not isinstance(result, Parsed):
            result = Parsed(tuple(result))
        for reason, times in Counter(result.ignored).items():
            log.info("channel.ignored", channel=self.channel, reason=reason, count=times, **fields)
        # In order, one at a time: a sender's second message must find the complaint the first opened.
        for msg in result.messages:
            if await self.accept(msg, **fields) is None:
                return unavailable()
        if result.statuses and self.statuses is not None:
            try:
                counts = await self.statuses(result.statuses)
            except StoreUnavailable:
                log.warning("channel.store_unavailable", channel=self.channel, statuses=len(result.statuses), **fields)
                return unavailable()
            log.info("channel.statuses", channel=self.channel, **counts, **fields)
        return self.ok()
