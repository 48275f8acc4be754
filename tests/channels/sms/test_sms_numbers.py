"""The reporter's number as each SMS gateway writes it, and as Aduan stores it (E.164 where it is a number)."""

from __future__ import annotations

import pytest

from complaints.phone import e164

CASES = [
    # label, as the gateway wrote it, plus implied (Vonage's msisdn), stored
    ("E.164 already (Twilio, WhatsApp)", "+6281234567890", False, "+6281234567890"),
    ("spaces and dashes", "+62 812-0000-1111", False, "+6281200001111"),
    ("outer and inner spaces", "  +62 812 0000 1111 ", False, "+6281200001111"),
    ("a local number", "081234567890", False, "081234567890"),
    ("bare digits from a gateway that may mean a local number", "6281234567890", False, "6281234567890"),
    ("an alphanumeric sender", "AduanNTB", False, "AduanNTB"),
    ("an alphanumeric sender with a space", " BANK NTB ", False, "BANK NTB"),
    ("no country code starts with 0", "+0812345678", False, "+0812345678"),
    ("too short to be a number", "+62 812", False, "+62 812"),
    ("more digits than E.164 allows", "+1234567890123456", False, "+1234567890123456"),
    ("parentheses are not a separator we read", "+62 (812) 0000-1111", False, "+62 (812) 0000-1111"),
    ("a channel prefix", "whatsapp:+6281234567890", False, "whatsapp:+6281234567890"),
    ("digits that are not ASCII", "+６２８１２３４５６７８９０", False, "+６２８１２３４５６７８９０"),
    ("empty", "", False, ""),
    ("Vonage msisdn", "6281234567890", True, "+6281234567890"),
    ("Vonage msisdn of another country", "447700900001", True, "+447700900001"),
    ("Vonage msisdn with a plus after all", "+6281234567890", True, "+6281234567890"),
    ("Vonage alphanumeric sender", "AduanNTB", True, "AduanNTB"),
    ("Vonage short code", "363", True, "363"),
    ("Vonage local-looking number", "0812345678", True, "0812345678"),
]


@pytest.mark.parametrize("label, given, plus_implied, stored", CASES, ids=[c[0] for c in CASES])
def test_international_numbers_are_stored_e164(label, given, plus_implied, stored):
    """An international number becomes "+digits"; a local number, a short code or a sender name stays as given."""
    assert e164(given, plus_implied=plus_implied) == stored

