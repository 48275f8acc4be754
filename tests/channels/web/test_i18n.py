"""The message table: both languages say the same things."""

from __future__ import annotations

from channels.web import i18n


def test_both_languages_have_every_message():
    """Indonesian and English have the same keys, and none is empty."""
    assert list(i18n.MESSAGES) == ["id", "en"]
    assert set(i18n.MESSAGES["id"]) == set(i18n.MESSAGES["en"])
    assert all(text.strip() for table in i18n.MESSAGES.values() for text in table.values())


def test_unknown_language_falls_back_to_indonesian():
    """An unknown `lang` gives Bahasa Indonesia."""
    assert i18n.language("fr") == "id"
    assert i18n.language(None) == "id"
    assert i18n.language("en") == "en"
    assert i18n.messages("xx") is i18n.MESSAGES["id"]
