"""The deliverer of the "email" transport: agency tickets, sweep digests and citizen replies, through ADUAN_SMTP_URL.

`smtp://user:pass@host:port` (port 25 by default, STARTTLS when the server offers it) or
`smtps://user:pass@host:port` (TLS from the first byte, port 465 by default); user and password are
percent-decoded. Query parameters: `from` (the sender, `aduan@ntb.go.id` or `Aduan NTB <aduan@ntb.go.id>`;
by default `Aduan <noreply@<host of ADUAN_PUBLIC_URL>>`) and `starttls` (`auto` by default, `require` to
refuse a server that does not offer it, `never`). Certificates are always verified.

smtplib blocks, so each message is sent in a thread of the deliverer's own small pool (not the loop's
default executor, which resolves host names for every HTTP client: a hanging mail server must not
hold those up).
"""

from __future__ import annotations

import asyncio
import html
import ipaddress
import smtplib
import ssl
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from urllib.parse import parse_qs, quote, unquote, urlsplit
from zoneinfo import ZoneInfo

import aiohttp

from complaints.messages import status_name
from delivery.outcome import Delivered, Deliverer, Delivery, Outcome, Permanent, RetryLater
from delivery.ticket import fetch_ticket

DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
STARTTLS_MODES = ("auto", "require", "never")
SMTP_TIMEOUT = 30.0  # seconds for the connection and for each command
SMTP_THREADS = 4  # connections at once to the mail server
DETAIL_MAX = 300

# What each agency event is called in a subject line and a message's heading.
EVENT_TITLES = {
    "ticket.assigned": "Aduan baru",
    "ticket.updated": "Tambahan informasi",
    "ticket.escalated": "Eskalasi",
    "ticket.triage": "Perlu verifikasi",
}
KIND_NAMES = {"complaint": "Pengaduan", "aspiration": "Aspirasi", "inquiry": "Permintaan informasi"}
PRIORITY_NAMES = {"low": "Rendah", "normal": "Normal", "high": "Tinggi", "urgent": "Mendesak"}


# -- settings -------------------------------------------------------------------------------


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


# -- the ticket, shared with the other agency deliverers ---------------------------------------


# What a ticket.updated is about when its delivery gives a reason.
REASON_TITLES = {
    "overdue": "Pengingat: lewat batas waktu",  # the sweep's reminder of an overdue ticket
    "objection": "Keberatan warga: aduan dibuka kembali",  # the citizen objected to the resolution
}


def event_title(event: str, ticket: Mapping | None = None) -> str:
    """What an agency event is called in a subject or a heading."""
    reason = ticket.get("reason") if ticket is not None else None
    if reason in REASON_TITLES:
        return REASON_TITLES[reason]
    return EVENT_TITLES.get(event, "Pemberitahuan")


def region_name(ticket: Mapping) -> str | None:
    region = ticket.get("region")
    return region["name"] if region else None


