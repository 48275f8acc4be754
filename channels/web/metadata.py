"""Remove metadata (EXIF, GPS, XMP, comments, authors) from images and PDFs.

Each image stripper copies the image's own segments or chunks byte for byte and leaves out the
ones that carry metadata, so the picture is unchanged. Bytes after the image's end marker are
dropped too: phones append things there (motion-photo videos, maker trailers).

A PDF cannot be cleaned in place (earlier revisions of an edited file stay in its bytes), so it
is parsed with pypdf and written anew from what its pages and catalog reach, less the document
information dictionary, the XMP streams, the scripts and the embedded files. Its pages keep
their content streams as they were; only the photos inside it lose their EXIF.
"""

from __future__ import annotations

import io
import struct

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

from channels.web.sniff import GIF, JPEG, PDF, PNG, WEBP, FileType


class UnreadableImage(ValueError):
    """The file starts like an image but its structure is broken, so it cannot be cleaned."""


class UnreadablePdf(ValueError):
    """The PDF is encrypted or broken beyond what pypdf reads, so its metadata cannot be removed."""


def strip_metadata(data: bytes, filetype: FileType) -> bytes:
    """Return the file without its metadata, or raise UnreadableImage or UnreadablePdf."""
    if filetype == PDF:
        return strip_pdf(data)
    strippers = {JPEG: strip_jpeg, PNG: strip_png, WEBP: strip_webp, GIF: strip_gif}
    stripper = strippers.get(filetype)
    if stripper is None:
        return data
    try:
        return stripper(data)
    except (IndexError, struct.error) as exc:
        raise UnreadableImage(f"truncated {filetype.ext} file") from exc


# --- JPEG (ITU T.81 annex B) -------------------------------------------------------------

_SOI, _EOI, _SOS, _COM = 0xD8, 0xD9, 0xDA, 0xFE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RST0-7 carry no length


def _jpeg_drops(marker: int, payload: bytes) -> bool:
    if marker == _COM:
        return True
    if 0xE1 <= marker <= 0xEF:
        # Adobe's APP14 only says how to convert the colours of CMYK/YCCK files (12 bytes, no
        # identity); without it those images decode with wrong colours.
        return not (marker == 0xEE and payload.startswith(b"Adobe") and len(payload) <= 12)
    return False


