"""SMTP for the "email" transport: the settings read from ADUAN_SMTP_URL, sending one message, and what a failure means.

`smtp://user:pass@host:port` (port 25 by default, STARTTLS when the server offers it) or
`smtps://user:pass@host:port` (TLS from the first byte, port 465 by default); user and password are
percent-decoded. Query parameters: `from` (the sender, `aduan@ntb.go.id` or `Aduan NTB <aduan@ntb.go.id>`;
by default `Aduan <noreply@<host of ADUAN_PUBLIC_URL>>`) and `starttls` (`auto` by default, `require` to
refuse a server that does not offer it, `never`). Certificates are always verified.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import parse_qs, quote, unquote, urlsplit

from providers.outcome import Outcome, Permanent, RetryLater
from providers.redact import blank_secrets

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
STARTTLS_MODES = ("auto", "require", "never")
SMTP_TIMEOUT = 30.0  # seconds for the connection and for each command
DETAIL_MAX = 300


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: parsed once from ADUAN_SMTP_URL."""

    host: str
    port: int
    implicit_tls: bool  # smtps://
    starttls: str  # auto | require | never (smtp:// only)
    username: str | None
    password: str | None = field(repr=False)
    sender: Address = field(default_factory=lambda: Address("Aduan", "noreply", "localhost"))
    helo: str = "localhost"

    def secrets(self) -> tuple[str, ...]:
        """The values no detail may show: the password, as given and percent-encoded."""
        if not self.password:
            return ()
        return tuple({self.password, quote(self.password, safe=""), quote(self.password)})


def _domain_of(host: str) -> str:
    """A host as the right-hand side of an address or an EHLO name: IP addresses as literals."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host
    return f"[{ip}]" if ip.version == 4 else f"[IPv6:{ip}]"


def parse_smtp_url(url: str, public_url: str) -> SmtpSettings:
    """Read ADUAN_SMTP_URL; raise ValueError naming what is wrong, never quoting the URL (it holds the password)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError("ADUAN_SMTP_URL must start with smtp:// or smtps://")
    if not parts.hostname:
        raise ValueError("ADUAN_SMTP_URL names no host")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise ValueError("ADUAN_SMTP_URL has a port that is not a number from 1 to 65535") from None
    query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = sorted(set(query) - {"from", "starttls"})
    if unknown:
        raise ValueError(f"ADUAN_SMTP_URL has unknown parameters: {', '.join(unknown)} (known: from, starttls)")
    starttls = (query.get("starttls") or "auto").lower()
    if starttls not in STARTTLS_MODES:
        raise ValueError("ADUAN_SMTP_URL: starttls is auto, require or never")
    public_host = urlsplit(public_url).hostname or "localhost"
    sender = Address("Aduan", "noreply", _domain_of(public_host))
    if query.get("from"):
        name, addr = parseaddr(query["from"])
        local, at, domain = addr.rpartition("@")
        if not (local and at and domain) or any(c in addr for c in " \r\n<>"):
            raise ValueError("ADUAN_SMTP_URL: from is not an e-mail address")
        sender = Address(name or "Aduan", local, domain)
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return SmtpSettings(host=parts.hostname, port=port, implicit_tls=scheme == "smtps", starttls=starttls,
                        username=username, password=password, sender=sender, helo=_domain_of(public_host))


# -- sending --------------------------------------------------------------------------------


def send_blocking(settings: SmtpSettings, msg: EmailMessage, recipient: str) -> None:
    """Connect, secure, log in and send one message; raise smtplib's or the socket's error."""
    context = ssl.create_default_context()
    if settings.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, local_hostname=settings.helo,
                                                timeout=SMTP_TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(settings.host, settings.port, local_hostname=settings.helo, timeout=SMTP_TIMEOUT)
    try:
        client.ehlo()
        if not settings.implicit_tls and settings.starttls != "never":
            if client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            elif settings.starttls == "require":
                raise smtplib.SMTPNotSupportedError("the server does not offer STARTTLS (starttls=require)")
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(msg, from_addr=settings.sender.addr_spec, to_addrs=[recipient])
    finally:
        # Once the message is accepted it is delivered: a failing QUIT must not make it a retry (and a duplicate).
        try:
            client.quit()
        except Exception:  # noqa: BLE001
            client.close()


def _reply_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split())


def classify(exc: BaseException, settings: SmtpSettings) -> Outcome:
    """Map a failed send to an outcome: 4xx, dropped connections and timeouts retry; 5xx and refusals do not."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(exc.recipients.values()), (-1, b""))
        outcome = _by_code(code, f"recipient refused: {_reply_text(reply)}")
    elif isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, TimeoutError):
        # smtplib reports a read that timed out as a disconnection.
        outcome = RetryLater(f"no answer from the SMTP server within {SMTP_TIMEOUT:g} s")
    elif isinstance(exc, smtplib.SMTPServerDisconnected):
        outcome = RetryLater(f"the SMTP server closed the connection: {exc}")
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        outcome = Permanent(f"the SMTP server cannot do what the settings ask: {exc}")
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        outcome = _by_code(exc.smtp_code, f"login refused: {_reply_text(exc.smtp_error)}")
    elif isinstance(exc, smtplib.SMTPResponseException):
        outcome = _by_code(exc.smtp_code, _reply_text(exc.smtp_error))
    elif isinstance(exc, smtplib.SMTPException):  # e.g. no authentication method in common
        outcome = Permanent(f"SMTP: {exc}")
    elif isinstance(exc, TimeoutError):
        outcome = RetryLater(f"no answer from the SMTP server within {SMTP_TIMEOUT:g} s")
    elif isinstance(exc, OSError):  # refused, unreachable, name not resolved, TLS failure
        reason = exc.strerror or str(exc) or type(exc).__name__
        outcome = RetryLater(f"cannot reach the SMTP server {settings.host}:{settings.port}: {reason}")
    else:
        outcome = RetryLater(f"sending failed: {type(exc).__name__}")
    return _redacted(outcome, settings)


def _by_code(code: int, text: str) -> Outcome:
    detail = f"SMTP {code}: {text}"
    if 500 <= code < 600:
        return Permanent(detail)
    return RetryLater(detail)  # 4xx, or an answer that is not a code at all


def _redacted(outcome: Outcome, settings: SmtpSettings) -> Outcome:
    detail = blank_secrets(outcome.detail, settings.secrets(), mask="[password]")[:DETAIL_MAX]
    if isinstance(outcome, RetryLater):
        return RetryLater(detail, outcome.retry_after)
    return Permanent(detail)
