"""Send limits (SPEC section 17): which SMS and e-mails to citizens may go out now, decided without I/O.

The outbox worker asks at claim time, so every notice counts whatever caused it (an acknowledgement, a status
notice, an answer to a command, an agency's reply, a sweep's closing) and the counts are of what was sent: rows
delivered or under way. It reads the last 24 hours of such sends from the store and hands them in with `now`.

Numbers are judged the way the riskiest gateway would read them. "+<digits>" and "00<digits>" are international.
One leading "0" is a national number: the gateway that takes it dials it in its own country, which is the
service's (the first of `sms_countries`), so a local "0812…" from an Indonesian gateway is Indonesian. Bare digits
are international, as Vonage's `to` takes them ("6281…" is Indonesian; "81…" would be Japan's and is refused).
Anything else (a short code, a sender name) cannot be checked and is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from config.models import SendLimits

SMS_TRANSPORTS = ("sms", "sms-twilio", "sms-vonage", "sms-generic")
EMAIL_TRANSPORT = "email"
LIMITED_TRANSPORTS = (*SMS_TRANSPORTS, EMAIL_TRANSPORT)
DAY = timedelta(hours=24)
HOUR = timedelta(hours=1)
# The digits of an international number: a calling code never starts with 0, and E.164 allows 7 to 15 digits.
_INTERNATIONAL = re.compile(r"[1-9][0-9]{6,14}")
# What a number may be written with besides its digits and "+"; the store's query strips the same (SEPARATORS).
SEPARATORS = (" ", "-", "(", ")", ".")
_SEPARATORS = re.compile(r"[ ().\-]")
# Mailboxes that ignore dots in the local part; every common provider ignores a "+tag".
_DOTLESS_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def limited(audience: str, transport: str) -> bool:
    """Tell whether an outbox row is a notice to a citizen by SMS or e-mail, which the limits govern."""
    return audience == "citizen" and transport in LIMITED_TRANSPORTS


def international_digits(target: str, home: str | None) -> str | None:
    """Return a phone number's international digits (no "+"), or None when its country cannot be told.

    `home` is the calling code a national number ("0812…") belongs to; without one it cannot be told either.
    """
    compact = _SEPARATORS.sub("", target)
    if compact.startswith("+"):
        digits = compact[1:]
    elif compact.startswith("00"):
        digits = compact[2:]
    elif compact.startswith("0"):
        if home is None:
            return None
        digits = home + compact[1:]
    else:
        digits = compact
    return digits if _INTERNATIONAL.fullmatch(digits) else None


def mailbox(address: str) -> str:
    """Return the mailbox an address reaches, for counting: lower case, without a "+tag" (and Gmail's dots)."""
    local, at, domain = address.strip().lower().rpartition("@")
    if not at:
        return address.strip().lower()
    local = local.split("+", 1)[0] or local
    if domain in _DOTLESS_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def destination(transport: str, target: str | None, limits: SendLimits) -> str | None:
    """The key a notice counts under per destination: "tel:+<digits>" or "mail:<mailbox>"; None if none."""
    if not target:
        return None
    if transport == EMAIL_TRANSPORT:
        return "mail:" + mailbox(target)
    digits = international_digits(target, limits.sms_countries[0] if limits.sms_countries else None)
    return f"tel:+{digits}" if digits else None


@dataclass(frozen=True, slots=True)
class Lookup:
    """What the store is asked for: rows whose target, stripped of SEPARATORS, is one of `numbers`, or whose
    lower-cased target is LIKE one of `mailboxes` (with every dot removed first where `dotless`). It may match more
    than the notices' destinations (`refusals` keeps only theirs), never less."""

    numbers: frozenset[str]
    mailboxes: frozenset[tuple[str, bool]]  # (LIKE pattern with "\\" escaping, dotless)


def _like(text: str) -> str:
    """Escape a text for LIKE with "\\" as the escape character."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def lookup(notices: Iterable[Notice], limits: SendLimits) -> Lookup:
    """The targets in the store that may be the same destinations as these notices, in every form they are stored."""
    home = limits.sms_countries[0] if limits.sms_countries else None
    numbers: set[str] = set()
    mailboxes: set[tuple[str, bool]] = set()
    for notice in notices:
        if not notice.target:
            continue
        if notice.transport == EMAIL_TRANSPORT:
            local, _, domain = mailbox(notice.target).rpartition("@")
            dotless = domain in _DOTLESS_DOMAINS
            # "local%@domain" also finds "local+tag@domain"; Gmail's dots are compared with all dots removed.
            pattern = f"{_like(local)}%@{_like(domain.replace('.', '') if dotless else domain)}"
            mailboxes.add((pattern, dotless))
            continue
        digits = international_digits(notice.target, home)
        if digits is None:
            continue
        numbers.update({f"+{digits}", digits, f"00{digits}"})
        if home and digits.startswith(home):
            numbers.add("0" + digits[len(home):])
    return Lookup(frozenset(numbers), frozenset(mailboxes))


def country_refusal(target: str | None, limits: SendLimits) -> str | None:
    """Say why an SMS may not go to this number (its calling code is not allowed, or cannot be told), or None."""
    allowed = ", ".join(f"+{c}" for c in limits.sms_countries) or "tidak ada / none"
    if not limits.sms_countries:
        return ("ditolak (send_limits.sms_countries kosong): SMS ke warga tidak dikirim ke negara mana pun / "
                "refused: send_limits.sms_countries is empty, so no SMS goes to any country")
    digits = international_digits(target or "", limits.sms_countries[0])
    if digits is None:
        return ("ditolak (send_limits.sms_countries): kode negara nomor ini tidak dapat diperiksa, bukan nomor "
                f"internasional atau nasional / refused: not a number whose calling code can be checked (allowed: {allowed})")
    if not any(digits.startswith(code) for code in limits.sms_countries):
        return (f"ditolak (send_limits.sms_countries): kode negara nomor ini tidak diizinkan (diizinkan: {allowed}) / "
                f"refused: the number's calling code is not in send_limits.sms_countries ({allowed})")
    return None


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a notice is not sent: the rule of `send_limits` it would break, and the reason operators read."""

    rule: str  # sms_countries | per_destination_per_day | per_hour
    reason: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice about to be sent: its row, transport and target."""

    row_id: int
    transport: str
    target: str | None


@dataclass(frozen=True, slots=True)
class Sent:
    """A notice already sent or under way, and when (the store's `updated_at` of its row)."""

    transport: str
    target: str | None
    at: datetime


def refusals(notices: Sequence[Notice], sent: Iterable[Sent], this_hour: int, limits: SendLimits,
             now: datetime) -> dict[int, Refusal]:
    """Return why each refused notice may not go out now, by row id; every other may.

    `sent` holds (at least) the sends of the last 24 h to the notices' destinations, `this_hour` how many SMS and
    e-mails to citizens went out in the hour up to `now`. Notices are taken in order, each one allowed counting
    against those after it: the country rule first, then `per_destination_per_day`, then `per_hour`.
    """
    per_destination: Counter[str] = Counter()
    for s in sent:
        if s.at > now - DAY:
            key = destination(s.transport, s.target, limits)
            if key is not None:
                per_destination[key] += 1
    refused: dict[int, Refusal] = {}
    for notice in notices:
        if notice.transport in SMS_TRANSPORTS and (reason := country_refusal(notice.target, limits)):
            refused[notice.row_id] = Refusal("sms_countries", reason)
            continue
        key = destination(notice.transport, notice.target, limits)
        if key is not None and per_destination[key] >= limits.per_destination_per_day:
            n = limits.per_destination_per_day
            refused[notice.row_id] = Refusal("per_destination_per_day", (
                f"ditolak (send_limits.per_destination_per_day): sudah {n} pesan ke tujuan ini dalam 24 jam / "
                f"refused: {n} notices went to this destination in the last 24 h"))
            continue
        if this_hour >= limits.per_hour:
            n = limits.per_hour
            refused[notice.row_id] = Refusal("per_hour", (
                f"ditolak (send_limits.per_hour): sudah {n} SMS dan e-mail ke warga dalam satu jam terakhir / "
                f"refused: {n} SMS and e-mails to citizens went out in the last hour"))
            continue
        if key is not None:
            per_destination[key] += 1
        this_hour += 1
    return refused