def strip_jpeg(data: bytes) -> bytes:
    """Drop APP1-APP15 (EXIF, XMP, ICC, maker notes) and COM segments from a JPEG."""
    if not data.startswith(b"\xff\xd8"):
        raise UnreadableImage("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos, n = 2, len(data)
    while True:
        if pos + 1 >= n or data[pos] != 0xFF:
            raise UnreadableImage("JPEG segment expected")
        while data[pos + 1] == 0xFF:  # fill bytes before a marker
            pos += 1
        marker = data[pos + 1]
        if marker == _EOI:
            out += b"\xff\xd9"
            return bytes(out)
        if marker in _STANDALONE:
            out += data[pos : pos + 2]
            pos += 2
            continue
        if marker == _SOI:
            raise UnreadableImage("JPEG has a second start marker")
        (length,) = struct.unpack_from(">H", data, pos + 2)
        end = pos + 2 + length
        if length < 2 or end > n:
            raise UnreadableImage("JPEG segment runs past the end")
        if not _jpeg_drops(marker, data[pos + 4 : end]):
            out += data[pos:end]
        pos = end
        if marker == _SOS:
            pos = _scan_end(data, pos)
            out += data[end:pos]


def _scan_end(data: bytes, pos: int) -> int:
    """Return where the entropy-coded data that starts at `pos` ends (the next real marker)."""
    n = len(data)
    while True:
        pos = data.find(b"\xff", pos)
        if pos < 0 or pos + 1 >= n:
            raise UnreadableImage("JPEG scan has no end")
        follower = data[pos + 1]
        if follower == 0x00 or 0xD0 <= follower <= 0xD7:  # stuffed byte or restart marker
            pos += 2
        elif follower == 0xFF:
            pos += 1
        else:
            return pos


# --- PNG (W3C PNG 3rd edition, section 5) ------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DROPS = {b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"tIME"}


def strip_png(data: bytes) -> bytes:
    """Drop the eXIf, tEXt, iTXt, zTXt and tIME chunks from a PNG."""
    if not data.startswith(_PNG_SIGNATURE):
        raise UnreadableImage("not a PNG")
    out = bytearray(_PNG_SIGNATURE)
    pos, n = len(_PNG_SIGNATURE), len(data)
    first = True
    while pos + 12 <= n:
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if end > n:
            raise UnreadableImage("PNG chunk runs past the end")
        if first and kind != b"IHDR":
            raise UnreadableImage("PNG does not start with IHDR")
        first = False
        if kind not in _PNG_DROPS:
            out += data[pos:end]
        if kind == b"IEND":
            return bytes(out)
        pos = end
    raise UnreadableImage("PNG has no IEND chunk")


# --- WebP (RFC 9649) ---------------------------------------------------------------------

_WEBP_DROPS = {b"EXIF", b"XMP "}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def strip_webp(data: bytes) -> bytes:
    """Drop the EXIF and XMP chunks of a WebP, clear their VP8X flags and fix the RIFF size."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise UnreadableImage("not a WebP")
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = 8 + riff_size
    if riff_size < 4 or end > len(data):
        raise UnreadableImage("WebP RIFF size runs past the end")
    body = bytearray()
    pos = 12
    while pos < end:
        if pos + 8 > end:
            raise UnreadableImage("WebP chunk header runs past the end")
        fourcc, size = struct.unpack_from("<4sI", data, pos)
        stop = pos + 8 + size
        if stop > end:
            raise UnreadableImage("WebP chunk runs past the end")
        chunk = bytearray(data[pos:stop])
        if size % 2:
            # Chunks are padded to an even size; a writer that left the pad off the last one is forgiven.
            chunk += data[stop : stop + 1] if stop < end else b"\x00"
            stop += 1
        if fourcc == b"VP8X":
            if size < 1:
                raise UnreadableImage("WebP VP8X chunk is empty")
            chunk[8] &= ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
        if fourcc not in _WEBP_DROPS:
            body += chunk
        pos = stop
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + bytes(body)


# --- GIF (GIF89a specification) ----------------------------------------------------------

# Application extensions that only say how an animation loops; every other one (XMP, ICC) goes.
_GIF_KEEP_APPS = {b"NETSCAPE2.0", b"ANIMEXTS1.0"}


def _sub_blocks_end(data: bytes, pos: int) -> int:
    """Return the position after the data sub-blocks that start at `pos`."""
    while True:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            if pos > len(data):
                raise UnreadableImage("GIF block runs past the end")
            return pos


def _colour_table_size(packed: int) -> int:
    return 3 * (2 ** ((packed & 0x07) + 1)) if packed & 0x80 else 0


def strip_gif(data: bytes) -> bytes:
    """Drop comment extensions and application extensions other than animation looping from a GIF."""
    if not data.startswith((b"GIF87a", b"GIF89a")):
        raise UnreadableImage("not a GIF")
    pos = 13 + _colour_table_size(data[10])
    out = bytearray(data[:pos])
    while True:
        introducer = data[pos]
        if introducer == 0x3B:
            out += b"\x3b"
            return bytes(out)
        if introducer == 0x2C:
            start = pos
            pos += 10 + _colour_table_size(data[pos + 9]) + 1  # descriptor, local table, LZW code size
            pos = _sub_blocks_end(data, pos)
            out += data[start:pos]
        elif introducer == 0x21:
            start, label = pos, data[pos + 1]
            pos = _sub_blocks_end(data, pos + 2)
            keep = label not in (0xFE, 0xFF) or (label == 0xFF and data[start + 3 : start + 14] in _GIF_KEEP_APPS)
            if keep:
                out += data[start:pos]
        else:
            raise UnreadableImage("GIF block expected")
        if pos > len(data):
            raise UnreadableImage("GIF block runs past the end")


# --- PDF (ISO 32000-2) -------------------------------------------------------------------

# Dropped from every dictionary of the document: XMP streams (on the catalog, pages, images,
# fonts), applications' private data (Illustrator keeps a whole copy of its source file there),
# the streams of embedded files, and scripts run on opening, closing or typing.
_PDF_DROP_KEYS = ("/Metadata", "/PieceInfo", "/EF", "/AA", "/JS")
_CATALOG_DROP_KEYS = ("/OpenAction", "/Collection")
_NAMES_DROP_KEYS = ("/JavaScript", "/EmbeddedFiles")
# Annotations whose /T is the name of the person who wrote them (a form field's /T is its name).
_MARKUP_ANNOTATIONS = {
    "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight",
    "/Underline", "/Squiggly", "/StrikeOut", "/Caret", "/Stamp", "/Ink", "/FileAttachment",
    "/Sound", "/Redact", "/Projection",
}


def strip_pdf(data: bytes) -> bytes:
    """Write the PDF anew without document information, XMP, scripts, embedded files or photos' EXIF."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UnreadablePdf("encrypted PDF")
        catalog = reader.root_object
        for key in _CATALOG_DROP_KEYS:
            catalog.pop(key, None)
        names = _pdf_value(catalog, "/Names")
        if isinstance(names, DictionaryObject):
            for key in _NAMES_DROP_KEYS:
                names.pop(key, None)
            if not names:
                catalog.pop("/Names")
        _scrub_pdf_objects(catalog)
        # A fresh writer has no /Info and no /ID; cloning the catalog copies only what it reaches,
        # so the reader's /Info, orphaned objects and earlier revisions are left behind.
        writer = PdfWriter()
        writer.pdf_header = reader.pdf_header
        writer.clone_reader_document_root(reader)
        writer.generate_file_identifiers()  # random: the original's /ID would link the two files
        out = io.BytesIO()
        writer.write(out)
    except UnreadablePdf:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors (and RecursionError) on hostile files
        raise UnreadablePdf(f"cannot rewrite PDF: {type(exc).__name__}") from exc
    return out.getvalue()


def _scrub_pdf_objects(catalog: DictionaryObject) -> None:
    """Drop metadata keys from every object the catalog reaches, in place in the reader's cache."""
    seen: set[tuple[int, int]] = set()
    todo: list = [catalog]
    while todo:
        obj = todo.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            for key in _PDF_DROP_KEYS:
                obj.pop(key, None)
            subtype = _pdf_value(obj, "/Subtype")
            if subtype in _MARKUP_ANNOTATIONS and "/Rect" in obj:
                obj.pop("/T", None)
            if subtype == "/Image" and isinstance(obj, StreamObject):
                _strip_pdf_jpeg(obj)
            todo.extend(obj.values())  # the references themselves, resolved when taken from the list
        elif isinstance(obj, ArrayObject):
            todo.extend(obj)


def _pdf_value(obj: DictionaryObject, key: str):
    """Return the value of `key` resolved if it is a reference, None if absent or not a name or dictionary."""
    value = obj.get(key)  # dict.get: pypdf resolves references only in []
    value = value.get_object() if value is not None else None
    return value if isinstance(value, (str, DictionaryObject)) else None


def _strip_pdf_jpeg(image: StreamObject) -> None:
    """Drop the EXIF, XMP and comments of an image stored as a plain JPEG (DCTDecode) stream."""
    filters = image.get("/Filter")
    filters = filters.get_object() if filters is not None else None
    if filters not in ("/DCTDecode", ["/DCTDecode"]):
        return
    # The base class's accessors read and write the raw (still encoded) bytes, which here are a
    # JPEG file; the encoded stream's own set_data only knows how to re-encode with Flate.
    raw = StreamObject.get_data(image)
    try:
        cleaned = strip_jpeg(raw)
    except (IndexError, struct.error) as exc:
        raise UnreadableImage("truncated JPEG inside a PDF") from exc
    StreamObject.set_data(image, cleaned)
