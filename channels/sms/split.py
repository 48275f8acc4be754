"""Fit a reply into SMS: GSM-7 or UCS-2, split on word boundaries, capped at a few parts. Pure.

A single SMS holds 160 GSM-7 septets or 70 UCS-2 code units; a part of a concatenated message loses
7 septets (3 code units) to the header that numbers it, leaving 153 or 67 (3GPP TS 23.040 and 23.038;
https://www.twilio.com/docs/glossary/what-sms-character-limit). One character outside the GSM-7
alphabet makes the whole message UCS-2, and a character outside the Basic Multilingual Plane (most
emoji) takes two UCS-2 code units.
"""

from __future__ import annotations

GSM7 = "gsm7"
UCS2 = "ucs2"

# 3GPP TS 23.038 default alphabet (one septet each) and its extension table (escape + one septet).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = frozenset("\f^{}\\[~]|€")

SINGLE = {GSM7: 160, UCS2: 70}
PART = {GSM7: 153, UCS2: 67}
MAX_PARTS = 6
# "…" is not in GSM-7: a GSM-7 reply that is cut ends with three dots so it stays GSM-7 (and 160 a part).
ELLIPSIS = {GSM7: "...", UCS2: "…"}


def encoding(text: str) -> str:
    """Return "gsm7" when every character is in the GSM-7 alphabet, else "ucs2"."""
    return GSM7 if all(c in GSM_BASIC or c in GSM_EXTENDED for c in text) else UCS2


def _cost(c: str, enc: str) -> int:
    if enc == GSM7:
        return 2 if c in GSM_EXTENDED else 1
    return 2 if ord(c) > 0xFFFF else 1


def units(text: str, enc: str | None = None) -> int:
    """Count septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""
    enc = enc or encoding(text)
    return sum(_cost(c, enc) for c in text)


def _fits(text: str, budget: int, enc: str) -> bool:
    """Tell whether the text takes at most `budget` units, reading no further than the budget reaches."""
    if len(text) > budget:
        return False  # every character takes one unit or more
    return units(text, enc) <= budget


def _take(text: str, budget: int, enc: str) -> tuple[str, str]:
    """Split off the longest head within `budget` units, ending at a word boundary when there is one."""
    used = 0
    end = 0
    for i, c in enumerate(text):
        cost = _cost(c, enc)
        if used + cost > budget:
            break
        used += cost
        end = i + 1
    else:
        return text, ""
    head = text[:end]
    if not text[end].isspace():
        space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
        if space > 0 and head[:space].strip():
            head = head[:space]
    return head.rstrip(), text[len(head):].lstrip()


def split(text: str, max_parts: int = MAX_PARTS) -> list[str]:
    """Split a reply into separate SMS bodies on word boundaries; the last one ends with an ellipsis when cut."""
    text = text.strip()
    if not text:
        return []
    enc = encoding(text)
    if _fits(text, SINGLE[enc], enc):
        return [text]
    size, ellipsis = PART[enc], ELLIPSIS[enc]
    parts: list[str] = []
    rest = text
    while rest:
        if _fits(rest, size, enc):
            parts.append(rest)
            break
        if len(parts) == max_parts - 1:
            head, _ = _take(rest, size - units(ellipsis, enc), enc)
            parts.append(head + ellipsis)
            break
        head, rest = _take(rest, size, enc)
        parts.append(head)
    return parts


def cap(text: str, max_parts: int = MAX_PARTS) -> str:
    """Cut a reply that the provider concatenates itself so it takes at most `max_parts` parts."""
    text = text.strip()
    enc = encoding(text)
    limit = max_parts * PART[enc]
    if _fits(text, max(SINGLE[enc], limit), enc):
        return text
    ellipsis = ELLIPSIS[enc]
    head, _ = _take(text, limit - units(ellipsis, enc), enc)
    return head + ellipsis
