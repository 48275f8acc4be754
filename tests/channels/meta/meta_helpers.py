"""Helpers of the Meta channels' tests: a channel's description, Meta's signature, the handshake, signed posts."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.build import build_runtime
from channels.meta import SIGNATURE_HEADER, Parser, signature_of

CHALLENGE = "1158201444"
# What a Meta webhook reads at the most: WhatsApp's 3 MB payloads and a little room for the envelope.
MAX_BODY = 3 * 1024 * 1024 + 64 * 1024
# An acknowledgement as citizens get it, in Bahasa Indonesia.
REPLY_TEXT = "Aduan Anda sudah diterima. Kode: NTB-7K3QX9P2. Ketik STATUS NTB-7K3QX9P2 untuk melihat statusnya."


def sign(secret: str, body: bytes) -> dict[str, str]:
    """Return the headers Meta sends with a body: JSON, and X-Hub-Signature-256 over the raw bytes."""
    return {"Content-Type": "application/json", SIGNATURE_HEADER: signature_of(secret, body)}


async def post_signed(client, path: str, secret: str, body: bytes):
    """POST a body to a webhook path as Meta does, signed with `secret`; return the response."""
    return await client.post(path, data=body, headers=sign(secret, body))


def handshake_query(token: str | None, challenge: str | None = CHALLENGE, mode: str | None = "subscribe") -> dict:
    """Return the query of Meta's subscription GET; a None value leaves its parameter out."""
    query = {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": challenge}
    return {k: v for k, v in query.items() if v is not None}


@contextmanager
def running(env, config) -> Iterator:
    """Build a runtime of an environment, and shut it down when the block ends."""
    rt = build_runtime(env, config)
    try:
        yield rt
    finally:
        rt.readers.shutdown(wait=True)
        rt.db.dispose()


@dataclass(frozen=True)
class MetaChannel:
    """One Meta channel as the shared tests see it: settings, webhook, payload tables and Graph API replies."""

    name: str  # the channel's name: its rows, transports and the `channel` field of its log lines
    path: str
    object: str  # the envelope's "object": "page", "whatsapp_business_account", ...
    events_key: str  # where an entry lists its events: "messaging" or "changes"
    fixtures: Path
    settings: Mapping[str, str]  # the `with_env` changes that turn the channel on, sending included
    app_secret_setting: str
    verify_token_setting: str
    token_setting: str  # the token the deliverers send with
    send_settings: tuple[str, ...]  # the settings without any of which there is no deliverer
    secret_settings: tuple[str, ...]  # the settings that must never reach a log
    parse: Parser
    events: Mapping[str, tuple]  # label: (fixture, HTTP status, messages as normalized fields, ignored reasons)
    ignored_events: Mapping[str, str]  # fixture: the reason its one event is ignored (200, nothing stored)
    unreadable: tuple[bytes, ...]  # events in the channel's envelope that cannot be read: ignored with 200
    text_fixture: str  # one text message of one sender
    media_fixture: str  # one message with one attachment
    ignored_fixture: str  # an event answered 200 and logged as ignored
    deliverers: Callable  # the channel's settings -> {transport: deliverer}
    api_url_setting: str  # the setting of the API root the deliverers send to
    graph_ok: dict  # the Graph API's answer to a reply that went out
    replies: Mapping[str, tuple]  # label: (transport, target, the request the Graph API gets)
    failures: Mapping[str, tuple]  # label: (HTTP status, body, headers, outcome type): the channel's own errors
    max_text: int
    sent_text: Callable[[dict], str]  # where a reply's text is in the request's JSON

    @property
    def app_secret(self) -> str:
        """The app secret Meta signs the channel's webhooks with."""
        return self.settings[self.app_secret_setting]

    @property
    def verify_token(self) -> str:
        """The verify token of the channel's handshake."""
        return self.settings[self.verify_token_setting]

    @property
    def token(self) -> str:
        """The token the channel's deliverers send with."""
        return self.settings[self.token_setting]

    @property
    def secrets(self) -> tuple[str, ...]:
        """The values of every setting that must never reach a log."""
        return tuple(self.settings[s] for s in self.secret_settings)

    @property
    def every_event(self) -> dict[str, tuple]:
        """Return the events table with the ignored events as rows of their own: 200, no message, one reason."""
        return {**self.events, **{name: (name, 200, [], [reason]) for name, reason in self.ignored_events.items()}}

    def without(self, *names: str) -> dict:
        """Return the channel's settings with some of them unset, for `with_env`."""
        return {**self.settings, **dict.fromkeys(names)}

    def fixture(self, name: str) -> bytes:
        """Return a fixture's bytes exactly as Meta sends them (non-ASCII escaped as \\u00e9)."""
        return (self.fixtures / f"{name}.json").read_bytes()

    def sign(self, body: bytes, secret: str | None = None) -> dict[str, str]:
        """Return Meta's headers for a body, signed with the channel's app secret unless told another."""
        return sign(self.app_secret if secret is None else secret, body)

    async def post(self, client, body: bytes, secret: str | None = None):
        """POST a body to the channel's webhook, signed as Meta signs it; return the response."""
        return await post_signed(client, self.path, self.app_secret if secret is None else secret, body)
