"""Validation of the complaint form's fields, without a server."""

from __future__ import annotations

import pytest

from channels.web.forms import file_name, validate


def test_a_full_form_becomes_a_submission():
    """Every field is trimmed and typed; boxes become booleans, coordinates floats."""
    submission, errors = validate(
        {
            "text": "  Jalan rusak di Gerung\r\nsudah 3 bulan  ",
            "kind": "aspiration",
            "region": "lobar-gerung",
            "category": " jalan ",
            "name": "Budi  Santoso",
            "phone": "+62 812-3456-7890",
            "email": "budi@contoh.id",
            "anonymous": "1",
            "confidential": "on",
            "lat": "-8,6",
            "lon": "116.1",
        }
    )
    assert errors == {}
    assert submission.text == "Jalan rusak di Gerung\nsudah 3 bulan"
    assert (submission.kind, submission.region, submission.category) == ("aspiration", "lobar-gerung", "jalan")
    assert (submission.name, submission.phone, submission.email) == ("Budi Santoso", "+62 812-3456-7890", "budi@contoh.id")
    assert submission.anonymous and submission.confidential
    assert (submission.lat, submission.lon) == (-8.6, 116.1)


def test_only_text_is_required():
    """A form with only text is valid; the rest is empty or default."""
    submission, errors = validate({"text": "Lampu jalan mati"})
    assert errors == {}
    assert submission.kind == "complaint"
    assert submission.region is None and submission.email is None and submission.lat is None
    assert not submission.anonymous


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"text": "   "}, "text", "error_text_required"),
        ({"text": "x" * 10_001}, "text", "error_text_too_long"),
        ({"text": "x", "kind": "pujian"}, "kind", "error_kind"),
        ({"text": "x", "email": "budi@"}, "email", "error_email"),
        ({"text": "x", "email": "budi@contoh"}, "email", "error_email"),
        ({"text": "x", "phone": "call me"}, "phone", "error_phone"),
        ({"text": "x", "name": "B" * 201}, "name", "error_too_long"),
        ({"text": "x", "category": "c" * 65}, "category", "error_too_long"),
        ({"text": "x", "lat": "91", "lon": "116"}, "lat", "error_lat"),
        ({"text": "x", "lat": "-8.6", "lon": "181"}, "lon", "error_lon"),
        ({"text": "x", "lat": "nan", "lon": "116"}, "lat", "error_lat"),
        ({"text": "x", "lat": "-8.6"}, "lon", "error_location_pair"),
        ({"text": "x", "lon": "116.1"}, "lat", "error_location_pair"),
    ],
)
def test_bad_input_gives_an_error_on_its_field(fields, field, error):
    """Each mistake is reported on the field it belongs to."""
    submission, errors = validate(fields)
    assert submission is None
    assert errors[field] == error


def test_text_of_exactly_the_limit_is_accepted():
    """10,000 characters are allowed."""
    assert validate({"text": "é" * 10_000})[1] == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("foto.jpg", "foto.jpg"),
        ("C:\\fakepath\\foto jalan.png", "foto jalan.png"),
        ("../../etc/passwd", "passwd"),
        ("a" * 150 + ".pdf", "a" * 100),
        ("", None),
        (None, None),
        ("\x00\x07", None),
    ],
)
def test_file_names_lose_folders_and_are_cut(raw, expected):
    """Only the file's own name is kept, at most 100 characters, without control characters."""
    assert file_name(raw) == expected
