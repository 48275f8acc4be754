"""Fixtures of the e-mail deliverer's tests: an aiosmtpd server on loopback, complaints filed through intake."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import ClassVar
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from providers.outcome import Delivery
from store.models import Outbox

SMTP_USER = "aduan@ntb"
SMTP_PASSWORD = "s3cret/P@ss:word%"  # every character a URL must percent-encode


def free_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class MailServer:
    """What the SMTP server took, and the answers it gives instead of accepting."""

    user: ClassVar[str] = SMTP_USER
    password: ClassVar[str] = SMTP_PASSWORD

    port: int
    messages: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    rcpt_answer: str | None = None  # e.g. "550 5.1.1 no such user"
    data_answer: str | None = None  # e.g. "451 4.3.0 try again later"

    def url(self, scheme: str = "smtp", credentials: bool = False, **query: str) -> str:
        """The ADUAN_SMTP_URL of this server (credentials percent-encoded)."""
        auth = f"{quote(SMTP_USER, safe='')}:{quote(SMTP_PASSWORD, safe='')}@" if credentials else ""
        params = "&".join(f"{k}={quote(v)}" for k, v in query.items())
        return f"{scheme}://{auth}127.0.0.1:{self.port}" + (f"?{params}" if params else "")

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_answer:
            return self.data_answer
        parsed = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            login, password = auth_data.login.decode(), auth_data.password.decode()
            self.logins.append((login, password))
            return AuthResult(success=(login, password) == (SMTP_USER, SMTP_PASSWORD))
        return AuthResult(success=False, handled=False)


@pytest.fixture
def mail_server():
    """An SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it accepts; AUTH offered without TLS (loopback)."""
    server = MailServer(free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port, authenticator=lambda *args: server.authenticate(*args),
                            auth_require_tls=False)
    controller.start()
    yield server
    controller.stop()


@pytest.fixture
def outbox_deliveries():
    """Return the outbox rows of one transport as the worker would hand them to a deliverer (oldest first)."""

    def read(runtime, transport: str, audience: str | None = None) -> list[Delivery]:
        query = select(Outbox.__table__).where(Outbox.transport == transport).order_by(Outbox.id)
        if audience:
            query = query.where(Outbox.audience == audience)
        with runtime.db.reader.connect() as conn:
            rows = conn.execute(query).all()
        return [Delivery(r.delivery_id, r.transport, r.target, r.event, r.payload, r.attempts + 1, r.agency) for r in rows]

    return read


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    return free_port()
