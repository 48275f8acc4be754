"""What the registry contract needs from a channel: its cases, and one fake provider server that asks each case.

Each messaging channel's test folder has `contract.py` exporting `CASES`, one `ContractCase` per transport citizens
write on (SMS has three gateways); tests/channels/test_registry_contract.py runs them all against the same contract.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from aiohttp import web

PUBLIC_URL = "http://aduan.test"  # the service's public URL in the contract, which Twilio signs over

Message = tuple[bytes, dict[str, str], str]  # body, headers, query string


class Sent(NamedTuple):
    """A reply a fake provider API took: to whom on which transport, what text, and the provider's answer."""

    transport: str
    to: str
    text: str
    answer: Any  # the JSON the provider answers with
    status: int = 200


def no_setup(_path: str) -> Any:
    """A channel whose provider is called for nothing but replies."""
    return None


@dataclass(frozen=True)
class ContractCase:
    """How the contract reaches one transport: its webhook, its settings, a signed message and its provider API."""

    transport: str  # the transport its replies go out on, and the case's name
    path: str
    method: str
    settings: Mapping[str, str]  # for `with_env`: the channel's secrets and numbers
    api_urls: Mapping[str, str]  # settings pointing at the fake provider: name -> path under the fake's root
    build: Callable[[str, str, str], Message]  # (text, provider message id, sender) -> a signed message
    spoil: Callable[[dict[str, str], str], tuple[dict[str, str], str]]  # (headers, query) without the proof
    sign_garbage: Callable[[bytes], dict[str, str]] | None  # headers signing any bytes; None: no raw body
    fake: Callable[[str, dict], Sent | None]  # (path, parsed data) -> the reply its provider API took, if its call
    setup: Callable[[str], Any] = field(default=no_setup)  # (path) -> the answer to a setup call, even while down


def without_header(name: str) -> Callable[[dict[str, str], str], tuple[dict[str, str], str]]:
    """Return a `spoil` dropping one header (any case), where a channel's proof is."""

    def spoil(headers: dict[str, str], query: str) -> tuple[dict[str, str], str]:
        return {k: v for k, v in headers.items() if k.lower() != name.lower()}, query

    return spoil


def fake_settings(cases: Iterable[ContractCase], root: str) -> dict[str, str]:
    """Return every case's settings with its API URLs under the fake's root; two cases never disagree on one."""
    merged: dict[str, str] = {}
    for case in cases:
        for name, value in (*case.settings.items(), *((n, root + p) for n, p in case.api_urls.items())):
            if merged.setdefault(name, value) != value:
                raise ValueError(f"{case.transport}: {name} is {value!r}, another case has {merged[name]!r}")
    return merged


class FakeProviders:
    """One loopback server standing in for every case's provider API; each case recognises its own calls."""

    def __init__(self, cases: Iterable[ContractCase]) -> None:
        self.cases = tuple(cases)
        self.sent: list[tuple[str, str, str]] = []  # (transport, to, text)
        self.down = False  # every provider answers replies with 503 while set
        self.refused = 0

    async def handle(self, request: web.Request) -> web.Response:
        """Answer a setup call, refuse while down, or record the reply of the case whose API was called."""
        path = request.path
        for case in self.cases:
            answer = case.setup(path)
            if answer is not None:
                return web.json_response(answer)
        if self.down:
            self.refused += 1
            return web.json_response({"error": "temporarily unavailable"}, status=503)
        raw = await request.read()
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = dict((await request.post()).items())
        for case in self.cases:
            sent = case.fake(path, data)
            if sent is not None:
                self.sent.append((sent.transport, sent.to, sent.text))
                return web.json_response(sent.answer, status=sent.status)
        return web.json_response({"error": f"fake has no {path}"}, status=404)
