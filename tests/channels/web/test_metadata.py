"""Metadata strippers: pure functions over bytes, tested without a server."""

from __future__ import annotations

import io
import struct

import pytest
from pypdf import PdfReader, PdfWriter

from channels.web.metadata import (
    UnreadableImage,
    UnreadablePdf,
    strip_gif,
    strip_jpeg,
    strip_metadata,
    strip_pdf,
    strip_png,
    strip_webp,
)
from channels.web.sniff import JPEG, PDF, WEBP


def test_jpeg_loses_exif_xmp_icc_and_comments_and_keeps_the_picture(samples):
    """APP1 (EXIF, XMP), APP2 (ICC), APP13 and COM go; every other byte stays as it was."""
    extras = (
        samples.exif_app1(),
        samples.jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>Budi</x:xmpmeta>"),
        samples.jpeg_segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"\x00" * 20),
        samples.jpeg_segment(0xED, b"Photoshop 3.0\x00"),
        samples.jpeg_segment(0xFE, b"taken by Budi"),
    )
    cleaned = strip_jpeg(samples.jpeg(*extras))
    assert cleaned == samples.jpeg()
    assert samples.secret_make not in cleaned and b"Budi" not in cleaned


def test_jpeg_keeps_adobe_colour_transform_segment(samples):
    """Adobe's APP14 says how to decode CMYK colours and carries no identity, so it stays."""
    adobe = samples.jpeg_segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x02")
    assert strip_jpeg(samples.jpeg(adobe, samples.exif_app1())) == samples.jpeg(adobe)


def test_jpeg_metadata_between_progressive_scans_goes_and_scan_bytes_stay(samples):
    """Stuffed bytes and restart markers inside a scan are copied; an APP1 between scans is dropped."""
    base = samples.jpeg()
    scan = b"\x12\xff\x00\x34\xff\xd0\x56"
    second_scan = samples.jpeg_segment(0xDA, b"\x01\x01\x00\x00\x3f\x00") + scan
    with_exif = base[:-2] + samples.exif_app1() + second_scan + b"\xff\xd9"
    assert strip_jpeg(with_exif) == base[:-2] + second_scan + b"\xff\xd9"


def test_jpeg_drops_what_follows_the_end_marker(samples):
    """Trailers such as a motion photo's video after EOI are not kept."""
    assert strip_jpeg(samples.jpeg() + b"\x00\x00\x00\x18ftypmp42 video with GPS") == samples.jpeg()


@pytest.mark.parametrize("cut", [3, 30, 60, -1])
def test_truncated_jpeg_is_unreadable(samples, cut):
    """A JPEG cut short cannot be cleaned and is refused rather than stored with its metadata."""
    with pytest.raises(UnreadableImage):
        strip_metadata(samples.jpeg(samples.exif_app1())[:cut], JPEG)


