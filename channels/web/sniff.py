"""Tell a file's type from its first bytes, never from its name or the browser's Content-Type."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileType:
    """An accepted upload type: the extension we store it under, its MIME type and attachment kind."""

    ext: str
    content_type: str
    kind: str  # image | document


JPEG = FileType("jpg", "image/jpeg", "image")
PNG = FileType("png", "image/png", "image")
GIF = FileType("gif", "image/gif", "image")
WEBP = FileType("webp", "image/webp", "image")
PDF = FileType("pdf", "application/pdf", "document")

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
