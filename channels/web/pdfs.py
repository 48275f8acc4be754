"""Parse every uploaded PDF with pypdf, refuse scripts and embedded files, and write the document anew.

What is stored is always a file pypdf wrote from the parsed document: only what its catalog reaches is
copied, so bytes appended after the end, earlier revisions of an edited file and a second file format
around it (a polyglot) never reach an agency. A PDF that does not parse is refused, and so is one that is
locked with a password, one that carries JavaScript or other actions that run by themselves, and one
with files embedded in it (they are files we cannot check; the citizen can send them on their own).
The pages keep their content streams as they were. A digital signature does not survive the rewrite.

An anonymous reporter's PDF also loses its document information, XMP streams, applications' private
data, the authors of its comments and the EXIF of the photos inside it; a reporter who is not anonymous
keeps the document information and XMP (SPEC section 4).
"""

from __future__ import annotations

import io
import struct

from pypdf import PdfReader, PdfWriter
from pypdf.errors import DependencyError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject


class UnacceptablePdf(ValueError):
    """An upload that cannot be taken as a PDF; `key` names the message the form shows."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key


# Actions that run code or programs, or fetch data into the document, rather than move within it
# (ISO 32000-2, 12.6.4); /JS is the script of a JavaScript action.
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute", "/Rendition"}
_ACTIVE_KEYS = ("/JS", "/XFA")  # XFA forms carry their own scripts
_EMBEDDED_SUBTYPES = {"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/3D"}
# Dropped from every dictionary of an anonymous reporter's document: XMP streams (on the catalog, pages,
# images, fonts) and applications' private data (Illustrator keeps a whole copy of its source file there).
_METADATA_KEYS = ("/Metadata", "/PieceInfo")
# Annotations whose /T is the name of the person who wrote them (a form field's /T is its name).
_MARKUP_ANNOTATIONS = {
    "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Highlight",
    "/Underline", "/Squiggly", "/StrikeOut", "/Caret", "/Stamp", "/Ink", "/Redact", "/Projection",
}


def rewrite(data: bytes, anonymous: bool) -> bytes:
    """Return the PDF written anew (without metadata for an anonymous reporter), or raise UnacceptablePdf."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _opens_without_password(reader):
            raise UnacceptablePdf("error_pdf_encrypted", "needs a password")
        catalog = reader.root_object
        for obj in _reachable(catalog):
            _refuse_active(obj)
            if anonymous:
                _scrub(obj)
        names = _value(catalog, "/Names")
        if isinstance(names, DictionaryObject):
            if "/JavaScript" in names:
                raise UnacceptablePdf("error_pdf_script", "document-level JavaScript")
            if "/EmbeddedFiles" in names:
                raise UnacceptablePdf("error_pdf_embedded", "embedded files")
        if len(reader.pages) < 1:
            raise UnacceptablePdf("error_pdf_unreadable", "no pages")
        # A fresh writer has no /Info and no /ID; cloning the catalog copies only what it reaches,
        # so the reader's orphaned objects and earlier revisions are left behind.
        writer = PdfWriter()
        writer.pdf_header = reader.pdf_header
        writer.clone_reader_document_root(reader)
        if not anonymous and reader.metadata:
            writer.add_metadata({key: str(value) for key, value in reader.metadata.items() if isinstance(key, str)})
        writer.generate_file_identifiers()  # random: the original's /ID would link the two files
        out = io.BytesIO()
        writer.write(out)
    except UnacceptablePdf:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors (and RecursionError) on hostile files
        raise UnacceptablePdf("error_pdf_unreadable", f"cannot parse: {type(exc).__name__}") from exc
    return out.getvalue()


def _opens_without_password(reader: PdfReader) -> bool:
    """Tell whether an encrypted PDF opens with an empty password (only its permissions are locked)."""
    try:
        return bool(reader.decrypt(""))
    except DependencyError:  # AES needs the `cryptography` package, which is not installed here
        return False