def test_png_loses_exif_text_and_time_chunks(samples):
    """eXIf, tEXt, iTXt, zTXt and tIME go; the image chunks are unchanged."""
    c = samples.png_chunk
    extras = (
        c(b"eXIf", b"MM\x00\x2a" + samples.secret_make),
        c(b"tEXt", b"Author\x00Budi"),
        c(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta>Budi</x:xmpmeta>"),
        c(b"zTXt", b"Comment\x00\x00" + b"x\x9c\x03\x00\x00\x00\x00\x01"),
        c(b"tIME", struct.pack(">HBBBBB", 2026, 11, 24, 14, 5, 0)),
    )
    cleaned = strip_png(samples.png(*extras))
    assert cleaned == samples.png()
    assert b"Budi" not in cleaned


def test_png_keeps_chunks_that_affect_the_picture(samples):
    """A gamma chunk is part of how the picture looks, so it stays."""
    gamma = samples.png_chunk(b"gAMA", struct.pack(">I", 45455))
    assert strip_png(samples.png(gamma)) == samples.png(gamma)


def test_png_without_end_is_unreadable(samples):
    """A PNG cut before IEND is refused."""
    with pytest.raises(UnreadableImage):
        strip_png(samples.png()[:-12])


def test_webp_loses_exif_and_xmp_and_their_flags(samples):
    """The EXIF and XMP chunks go, VP8X no longer announces them and the RIFF size is right."""
    cleaned = strip_webp(samples.webp_with_metadata())
    assert cleaned[:4] == b"RIFF" and cleaned[8:12] == b"WEBP"
    assert struct.unpack("<I", cleaned[4:8])[0] == len(cleaned) - 8
    chunks, pos = [], 12
    while pos < len(cleaned):
        fourcc, size = struct.unpack_from("<4sI", cleaned, pos)
        chunks.append((fourcc, cleaned[pos + 8 : pos + 8 + size]))
        pos += 8 + size + size % 2
    assert [fourcc for fourcc, _ in chunks] == [b"VP8X", b"VP8L"]
    assert chunks[0][1][0] == 0x10  # only the alpha flag is left
    assert chunks[1][1] == samples.webp_1x1[20:33]
    assert samples.secret_make not in cleaned and b"Budi" not in cleaned


def test_simple_webp_comes_back_unchanged(samples):
    """A WebP without metadata is returned byte for byte."""
    assert strip_webp(samples.webp_1x1) == samples.webp_1x1


def test_webp_with_a_riff_size_past_the_end_is_unreadable(samples):
    """A WebP whose RIFF size claims more bytes than it has is refused."""
    broken = samples.webp_1x1[:4] + struct.pack("<I", 4096) + samples.webp_1x1[8:]
    with pytest.raises(UnreadableImage):
        strip_metadata(broken, WEBP)


def test_gif_loses_comments_and_xmp_but_keeps_looping(samples):
    """Comment and XMP extensions go; the NETSCAPE looping extension stays."""
    comment = b"\x21\xfe\x04Budi\x00"
    xmp = b"\x21\xff\x0bXMP DataXMP" + b"\x0c<x:xmpmeta/>" + b"\x00"
    loop = b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"
    assert strip_gif(samples.gif(comment, xmp, loop)) == samples.gif(loop)


def test_pdf_loses_info_xmp_scripts_attachments_and_authors(samples):
    """No /Info, no XMP anywhere, no script or embedded file, no comment author, no EXIF in its photo."""
    original = samples.pdf_with_metadata()
    cleaned = strip_metadata(original, PDF)
    assert b"Budi" not in cleaned and b"BUDI" not in cleaned and samples.secret_make not in cleaned
    reader = PdfReader(io.BytesIO(cleaned))
    assert not reader.metadata and reader.xmp_metadata is None and "/Info" not in reader.trailer
    catalog = reader.root_object
    assert not {"/Metadata", "/Names", "/OpenAction", "/AA"} & set(catalog)
    assert reader.attachments == {}
    assert [len(p.get("/Annots", [])) for p in reader.pages] == [1, 0]
    first = reader.pages[0]
    assert "/Metadata" not in first
    (comment,) = [a.get_object() for a in first["/Annots"]]
    assert comment["/Contents"] == "Lubang di sini" and "/T" not in comment
    photo = first["/Resources"]["/XObject"]["/Im0"]
    assert photo.get_data() == samples.jpeg()  # the picture's own bytes, less its EXIF


def test_pdf_keeps_its_pages_and_version(samples):
    """The rewritten PDF has the same number of pages, the same page sizes and the same header."""
    original = samples.pdf_with_metadata(pages=3)
    before, after = (PdfReader(io.BytesIO(d)) for d in (original, strip_pdf(original)))
    assert len(after.pages) == len(before.pages) == 3
    assert [p.mediabox for p in after.pages] == [p.mediabox for p in before.pages]
    assert after.pdf_header == before.pdf_header


def test_pdf_earlier_revisions_are_not_kept(samples):
    """An incremental update leaves the old /Info in the file's bytes; the rewrite does not."""
    writer = PdfWriter(io.BytesIO(samples.pdf_with_metadata()), incremental=True)
    writer.metadata = {"/Author": "Anonim"}
    updated = io.BytesIO()
    writer.write(updated)
    assert b"Budi Santoso" in updated.getvalue()
    cleaned = strip_pdf(updated.getvalue())
    assert b"Budi" not in cleaned and b"Anonim" not in cleaned


def test_pdf_gets_a_new_file_identifier(samples):
    """The original's /ID would tie the stored file to the copy on the reporter's device, so it is replaced."""
    original = samples.pdf_with_metadata()
    old_ids = set(PdfReader(io.BytesIO(original)).trailer["/ID"])
    new_ids = set(PdfReader(io.BytesIO(strip_pdf(original))).trailer["/ID"])
    assert len(new_ids) == 1 and not old_ids & new_ids


def test_encrypted_pdf_is_unreadable(samples):
    """An encrypted PDF cannot be cleaned, so it is refused rather than stored with its metadata."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(samples.pdf_with_metadata())))
    writer.encrypt(user_password="", owner_password="rahasia", algorithm="RC4-128")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    with pytest.raises(UnreadablePdf):
        strip_metadata(encrypted.getvalue(), PDF)


@pytest.mark.parametrize("data", [b"%PDF-1.4 garbage", b"%PDF-1.4\n" + b"\x00" * 200])
def test_broken_pdf_is_unreadable(data):
    """A file that only starts like a PDF is refused."""
    with pytest.raises(UnreadablePdf):
        strip_metadata(data, PDF)
