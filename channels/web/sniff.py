"""Tell a file's type from its first bytes, never from its name or the browser's Content-Type."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileType:
    """An accepted upload type: the extension we store it under, its MIME type and attachment kind."""

    ext: str
    content_type: str
    kind: str  # image | document | audio | video


JPEG = FileType("jpg", "image/jpeg", "image")
PNG = FileType("png", "image/png", "image")
GIF = FileType("gif", "image/gif", "image")
WEBP = FileType("webp", "image/webp", "image")
PDF = FileType("pdf", "application/pdf", "document")
# Voice notes, audio and video citizens send on the messaging channels (kept as they are, never decoded).
OGG = FileType("ogg", "audio/ogg", "audio")  # WhatsApp and Telegram voice notes (Opus in Ogg)
AMR = FileType("amr", "audio/amr", "audio")
AMR_WB = FileType("awb", "audio/amr-wb", "audio")
MP3 = FileType("mp3", "audio/mpeg", "audio")
M4A = FileType("m4a", "audio/mp4", "audio")
MP4 = FileType("mp4", "video/mp4", "video")
MOV = FileType("mov", "video/quicktime", "video")
THREE_GP = FileType("3gp", "video/3gpp", "video")
# ISO base media brands (the `ftyp` box at byte 4) of audio and video; HEIF images share the box and are not these.
_VIDEO_BRANDS = (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"M4V ", b"MSNV")

# Enough bytes to tell every accepted type apart (WebP needs 12).
HEAD_BYTES = 16


def sniff(head: bytes) -> FileType | None:
    """Return the type the leading bytes of a file show, or None when it is not one we accept."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


def sniff_media(head: bytes) -> FileType | None:
    """Return the type the leading bytes show among the uploads' types and the voice, audio and video types a
    messaging channel carries, or None."""
    found = sniff(head)
    if found is not None:
        return found
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"#!AMR\n"):
        return AMR
    if head.startswith(b"#!AMR-WB\n"):
        return AMR_WB
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand.startswith((b"3gp", b"3g2")):
            return THREE_GP
        if brand in (b"M4A ", b"M4B "):
            return M4A
        if brand == b"qt  ":
            return MOV
        return MP4 if brand in _VIDEO_BRANDS else None
    if head.startswith(b"ID3"):
        return MP3
    # An MPEG audio frame header: 11 sync bits, a version that is not reserved (01) and a layer that is not (00).
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x18 != 0x08 and head[1] & 0x06:
        return MP3
    return None