def _reachable(catalog: DictionaryObject):
    """Yield every dictionary and array the catalog reaches, each once, resolving references."""
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
            yield obj
            todo.extend(obj.values())  # the references themselves, resolved when taken from the list
        elif isinstance(obj, ArrayObject):
            todo.extend(obj)


def _refuse_active(obj: DictionaryObject) -> None:
    """Raise UnacceptablePdf when a dictionary is a script, an action that runs by itself or an embedded file."""
    if any(key in obj for key in _ACTIVE_KEYS) or _value(obj, "/S") in _ACTIVE_ACTIONS:
        raise UnacceptablePdf("error_pdf_script", "an action that runs code")
    if "/EF" in obj or _value(obj, "/Type") == "/EmbeddedFile" or _value(obj, "/Subtype") in _EMBEDDED_SUBTYPES:
        raise UnacceptablePdf("error_pdf_embedded", "an embedded file")


def _scrub(obj: DictionaryObject) -> None:
    """Drop the metadata an anonymous reporter's document carries in this dictionary, in the reader's cache."""
    for key in _METADATA_KEYS:
        obj.pop(key, None)
    subtype = _value(obj, "/Subtype")
    if subtype in _MARKUP_ANNOTATIONS and "/Rect" in obj:
        obj.pop("/T", None)
    if subtype == "/Image" and isinstance(obj, StreamObject):
        _strip_jpeg_stream(obj)


def _value(obj: DictionaryObject, key: str):
    """Return the value of `key` resolved if it is a reference, None if absent or not a name or dictionary."""
    value = obj.get(key)  # dict.get: pypdf resolves references only in []
    value = value.get_object() if value is not None else None
    return value if isinstance(value, (str, DictionaryObject)) else None


def _strip_jpeg_stream(image: StreamObject) -> None:
    """Drop the EXIF, XMP and comments of an image stored as a plain JPEG (DCTDecode) stream."""
    filters = image.get("/Filter")
    filters = filters.get_object() if filters is not None else None
    if filters not in ("/DCTDecode", ["/DCTDecode"]):
        return
    # The base class's accessors read and write the raw (still encoded) bytes, which here are a
    # JPEG file; the encoded stream's own set_data only knows how to re-encode with Flate.
    StreamObject.set_data(image, strip_jpeg(StreamObject.get_data(image)))


# --- JPEG segments (ITU T.81 annex B), for the photos inside a PDF --------------------------

_EOI, _SOS, _COM = 0xD9, 0xDA, 0xFE
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # TEM and RST0-7 carry no length


def strip_jpeg(data: bytes) -> bytes:
    """Drop APP1-APP15 (EXIF, XMP, ICC, maker notes; not Adobe's colour transform) and COM segments of a JPEG,
    copying every other byte as it was; raise ValueError when its structure is broken."""
    try:
        return _strip_jpeg(data)
    except (IndexError, struct.error) as exc:
        raise ValueError("truncated JPEG") from exc


def _jpeg_drops(marker: int, payload: bytes) -> bool:
    if marker == _COM:
        return True
    if 0xE1 <= marker <= 0xEF:
        # Adobe's APP14 only says how to convert the colours of CMYK/YCCK files (12 bytes, no
        # identity); without it those images decode with wrong colours.
        return not (marker == 0xEE and payload.startswith(b"Adobe") and len(payload) <= 12)
    return False


def _strip_jpeg(data: bytes) -> bytes:
    if not data.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos, n = 2, len(data)
    while True:
        if pos + 1 >= n or data[pos] != 0xFF:
            raise ValueError("JPEG segment expected")
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
        if marker == 0xD8:
            raise ValueError("JPEG has a second start marker")
        (length,) = struct.unpack_from(">H", data, pos + 2)
        end = pos + 2 + length
        if length < 2 or end > n:
            raise ValueError("JPEG segment runs past the end")
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
            raise ValueError("JPEG scan has no end")
        follower = data[pos + 1]
        if follower == 0x00 or 0xD0 <= follower <= 0xD7:  # stuffed byte or restart marker
            pos += 2
        elif follower == 0xFF:
            pos += 1
        else:
            return pos
