"""PDFs parsed and written anew: pure functions over bytes, tested without a server."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.errors import DependencyError
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from channels.web.pdfs import UnacceptablePdf, rewrite, strip_jpeg


def refusal(data: bytes, anonymous: bool = False) -> str:
    with pytest.raises(UnacceptablePdf) as refused:
        rewrite(data, anonymous)
    return refused.value.key


def test_anonymous_reporters_pdf_loses_info_xmp_authors_and_photo_exif(samples):
    """No /Info, no XMP anywhere, no comment author, no EXIF in its photo; the comment's text stays."""
    cleaned = rewrite(samples.pdf_with_metadata(), anonymous=True)
    assert b"Budi" not in cleaned and b"BUDI" not in cleaned and samples.secret_make not in cleaned
    reader = PdfReader(io.BytesIO(cleaned))
    assert not reader.metadata and reader.xmp_metadata is None and "/Info" not in reader.trailer
    assert "/Metadata" not in reader.root_object
    first = reader.pages[0]
    assert "/Metadata" not in first
    (comment,) = [a.get_object() for a in first["/Annots"]]
    assert comment["/Contents"] == "Lubang di sini" and "/T" not in comment
    photo = first["/Resources"]["/XObject"]["/Im0"]
    assert photo.get_data() == samples.jpeg()  # the picture's own bytes, less its EXIF


def test_reporters_pdf_keeps_its_information_and_pages(samples):
    """A reporter who is not anonymous keeps author, title and XMP; pages, sizes and version are the same."""
    original = samples.pdf_with_metadata(pages=3)
    before, after = PdfReader(io.BytesIO(original)), PdfReader(io.BytesIO(rewrite(original, anonymous=False)))
    assert after.metadata["/Author"] == "Budi Santoso" and after.metadata["/Title"] == "Laporan Budi"
    assert after.xmp_metadata is not None
    assert len(after.pages) == len(before.pages) == 3
    assert [p.mediabox for p in after.pages] == [p.mediabox for p in before.pages]
    assert after.pdf_header == before.pdf_header


@pytest.mark.parametrize("anonymous", [False, True])
def test_bytes_appended_after_the_end_are_not_kept(samples, anonymous):
    """A ZIP after %%EOF (a PDF/ZIP polyglot) is not in what is stored."""
    written = rewrite(samples.pdf + samples.zip_trailer, anonymous)
    assert b"PK\x03\x04" not in written and b"setup.exe" not in written
    assert len(PdfReader(io.BytesIO(written)).pages) == 1


def test_earlier_revisions_are_not_kept(samples):
    """An incremental update leaves the old /Info in the file's bytes; the rewrite keeps only the current one."""
    writer = PdfWriter(io.BytesIO(samples.pdf), incremental=True)
    writer.metadata = {"/Author": "Budi Santoso"}
    first = io.BytesIO()
    writer.write(first)
    writer = PdfWriter(io.BytesIO(first.getvalue()), incremental=True)
    writer.metadata = {"/Author": "Anonim"}
    updated = io.BytesIO()
    writer.write(updated)
    assert b"Budi Santoso" in updated.getvalue()
    written = rewrite(updated.getvalue(), anonymous=False)
    assert b"Budi" not in written and PdfReader(io.BytesIO(written)).metadata["/Author"] == "Anonim"


def test_pdf_gets_a_new_file_identifier(samples):
    """The original's /ID would tie the stored file to the copy on the reporter's device, so it is replaced."""
    original = samples.pdf_with_metadata()
    old_ids = set(PdfReader(io.BytesIO(original)).trailer["/ID"])
    new_ids = set(PdfReader(io.BytesIO(rewrite(original, anonymous=False))).trailer["/ID"])
    assert len(new_ids) == 1 and not old_ids & new_ids


@pytest.mark.parametrize("anonymous", [False, True])
def test_pdf_with_a_script_is_refused(samples, anonymous):
    """JavaScript run on opening is refused, whoever sends it (it would run on an agency's computer)."""
    assert refusal(samples.pdf_with_metadata(script=True), anonymous) == "error_pdf_script"


def test_pdf_with_a_launch_action_in_a_link_is_refused(samples):
    """A link that starts a program is active content too."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(samples.pdf)))
    action = DictionaryObject({NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")})
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): action})
    out = io.BytesIO()
    writer.write(out)
    assert refusal(out.getvalue()) == "error_pdf_script"


@pytest.mark.parametrize("anonymous", [False, True])
def test_pdf_with_an_embedded_file_is_refused(samples, anonymous):
    """A file inside the PDF is one we cannot check: the citizen is asked to send it on its own."""
    assert refusal(samples.pdf_with_metadata(embedded=True), anonymous) == "error_pdf_embedded"


def test_pdf_locked_with_a_password_is_refused(samples):
    """A PDF that needs a password to open cannot be checked, nor read by the agency."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(samples.pdf_with_metadata())))
    writer.encrypt(user_password="buka", owner_password="rahasia", algorithm="RC4-128")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    assert refusal(encrypted.getvalue()) == "error_pdf_encrypted"


def test_pdf_with_only_an_owner_password_is_taken_and_stored_unlocked(samples):
    """A PDF that opens without a password (only its permissions are locked) is checked and written unlocked."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(samples.pdf_with_metadata())))
    writer.encrypt(user_password="", owner_password="rahasia", algorithm="RC4-128")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    reader = PdfReader(io.BytesIO(rewrite(encrypted.getvalue(), anonymous=True)))
    assert not reader.is_encrypted and len(reader.pages) == 2


@pytest.mark.parametrize("data", [b"%PDF-1.4 garbage", b"%PDF-1.4\n" + b"\x00" * 200,
                                  b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
                                  b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"])
def test_pdf_that_does_not_parse_or_has_no_page_is_refused(data):
    """A file that only starts like a PDF, or one without a single page, is refused."""
    assert refusal(data) == "error_pdf_unreadable"


def test_jpeg_segments_inside_a_pdf_lose_exif_and_keep_the_picture(samples):
    """APP1 (EXIF, XMP), APP2 (ICC), APP13 and COM go from a PDF's JPEG stream; every other byte stays."""
    extras = (
        samples.exif_app1(),
        samples.jpeg_segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"\x00" * 20),
        samples.jpeg_segment(0xED, b"Photoshop 3.0\x00"),
        samples.jpeg_segment(0xFE, b"taken by Budi"),
    )
    assert strip_jpeg(samples.jpeg(*extras)) == samples.jpeg()
    adobe = samples.jpeg_segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x02")
    assert strip_jpeg(samples.jpeg(adobe, samples.exif_app1())) == samples.jpeg(adobe)


def test_pdf_encrypted_with_aes_is_refused_as_locked(samples, monkeypatch):
    """Without the package pypdf needs for AES, a PDF encrypted that way is refused as locked, never stored."""
    def no_aes(self, password):
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", no_aes)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(samples.pdf)))
    writer.encrypt(user_password="", owner_password="rahasia", algorithm="RC4-128")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    assert refusal(encrypted.getvalue()) == "error_pdf_encrypted"
