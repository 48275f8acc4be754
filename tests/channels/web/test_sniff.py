"""File types are told by their first bytes, never by name or Content-Type."""

from __future__ import annotations

import pytest

from channels.web.sniff import GIF, JPEG, PDF, PNG, WEBP, sniff


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", PNG),
        (b"GIF87a\x01\x00", GIF),
        (b"GIF89a\x01\x00", GIF),
        (b"RIFF\x1a\x00\x00\x00WEBPVP8L", WEBP),
        (b"%PDF-1.7\n", PDF),
    ],
)
def test_accepted_types_are_recognised(head, expected):
    """Each accepted type is known by its magic bytes."""
    assert sniff(head) == expected


@pytest.mark.parametrize(
    "head",
    [
        b"MZ\x90\x00\x03\x00",  # a Windows program
        b"RIFF\x1a\x00\x00\x00WAVEfmt ",  # RIFF, but audio
        b"<svg xmlns=",  # SVG can carry scripts
        b"\xff\xd8",  # too short for a JPEG
        b"",
        b"PK\x03\x04",  # zip, docx
    ],
)
def test_other_content_is_refused(head):
    """Anything else, whatever its name says, is not accepted."""
    assert sniff(head) is None


def test_stored_types_have_our_own_extensions():
    """Stored files get the extension of the detected type."""
    assert [t.ext for t in (JPEG, PNG, GIF, WEBP, PDF)] == ["jpg", "png", "gif", "webp", "pdf"]
    assert [t.kind for t in (JPEG, PDF)] == ["image", "document"]
