"""Fixtures of the web channel's tests: real image bytes built here, and a citizen filling in the form."""

from __future__ import annotations

import base64
import io
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import aiohttp
import pytest
from PIL import Image, ImageCms
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.annotations import Text
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject, NumberObject
from sqlalchemy import func, select

from store import models

SECRET_MAKE = b"SecretCam GPS 8.5833S 116.1167E"


def exif_app1(make: bytes = SECRET_MAKE) -> bytes:
    """Return a JPEG APP1 segment holding a small but well-formed EXIF block (IFD0 with a Make tag)."""
    value = make + b"\x00"
    tiff = b"MM\x00\x2a\x00\x00\x00\x08"
    tiff += struct.pack(">H", 1) + struct.pack(">HHII", 0x010F, 2, len(value), 8 + 2 + 12 + 4) + struct.pack(">I", 0)
    tiff += value
    payload = b"Exif\x00\x00" + tiff
    return b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    """Return a JPEG marker segment with its length."""
    return b"\xff" + bytes([marker]) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(*extra_segments: bytes) -> bytes:
    """Return a real 8x8 grey baseline JPEG (one DC-only block), with extra segments after APP0."""
    segment = jpeg_segment
    jfif = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    dqt = segment(0xDB, b"\x00" + b"\x01" * 64)
    sof0 = segment(0xC0, b"\x08\x00\x08\x00\x08\x01\x01\x11\x00")
    # One Huffman code ("0") per table: DC category 0 and AC end-of-block.
    dht_dc = segment(0xC4, b"\x00" + b"\x01" + b"\x00" * 15 + b"\x00")
    dht_ac = segment(0xC4, b"\x10" + b"\x01" + b"\x00" * 15 + b"\x00")
    sos = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
    scan = b"\x3f"  # DC "0", EOB "0", padded with 1-bits
    return b"\xff\xd8" + jfif + b"".join(extra_segments) + dqt + sof0 + dht_dc + dht_ac + sos + scan + b"\xff\xd9"


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """Return a PNG chunk with its length and CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(*extra_chunks: bytes) -> bytes:
    """Return a real 1x1 green PNG with extra chunks after IHDR."""
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    idat = png_chunk(b"IDAT", zlib.compress(b"\x00\x00\xff\x00"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"".join(extra_chunks) + idat + png_chunk(b"IEND", b"")


def png_claiming(width: int, height: int) -> bytes:
    """Return a small PNG whose header claims `width` x `height` pixels (a decompression bomb's shape)."""
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + png_chunk(b"IEND", b"")


# A 1x1 lossless WebP as browsers' feature tests use it; its VP8L chunk is reused below.
WEBP_1X1 = base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==")


def riff_chunk(fourcc: bytes, data: bytes) -> bytes:
    """Return a RIFF chunk, padded to an even size."""
    return fourcc + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")


def webp_with_metadata(exif: bytes = b"MM\x00\x2a" + SECRET_MAKE, xmp: bytes = b"<x:xmpmeta>Budi</x:xmpmeta>") -> bytes:
    """Return an extended-format WebP (VP8X) with EXIF and XMP chunks around the 1x1 image."""
    vp8l = WEBP_1X1[12:]
    flags = 0x08 | 0x04 | 0x10  # EXIF, XMP, alpha
    vp8x = riff_chunk(b"VP8X", bytes([flags, 0, 0, 0]) + (0).to_bytes(3, "little") + (0).to_bytes(3, "little"))
    body = vp8x + vp8l + riff_chunk(b"EXIF", exif) + riff_chunk(b"XMP ", xmp)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def gif(*extensions: bytes) -> bytes:
    """Return a real 1x1 GIF with extension blocks before its image."""
    head = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00"
    image = b"\x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00"
    return head + b"".join(extensions) + image + b"\x3b"


def one_page_pdf() -> bytes:
    """Return a plain one-page PDF as pypdf writes it, with no metadata."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = one_page_pdf()
XMP_BUDI = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about=""'
    b' xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>Budi Santoso</rdf:li></rdf:Seq>'
    b'</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def pdf_with_metadata(pages: int = 2, script: bool = False, embedded: bool = False) -> bytes:
    """Return a real PDF written by pypdf whose metadata names "Budi": /Info, XMP on the catalog and a page,
    a photo with EXIF, a comment he signed and a file /ID; with a script run on opening, or an embedded file."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "Budi Santoso", "/Title": "Laporan Budi", "/Creator": "Word on BUDI-LAPTOP",
                         "/Producer": "Budi's PDF printer"})
    writer.xmp_metadata = XMP_BUDI
    page = writer.pages[0]
    page[NameObject("/Metadata")] = writer.root_object.raw_get("/Metadata")
    photo = DecodedStreamObject()
    photo.set_data(jpeg(exif_app1()))
    photo.update({
        NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
        NameObject("/Width"): NumberObject(8), NameObject("/Height"): NumberObject(8),
        NameObject("/ColorSpace"): NameObject("/DeviceGray"), NameObject("/BitsPerComponent"): NumberObject(8),
        NameObject("/Filter"): NameObject("/DCTDecode"),
    })
    # pypdf has no public call to add an image XObject; streams must be indirect objects.
    xobjects = DictionaryObject({NameObject("/Im0"): writer._add_object(photo)})
    page[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
    writer.add_annotation(0, Text(rect=(10, 10, 40, 40), text="Lubang di sini", title_bar="Budi Santoso"))
    if embedded:
        writer.add_attachment("ktp_budi.txt", b"NIK 5201 Budi Santoso")
    if script:
        writer.add_open_action(JavaScript("app.alert('Budi')"))
    writer.generate_file_identifiers()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


GPS_GERUNG = {1: "S", 2: (8.0, 40.0, 12.5), 3: "E", 4: (116.0, 7.0, 30.0)}  # Gerung, Lombok Barat
ZIP_TRAILER = b"PK\x03\x04\x14\x00\x00\x00\x00\x00 polyglot payload: setup.exe"


def phone_photo(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), orientation: int = 6, trailer: bytes = ZIP_TRAILER,
                mode: str = "RGB") -> bytes:
    """Return a photo as a phone writes one, made with Pillow: a half red, half blue picture taken sideways
    (EXIF orientation 6), EXIF naming the camera and its owner with a GPS position, a comment, a colour
    profile, and bytes appended after its end (a ZIP, as a polyglot carries)."""
    width, height = size
    image = Image.new(mode, size, "red")
    image.paste(Image.new(mode, (width // 2, height), "blue"), (width // 2, 0))
    exif = Image.Exif()
    exif[0x010F] = SECRET_MAKE.decode()  # Make
    exif[0x013B] = "Budi Santoso"  # Artist
    exif[0x0112] = orientation
    exif[0x0132] = "2026:03:01 10:00:00"
    exif[0x8769] = {0x9003: "2026:03:01 09:59:58", 0x9286: b"ASCII\x00\x00\x00Budi's payload " * 20}
    exif[0x8825] = GPS_GERUNG
    options = {"exif": exif.tobytes(), "icc_profile": ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()}
    if fmt == "JPEG":
        options.update(comment=b"Budi's phone", quality=95)
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue() + trailer


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run in DOS mode."


@pytest.fixture
def samples() -> SimpleNamespace:
    """Builders of real files for uploads and for the metadata strippers."""
    return SimpleNamespace(
        jpeg=jpeg, jpeg_segment=jpeg_segment, exif_app1=exif_app1, png=png, png_chunk=png_chunk,
        webp_with_metadata=webp_with_metadata,
        riff_chunk=riff_chunk, webp_1x1=WEBP_1X1, gif=gif, pdf=PDF, pdf_with_metadata=pdf_with_metadata, exe=EXE,
        secret_make=SECRET_MAKE, phone_photo=phone_photo, png_claiming=png_claiming, gps_gerung=GPS_GERUNG, zip_trailer=ZIP_TRAILER,
    )


@dataclass
class OpenedForm:
    """A form as a browser got it: its page and hidden fields."""

    html: str
    csrf_token: str
    submission_id: str


class Citizen:
    """Fill in and send the web form through the test client, as a browser would."""

    def __init__(self, client) -> None:
        self.client = client

    async def open_form(self, lang: str | None = None) -> OpenedForm:
        response = await self.client.get("/", params={"lang": lang} if lang else None)
        assert response.status == 200
        return self.form_in(await response.text())

    @staticmethod
    def form_in(html: str) -> OpenedForm:
        """Read the hidden fields of the form on a page (a fresh one, or one sent back with errors)."""
        token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        submission = re.search(r'name="submission_id" value="([^"]+)"', html).group(1)
        return OpenedForm(html, token, submission)

    async def send(self, fields: dict[str, str], files: list[tuple[str, bytes]] = (), *, form: OpenedForm | None = None,
                   lang: str = "id", headers: dict[str, str] | None = None, allow_redirects: bool = False,
                   token: str | None = None, honeypot: str = "", after_files: dict[str, str] | None = None):
        """Post the form: the hidden fields first, as the page orders them, then the fields, then files."""
        form = form or await self.open_form(lang)
        # Browsers put the file name in quotes as it is; they do not percent-encode it.
        data = aiohttp.FormData(quote_fields=False, default_to_multipart=True)
        if token != "omit":
            data.add_field("csrf_token", form.csrf_token if token is None else token)
        data.add_field("submission_id", form.submission_id)
        data.add_field("website", honeypot)
        for name, value in fields.items():
            data.add_field(name, value)
        for filename, content in files:
            # Browsers send whatever type the name suggests; the server must not care.
            data.add_field("attachments", content, filename=filename, content_type="image/jpeg")
        for name, value in (after_files or {}).items():
            data.add_field(name, value)
        return await self.client.post(f"/?lang={lang}", data=data, headers=headers, allow_redirects=allow_redirects)


@pytest.fixture
def citizen(client) -> Citizen:
    """A citizen using the form through the test client."""
    return Citizen(client)


@pytest.fixture
def count_complaints(runtime):
    """Count the complaints stored."""

    def count() -> int:
        with runtime.db.reader.connect() as conn:
            return conn.execute(select(func.count()).select_from(models.Complaint)).scalar_one()

    return count


@pytest.fixture
def stored_files(runtime):
    """List the attachment files written under var/attachments."""
    def files() -> list:
        root = Path(runtime.env.var_dir) / "attachments"
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []

    return files
