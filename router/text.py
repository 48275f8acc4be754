"""Normalize text for matching: case, accents and punctuation folded, split into words."""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")


def normalize(text: str) -> str:
    """Fold case and accents; keep letters and digits, one space between words."""
    return " ".join(words(text))


def words(text: str) -> list[str]:
    """Split text into case- and accent-folded words; punctuation separates words."""
    if text.isascii():
        return _WORD.findall(text.lower())
    # Decomposed before folding too: compatibility letters decompose to capitals ("𝐎𝐁𝐀𝐓", the bold of styled
    # social-media text, to "OBAT"; "ℌ" to "H"), which a fold done first would leave standing.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _WORD.findall(folded)
