"""Remove metadata (EXIF, GPS, XMP, comments) from images without re-encoding them.

Each stripper copies the image's own segments or chunks byte for byte and leaves out the ones
that carry metadata, so the picture is unchanged. Bytes after the image's end marker are
dropped too: phones append things there (motion-photo videos, maker trailers).
"""

from __future__ import annotations

import struct

from channels.web.sniff import GIF, JPEG, PNG, WEBP, FileType


class UnreadableImage(ValueError):
    """The file starts like an image but its structure is broken, so it cannot be cleaned."""


def strip_metadata(data: bytes, filetype: FileType) -> bytes:
    """Return the image without its metadata; documents come back as they are."""
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
