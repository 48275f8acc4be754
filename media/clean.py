"""What a fetched file becomes before it is stored: its type told from its bytes, images decoded and written anew
(metadata stripped for an anonymous reporter), PDFs parsed and written anew, voice, audio and video kept as they are
when their bytes are of a known type; anything else refused. The same cleaning as the web form's uploads (SPEC 17)."""

from __future__ import annotations

from dataclasses import dataclass

from channels.web import images, pdfs
from channels.web.images import UnacceptableImage
from channels.web.pdfs import UnacceptablePdf
from channels.web.sniff import HEAD_BYTES, PDF, FileType, sniff_media

TYPE_NOT_ACCEPTED = "type not accepted"


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A file ready to store: the bytes we keep and their type."""

    data: bytes
    filetype: FileType


def clean(data: bytes, anonymous: bool) -> Cleaned | str:
    """Return the file to keep, or the reason it is refused (CPU-bound: run it off the event loop)."""
    filetype = sniff_media(data[:HEAD_BYTES])
    if filetype is None:
        return TYPE_NOT_ACCEPTED
    if filetype.kind in ("audio", "video"):
        return Cleaned(data, filetype)
    try:
        if filetype == PDF:
            return Cleaned(pdfs.rewrite(data, anonymous), filetype)
        return Cleaned(images.reencode(data, filetype, anonymous), filetype)
    except (UnacceptableImage, UnacceptablePdf) as exc:
        return f"{'PDF' if filetype == PDF else 'image'} refused: {exc}"
