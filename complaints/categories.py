"""What a category is called on public pages: rules.yaml gives slugs (`layanan-puskesmas`), people read names.

The configuration names no category, so a slug is read as words: "layanan-puskesmas" is "Layanan puskesmas".
Known abbreviations are written as Indonesians write them ("koperasi-umkm" is "Koperasi UMKM"). A category a
citizen typed on the form ("Jalan Provinsi") keeps its own capitals.
"""

from __future__ import annotations

import re

# Abbreviations that category slugs of public services use, written in capitals.
ABBREVIATIONS = frozenset({
    "atm", "bbm", "bpbd", "bpjs", "dbd", "jkn", "kb", "kia", "kk", "ktp", "lpg", "pdam", "pju", "pln", "pns",
    "rsud", "sd", "sim", "sma", "smk", "smp", "stnk", "tki", "ukm", "umkm",
})
_SEPARATORS = re.compile(r"[-_\s]+")


def category_name(category: str | None) -> str | None:
    """Return a category as people read it ("layanan-puskesmas" is "Layanan puskesmas"), or None for none."""
    if category is None:
        return None
    words = [word for word in _SEPARATORS.split(category.strip()) if word]
    if not words:
        return None
    words = [word.upper() if word.lower() in ABBREVIATIONS else word for word in words]
    first = words[0]
    words[0] = first[:1].upper() + first[1:]
    return " ".join(words)
