"""Whatever a browser (or anyone) posts to the complaint form, its pure readers answer it: a submission whose fields
fit the store, or an error key per field, never an exception; an uploaded file's name and type, and the signed
note of files not kept, are read without raising."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from channels.web import forms, notes, sniff
from complaints.model import breaks_line
from tests.channels.parse_properties import LIMITS, budget

FIELD_NAMES = [*forms.TEXT_FIELDS, "submission_id", "csrf", "website"]
VALUE = (st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
         | st.sampled_from(["", " ", "on", "1", "ya", "complaint", "inquiry", "-8.58", "116,1", "nan", "inf", "1e400",
                            "91", "-181", "+62 812-3456-7890", "warga@desa.id", "a@b", "\r\n", "\u2028", "\x00",
                            "7" * 41, "a" * 201, "é" * 255, "x" * 10_001])
         | st.tuples(st.sampled_from(["a ", "\t", "é"]), st.integers(1, 12_000)).map(lambda t: t[0] * t[1]))
FIELDS = st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), VALUE, max_size=len(FIELD_NAMES))
ERROR_KEYS = {"error_text_required", "error_text_too_long", "error_kind", "error_control_characters", "error_too_long",
              "error_email", "error_phone", "error_lat", "error_lon", "error_location_pair"}


@budget(500)
@given(FIELDS)
@example({"text": " \r\n "})
@example({"text": "Jalan rusak", "lat": "-8.58", "lon": ""})
@example({"text": "Jalan rusak", "name": "Baiq\u2028Nurul", "phone": "+62 812-3456-7890"})
def test_any_form_fields_give_a_submission_or_errors(fields):
    """A submission that fits the store and holds no line break where one line goes, or errors with known keys."""
    submission, errors = forms.validate(fields)
    if submission is None:
        assert errors and set(errors) <= set(forms.FIELD_LIMITS) and set(errors.values()) <= ERROR_KEYS
        return
    assert errors == {}
    assert submission.text.strip() == submission.text and 0 < len(submission.text) <= forms.MAX_TEXT_CHARS
    assert submission.kind in forms.KINDS
    for field in ("name", "phone", "email"):
        value = getattr(submission, field)
        assert value is None or (len(value) <= LIMITS[field] and not breaks_line(value))
    for field in ("region", "category"):
        value = getattr(submission, field)
        assert value is None or (len(value) <= forms.FIELD_LIMITS[field] and not breaks_line(value))
    assert (submission.lat is None) == (submission.lon is None)
    if submission.lat is not None:
        assert -90 <= submission.lat <= 90 and -180 <= submission.lon <= 180
    assert isinstance(submission.anonymous, bool) and isinstance(submission.confidential, bool)


@budget(300)
@given(st.none() | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
@example("C:\\Users\\warga\\foto jalan.jpg")
@example("../../etc/passwd")
@example("\u202egpj.exe")
def test_any_file_name_is_kept_as_a_short_name_without_folders(raw):
    """An upload's name is None or a printable name of at most 100 characters, without a folder."""
    name = forms.file_name(raw)
    assert name is None or (0 < len(name) <= forms.MAX_FILE_NAME_CHARS <= LIMITS["file_name"]
                            and "/" not in name and "\\" not in name and name.isprintable() and name == name.strip())


@budget(300)
@given(st.binary(max_size=sniff.HEAD_BYTES * 2))
@example(b"RIFF\x00\x00\x00\x00WEB")
@example(b"\x00\x00\x00\x18ftyp")
def test_any_leading_bytes_name_one_accepted_type_or_none(head):
    """A file's first bytes name one of the accepted types (a kind the store keeps) or none."""
    for found in (sniff.sniff(head), sniff.sniff_media(head)):
        assert found is None or (found.kind in {"image", "document", "audio", "video"}
                                 and len(found.content_type) <= LIMITS["content_type"])


@budget(300)
@given(st.none() | st.text(max_size=200), st.text(max_size=12))
@example("eyJjb2RlIjogIk5UQi0xIn0=.0", "NTB-1")
def test_any_note_cookie_is_read_as_nothing_unless_signed(value, code):
    """A note cookie not signed with the service's key says nothing; it never raises."""
    assert notes.read(b"test-secret-key", value, code) == []


@budget(200)
@given(st.lists(st.tuples(st.text(max_size=20), st.text(max_size=40)), max_size=12), st.text(min_size=1, max_size=12))
def test_a_signed_note_says_what_was_signed_for_its_complaint_only(items, code):
    """A note signed for a complaint reads back its first ten pairs there, and nothing for another complaint."""
    value = notes.sign(b"test-secret-key", code, items)
    assert notes.read(b"test-secret-key", value, code) == [tuple(i) for i in items][:10]
    assert notes.read(b"test-secret-key", value, code + "X") == []
    assert notes.read(b"another-key", value, code) == []
