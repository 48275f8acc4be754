"""The send limits' decisions without a store: which numbers an SMS may go to, what counts as one destination."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from config.models import SendLimits
from delivery.limits import Notice, Sent, country_refusal, destination, lookup, refusals

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
INDONESIA = SendLimits()


@pytest.mark.parametrize(("number", "allowed"), [
    ("+6281234567890", True),
    ("+62 812-3456-7890", True),
    ("081234567890", True),  # national: dialled at home by the gateway, Indonesia
    ("(0370) 123456", True),  # a Mataram landline, national
    ("6281234567890", True),  # Vonage's form: international digits without "+"
    ("006281234567890", True),
    ("+882 1600 0123", False),  # international networks: premium ranges
    ("+447700900123", False),
    ("81234567890", False),  # bare digits read as Vonage reads them: +81, Japan
    ("+1 809 555 0123", False),
    ("TELKOMSEL", False),  # a sender name cannot be checked
    ("3636", False),  # a short code cannot be checked
    ("+62123", False),  # too short for a number
])
def test_sms_goes_only_to_numbers_whose_calling_code_is_allowed(number, allowed):
    """Every way a number is written is judged by the country it reaches; what cannot be told is refused."""
    reason = country_refusal(number, INDONESIA)
    assert (reason is None) is allowed
    if not allowed:
        assert "send_limits.sms_countries" in reason


def test_a_second_allowed_country_and_an_empty_list():
    """Listing "44" lets +44 numbers through; an empty list refuses every SMS, national ones too."""
    both = SendLimits(sms_countries=["62", "44"])
    assert country_refusal("+447700900123", both) is None
    nowhere = SendLimits(sms_countries=[])
    assert all(country_refusal(n, nowhere) for n in ("+6281234567890", "081234567890"))


@pytest.mark.parametrize(("transport", "first", "second"), [
    ("sms", "+6281234567890", "0812-3456-7890"),
    ("sms-vonage", "6281234567890", "+62 812 3456 7890"),
    ("email", "Warga@Example.com", "warga@example.com"),
    ("email", "warga+aduan1@example.com", "warga+aduan2@example.com"),  # one mailbox, two tags
    ("email", "siti.rahma@gmail.com", "sitirahma@gmail.com"),  # Gmail ignores the dots
])
def test_one_destination_however_it_is_written(transport, first, second):
    """The forms of one number or mailbox count as one destination."""
    assert destination(transport, first, INDONESIA) == destination(transport, second, INDONESIA) is not None


def test_per_destination_counts_the_24_hours_up_to_now_and_the_notices_allowed_before():
    """Four sends in the last day and one of 25 h ago: one more is allowed, the next one refused."""
    sent = [Sent("sms", "+6281234567890", NOW - timedelta(hours=h)) for h in (1, 5, 10, 23)]
    sent.append(Sent("sms", "+6281234567890", NOW - timedelta(hours=25)))
    notices = [Notice(1, "sms-twilio", "081234567890"), Notice(2, "sms", "+6281234567890")]
    refused = refusals(notices, sent, 0, INDONESIA, NOW)
    assert list(refused) == [2] and refused[2].rule == "per_destination_per_day"


def test_per_hour_counts_the_sends_of_the_hour_and_the_notices_allowed_before():
    """With per_hour 2 and one send in the hour: one notice goes, the next is refused."""
    notices = [Notice(1, "sms", "+6281200000002"), Notice(2, "email", "b@example.id")]
    refused = refusals(notices, [], 1, SendLimits(per_hour=2), NOW)
    assert list(refused) == [2] and refused[2].rule == "per_hour"


def test_the_store_is_asked_for_every_stored_form_of_a_destination():
    """A notice to "0812…" looks for "+62812…", "62812…", "0062812…" and "0812…"; an address for its tagged forms."""
    wanted = lookup([Notice(1, "sms", "0812-3456-7890"), Notice(2, "email", "Siti.Rahma+1@Gmail.com"),
                     Notice(3, "email", "budi_s@mail.example.id")], INDONESIA)
    assert wanted.numbers == {"+6281234567890", "6281234567890", "006281234567890", "081234567890"}
    assert wanted.mailboxes == {("sitirahma%@gmailcom", True), ("budi\\_s%@mail.example.id", False)}
