"""Personal data out of delivery details: a provider's error text loses the destination before it is stored or logged.

Providers echo the recipient ("The 'To' number +6281234567890 is not a valid phone number", "550 5.1.1
<warga@example.com>: Recipient address rejected"). The outbox worker passes every deliverer's outcome through
`redact` with the delivery's own target, so the store, the log lines and the digests built from the store never
hold it. The target goes in every form a provider may write it (as given, its digits, with or without the calling
code or the national "0"); as a second line anything shaped like a phone number or an e-mail address goes too.
"""

from __future__ import annotations

import re

from providers.redact import MASK

# A number written with spaces, as people write phone numbers: "+62 812-3456-7890", "0812 3456 7890".
_SPACED = re.compile(r"(?:\+|\(?(?<!\d)0)\d{1,4}(?:[ .\-()]{1,2}\d+)+")
# A number without spaces: a run of digits with single dots, dashes or brackets between them, an optional "+".
_TIGHT = re.compile(r"\+?\(?\d(?:[.\-()]?\d)*")
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
_NUMBER_TARGET = re.compile(r"\+?\d{7,}")
_SEPARATORS = re.compile(r"[\s().\-]")
_DIGITS = re.compile(r"\d")
MIN_TARGET = 6  # the shortest target removed as given
MIN_CORE = 7  # the fewest digits of the target that mark a number in the text as the target


def _digits(text: str) -> str:
    """The digits of a text, in order."""
    return "".join(_DIGITS.findall(text))


def _cores(target: str) -> tuple[str, ...]:
    """The target's digits as a provider may write them: whole, without the national "0" or the "00", and without
    a calling code of one to three digits. Empty for a target that is not a number (an address, a name)."""
    compact = _SEPARATORS.sub("", target)
    if not _NUMBER_TARGET.fullmatch(compact):
        return ()
    digits = compact.lstrip("+")
    cores = {digits}
    if digits.startswith("00") or not digits.startswith("0"):
        international = digits[2:] if digits.startswith("00") else digits
        cores.update((international, *(international[k:] for k in (1, 2, 3))))
    else:
        cores.add(digits[1:])  # "0812…": "+62812…" and "62812…" hold "812…"
    return tuple(c for c in cores if len(c) >= MIN_CORE)


def _shaped(token: str, spaced: bool) -> bool:
    """Whether a number in a text looks like a phone number (or a chat or page-scoped id), not a code or a date."""
    digits = _digits(token)
    if token.startswith("+"):
        return len(digits) >= 7 and (spaced or len(digits) <= 15)
    if digits.startswith("0"):
        return len(digits) >= 8 and (spaced or len(digits) <= 15)
    return not spaced and token.isdigit() and 9 <= len(digits) <= 20


def redact(text: str | None, target: str | None = None) -> str:
    """Return `text` without the target (in any of its forms) and without anything shaped like a phone number or an
    e-mail address."""
    if not text:
        return text or ""
    cores: tuple[str, ...] = ()
    given = (target or "").strip()
    if len(given) >= MIN_TARGET:  # a shorter one (a test's chat id "42") would eat parts of status codes
        text = re.sub(re.escape(given), MASK, text, flags=re.IGNORECASE)
        cores = _cores(given)

    def masked(spaced: bool):
        def number(match: re.Match) -> str:
            token = match.group(0)
            digits = _digits(token)
            return MASK if any(core in digits for core in cores) or _shaped(token, spaced) else token
        return number

    text = _EMAIL.sub(MASK, text)
    text = _SPACED.sub(masked(True), text)
    return _TIGHT.sub(masked(False), text)
