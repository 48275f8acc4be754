"""Whatever a provider sends is stored, never refused by the database (a 503 the provider would retry for ever):
lone surrogates, ids and names past their columns, sizes no column holds (intake/fit.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from complaints.model import Attachment, InboundMessage, Reporter
from intake.fit import EMPTY, PROVIDER_ID, SENDER_ID, fit_id, fit_to_store

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)


def message(**fields) -> InboundMessage:
    return InboundMessage(channel="whatsapp", provider_message_id=fields.pop("provider_message_id", "wamid.1"),
                          text=fields.pop("text", "Jalan rusak"), received_at=NOW, **fields)


def test_a_message_that_fits_is_left_as_it_is():
    msg = message(sender_id="6281234567890", reporter=Reporter(name="Baiq Nurul", phone="+6281234567890"))
    assert fit_to_store(msg) is msg


def test_a_long_id_fits_the_same_way_each_time_and_two_stay_apart():
    """A redelivered long id is still a duplicate, and two ids sharing their first 255 characters are not."""
    one, other = "w" * 300 + "1", "w" * 300 + "2"
    assert fit_id(one, PROVIDER_ID) == fit_id(one, PROVIDER_ID)
    assert fit_id(one, PROVIDER_ID) != fit_id(other, PROVIDER_ID)
    assert len(fit_id(one, PROVIDER_ID)) == PROVIDER_ID and fit_id(one, PROVIDER_ID).startswith("w" * 200)
    fitted = fit_to_store(message(provider_message_id=one, sender_id="6" * 200, edit_of=one))
    assert fitted.provider_message_id == fitted.edit_of and len(fitted.sender_id) == SENDER_ID


def test_lone_surrogates_become_replacement_characters_everywhere():
    fitted = fit_to_store(message(text="Jalan \ud800 rusak", sender_id="62\udfff",
                                  reporter=Reporter(name="Nurul \ud83d"),
                                  attachments=(Attachment(kind="image", name="foto\udc00.jpg"),)))
    assert fitted.text == "Jalan \ufffd rusak" and fitted.sender_id == "62\ufffd"
    assert fitted.reporter.name == "Nurul \ufffd" and fitted.attachments[0].name == "foto\ufffd.jpg"
    for value in (fitted.text, fitted.sender_id, fitted.reporter.name):
        value.encode("utf-8")  # storable


def test_fields_that_cannot_be_cut_are_dropped_and_others_cut():
    fitted = fit_to_store(message(reporter=Reporter(name="N" * 300, phone="+" + "6" * 50, email="a" * 300 + "@x.id"),
                                  attachments=(Attachment(kind="document", content_type="x/" + "y" * 200,
                                                          size=2**64 - 1, name="f" * 400),)))
    assert len(fitted.reporter.name) == 200 and fitted.reporter.phone is None and fitted.reporter.email is None
    attachment = fitted.attachments[0]
    assert attachment.content_type is None and attachment.size is None and len(attachment.name) == 255


def test_a_text_with_nothing_to_read_is_the_stand_in_of_a_message_without_words():
    assert fit_to_store(message(text="   ")).text == EMPTY
