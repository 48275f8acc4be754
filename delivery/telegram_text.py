"""Telegram's rules for a message's text: lengths in UTF-16 code units, at most 4,096, HTML escaped and cut to fit."""

from __future__ import annotations

import html

from telegram.constants import MessageLimit

MAX_TEXT = MessageLimit.MAX_TEXT_LENGTH  # 4096
ELLIPSIS = "…"


def units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


def escaped_within(raw: str, budget: int, *, keep_end: bool = False) -> str:
    """Escape `raw`; if that is longer than `budget`, cut it (the start, or with keep_end the end) and mark the cut."""
    escaped = html.escape(raw)
    if units(escaped) <= budget:
        return escaped
    if budget < units(ELLIPSIS):
        return ""
    room = budget - units(ELLIPSIS)
    kept: list[str] = []
    used = 0
    # Escaped one character at a time, so a cut never splits an entity such as &amp;.
    for ch in (reversed(raw) if keep_end else raw):
        piece = html.escape(ch)
        if used + units(piece) > room:
            break
        kept.append(piece)
        used += units(piece)
    if keep_end:
        return ELLIPSIS + "".join(reversed(kept))
    return "".join(kept) + ELLIPSIS
