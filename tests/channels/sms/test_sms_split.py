"""Replies fit SMS: GSM-7 or UCS-2, split on word boundaries, at most six parts, an ellipsis when cut."""

from __future__ import annotations

import pytest

from channels.sms import split
from sms_helpers import INDONESIAN


@pytest.mark.parametrize(
    "text, encoding, units",
    [
        ("Jalan rusak di Selong", "gsm7", 21),
        ("Harga €5 [mahal] {sekali}", "gsm7", 30),  # €, [, ], {, } take an escape septet each
        ("Café à Ampenan: ñ ü ä ö", "gsm7", 23),
        ("Hujan deras… jalan banjir", "ucs2", 25),  # "…" is not GSM-7
        ("Jalan berlubang 🚧", "ucs2", 18),  # the emoji is a surrogate pair: two code units
        ("Pakai `kode` ini", "ucs2", 16),  # the backtick is not GSM-7
    ],
)
def test_encoding_and_length(text, encoding, units):
    """Count septets for GSM-7 (extension characters twice) and UTF-16 code units for UCS-2."""
    assert split.encoding(text) == encoding
    assert split.units(text) == units


@pytest.mark.parametrize(
    "text, parts",
    [
        ("a" * 160, 1),
        ("a " * 80, 1),
        ("kata " * 40, 2),  # 199 characters: two parts of at most 153
        ("é" * 161, 2),
        ("ä" * 70 + "🚧", 2),  # 72 code units: over the 70 of one UCS-2 SMS
        ("ä" * 69 + "…", 1),
    ],
)
def test_part_count_at_the_limits(text, parts):
    """Use one SMS up to 160 septets or 70 code units, else parts of 153 or 67."""
    assert len(split.split(text)) == parts


def test_indonesian_reply_splits_on_word_boundaries():
    """A long Indonesian reply is split between words into GSM-7 parts of at most 153 septets, nothing lost."""
    parts = split.split(INDONESIAN)
    assert split.encoding(INDONESIAN) == "gsm7"
    assert len(parts) == 3
    assert all(split.units(p, "gsm7") <= 153 for p in parts)
    assert " ".join(parts).split() == INDONESIAN.split()
    assert parts[0].endswith("Lombok Timur akan") and parts[1].startswith("memeriksa laporan")
    assert parts[2] == "https://aduan.example/track/NTB-7K3QX9P2 kapan saja."


def test_emoji_makes_the_reply_ucs2_and_is_never_cut_in_half():
    """One emoji turns the reply into UCS-2 parts of at most 67 code units; the surrogate pair stays whole."""
    text = "Laporan diterima 👍 " + INDONESIAN[:200]
    parts = split.split(text)
    assert split.encoding(text) == "ucs2"
    assert all(split.units(p, "ucs2") <= 67 for p in parts)
    assert " ".join(parts).split() == text.split()
    assert sum(p.count("👍") for p in parts) == 1


def test_a_word_longer_than_a_part_is_cut_hard():
    """A URL longer than one part is cut where the part is full, not dropped."""
    url = "https://aduan.example/track/" + "x" * 300
    parts = split.split(url)
    assert [split.units(p) for p in parts] == [153, 153, 22]
    assert "".join(parts) == url


def test_too_long_a_reply_is_cut_at_six_parts_with_an_ellipsis():
    """At most six parts; the last one ends with "..." for GSM-7 (which "…" would turn into UCS-2)."""
    parts = split.split(INDONESIAN * 5)
    assert len(parts) == 6
    assert parts[-1].endswith("...") and split.units(parts[-1]) <= 153
    emoji_parts = split.split("🚧 " + INDONESIAN * 3)
    assert len(emoji_parts) == 6 and emoji_parts[-1].endswith("…")
    assert all(split.units(p, "ucs2") <= 67 for p in emoji_parts)


def test_cap_keeps_what_fits_and_cuts_the_rest():
    """For gateways that concatenate themselves the reply is kept whole up to six parts' worth, else cut."""
    assert split.cap(INDONESIAN) == INDONESIAN
    capped = split.cap(INDONESIAN * 5)
    assert capped.endswith("...") and split.units(capped) <= 6 * 153
    assert capped[:-3] == (INDONESIAN * 5)[: len(capped) - 3]
    ucs = split.cap("🚧 " + INDONESIAN * 3)
    assert ucs.endswith("…") and split.units(ucs) <= 6 * 67


def test_blank_text_has_no_parts():
    """Nothing to send gives no part at all."""
    assert split.split("  \n ") == []