def local_time(iso_value: str | None, tz: ZoneInfo | None) -> str:
    """An ISO timestamp as `2026-11-24 16:00 WITA`, in the root region's time zone."""
    if not iso_value:
        return "-"
    moment = datetime.fromisoformat(iso_value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    if tz is not None:
        moment = moment.astimezone(tz)
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def root_zone(config) -> ZoneInfo | None:
    """The root region's time zone (checked at config load), or None for UTC."""
    name = config.regions[config.root].timezone
    return ZoneInfo(name) if name else None


def reporter_line(ticket: Mapping) -> str:
    """Who reported, as the agency may see it: "Anonim" when the identity is withheld."""
    reporter = ticket.get("reporter")
    if ticket.get("anonymous") or reporter is None:
        return "Anonim" if ticket.get("anonymous") else "Tidak diketahui"
    known = [v for v in (reporter.get("name"), reporter.get("phone"), reporter.get("email")) if v]
    return ", ".join(known) if known else "Tidak diketahui"


def ticket_facts(ticket: Mapping, tz: ZoneInfo | None) -> list[tuple[str, str]]:
    """The labelled facts of a ticket, in the order an agency reads them."""
    location = ticket.get("location")
    facts = [
        ("Kode", ticket["code"]),
        ("Jenis", KIND_NAMES.get(ticket.get("kind"), ticket.get("kind") or "-")),
        ("Kategori", ticket.get("category") or "-"),
        ("Prioritas", PRIORITY_NAMES.get(ticket.get("priority"), ticket.get("priority") or "-")),
        ("Wilayah", region_name(ticket) or "-"),
        ("Status", status_name(ticket["status"], "id") if ticket.get("status") else "-"),
        ("Diterima", local_time(ticket.get("created_at"), tz)),
        ("Pelapor", reporter_line(ticket)),
        ("Lokasi", f"{location['lat']}, {location['lon']}" if location else "-"),
        ("Lampiran", str(len(ticket.get("attachments") or []))),
    ]
    if ticket.get("confidential"):
        facts.append(("Sifat", "Rahasia: isi aduan tidak tampil di halaman publik"))
    return facts


# -- messages -------------------------------------------------------------------------------


def ticket_subject(event: str, ticket: Mapping) -> str:
    """`[NTB-7K3QX9P2] Aduan baru: kesehatan — Kabupaten Lombok Timur`."""
    subject = f"[{ticket['code']}] {event_title(event, ticket)}"
    if ticket.get("category"):
        subject += f": {ticket['category']}"
    if region_name(ticket):
        subject += f" — {region_name(ticket)}"
    return subject


def ticket_text(event: str, ticket: Mapping, tz: ZoneInfo | None) -> str:
    """The plain-text part."""
    facts = ticket_facts(ticket, tz)
    width = max(len(label) for label, _ in facts) + 2
    lines = [f"{event_title(event, ticket)}: {ticket['code']}", ""]
    lines += [f"{label + ':':<{width}}{value}" for label, value in facts]
    lines += ["", "Isi aduan:", ticket.get("text") or "-"]
    followups = ticket.get("followups") or []
    if followups:
        lines += ["", "Tambahan informasi:"]
        lines += [f"- {local_time(f['at'], tz)}: {f['text']}" for f in followups]
    lines += ["", f"Tiket: {ticket['ticket_url']}", ""]
    return "\n".join(lines)


def ticket_html(event: str, ticket: Mapping, tz: ZoneInfo | None) -> str:
    """The HTML part: every value escaped, no external assets."""
    e = html.escape
    title = f"{event_title(event, ticket)}: {ticket['code']}"
    rows = "".join(
        f'<tr><th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top">{e(label)}</th>'
        f"<td>{e(value)}</td></tr>"
        for label, value in ticket_facts(ticket, tz)
    )
    body = [
        '<!DOCTYPE html><html lang="id"><head><meta charset="utf-8">',
        f"<title>{e(ticket_subject(event, ticket))}</title></head>",
        '<body style="font-family:sans-serif;font-size:14px;color:#222">',
        f"<h2 style=\"font-size:18px\">{e(title)}</h2>",
        f"<table>{rows}</table>",
        '<h3 style="font-size:15px">Isi aduan</h3>',
        f'<p style="white-space:pre-wrap">{e(ticket.get("text") or "-")}</p>',
    ]
    followups = ticket.get("followups") or []
    if followups:
        items = "".join(
            f'<li><b>{e(local_time(f["at"], tz))}</b>: <span style="white-space:pre-wrap">{e(f["text"])}</span></li>'
            for f in followups
        )
        body.append(f'<h3 style="font-size:15px">Tambahan informasi</h3><ul>{items}</ul>')
    url = e(ticket["ticket_url"])
    body.append(f'<p><a href="{url}">Buka tiket {e(ticket["code"])}</a><br><small>{url}</small></p>')
    body.append("</body></html>")
    return "\n".join(body)


def _envelope(delivery: Delivery, settings: SmtpSettings, subject: str, now: datetime) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = delivery.target
    msg["Subject"] = subject
    msg["Date"] = format_datetime(now)
    # The same id on every attempt, so a mail system that saw it already can drop the copy.
    msg["Message-ID"] = f"<{delivery.delivery_id}@{settings.sender.domain}>"
    msg["X-Aduan-Delivery"] = delivery.delivery_id
    msg["X-Aduan-Event"] = delivery.event
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a machine
    return msg


def _alternative(delivery: Delivery, settings: SmtpSettings, subject: str, text: str, page: str,
                 now: datetime) -> EmailMessage:
    msg = _envelope(delivery, settings, subject, now)
    msg.set_content(text)
    msg.add_alternative(page, subtype="html")
    return msg


def ticket_message(delivery: Delivery, ticket: Mapping, settings: SmtpSettings, tz: ZoneInfo | None,
                   now: datetime) -> EmailMessage:
    """The e-mail of an agency ticket: a plain-text part and its HTML alternative."""
    return _alternative(delivery, settings, ticket_subject(delivery.event, ticket),
                        ticket_text(delivery.event, ticket, tz), ticket_html(delivery.event, ticket, tz), now)


def digest_message(delivery: Delivery, settings: SmtpSettings, tz: ZoneInfo | None,
                   now: datetime) -> EmailMessage | Permanent:
    """The e-mail of a sweep's digest (a plain-text part and its HTML alternative), or why its row cannot have one."""
    # Imported here: the digest renders with this module's helpers (local_time), so it imports this module.
    from delivery.digest import digest_html, digest_of, digest_subject, digest_text

    digest = digest_of(delivery)
    if isinstance(digest, Permanent):
        return digest
    return _alternative(delivery, settings, digest_subject(digest), digest_text(digest, tz),
                        digest_html(digest, tz), now)


def citizen_message(delivery: Delivery, settings: SmtpSettings, now: datetime) -> EmailMessage:
    """A reply to a citizen: plain text only."""
    payload = delivery.payload or {}
    code = payload.get("code")
    msg = _envelope(delivery, settings, f"Aduan {code}" if code else "Aduan", now)
    msg.set_content(payload["text"])
    return msg


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
    detail = outcome.detail
    for secret in settings.secrets():
        detail = detail.replace(secret, "[password]")
    detail = detail[:DETAIL_MAX]
    if isinstance(outcome, RetryLater):
        return RetryLater(detail, outcome.retry_after)
    return Permanent(detail)


def make_email_deliverer(runtime) -> Deliverer | None:
    """Return the "email" deliverer, or None without ADUAN_SMTP_URL; raise ValueError for a malformed one."""
    env = runtime.env
    if not env.smtp_url:
        return None
    settings = parse_smtp_url(env.smtp_url, env.public_url)
    pool = ThreadPoolExecutor(SMTP_THREADS, thread_name_prefix="smtp")

    async def deliver(delivery: Delivery, _session: aiohttp.ClientSession) -> Outcome:
        """Send a citizen reply (its payload holds the text), an agency's ticket or a digest to the address."""
        if not delivery.target:
            return Permanent("no e-mail address to send to")
        payload = delivery.payload or {}
        now = datetime.now(timezone.utc)
        try:
            if delivery.event == "digest":
                msg = digest_message(delivery, settings, root_zone(runtime.config), now)
                if isinstance(msg, Permanent):
                    return msg
            elif isinstance(payload.get("text"), str):
                msg = citizen_message(delivery, settings, now)
            else:
                ticket = await fetch_ticket(runtime, delivery)
                if isinstance(ticket, (Delivered, RetryLater, Permanent)):
                    return ticket
                msg = ticket_message(delivery, ticket, settings, root_zone(runtime.config), now)
        except ValueError as exc:  # a header the e-mail library refuses (a line break in an address)
            return Permanent(f"cannot write the message: {exc}"[:DETAIL_MAX])
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(pool, send_blocking, settings, msg, delivery.target)
        except Exception as exc:  # noqa: BLE001 - every failure is classified, none ends the worker
            return classify(exc, settings)
        return Delivered(f"accepted by {settings.host}")

    return deliver
