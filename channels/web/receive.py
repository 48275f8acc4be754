"""Read a submitted form's multipart body part by part: check it comes from our form, then clean and write each
accepted file as it completes, within the size limits and the attachments quota."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from aiohttp import BodyPartReader, hdrs, web

from channels.descriptor import Ports
from channels.web import forms, images, pdfs, quota, storage
from channels.web.images import UnacceptableImage
from channels.web.pdfs import UnacceptablePdf
from channels.web.sniff import HEAD_BYTES, PDF, FileType, sniff
from edges import csrf

log = structlog.get_logger("channels.web")

CHUNK_BYTES = 64 * 1024
MAX_PARTS = 40
# UTF-8 takes at most 4 bytes a character; anything longer cannot be a valid text.
MAX_TEXT_BYTES = forms.MAX_TEXT_CHARS * 4 + 64
MAX_FIELD_BYTES = 2048
# A body past this is not read to its end (aiohttp's client_max_size does not apply to a multipart body read
# part by part): 3 files of 5 MB and the fields.
MAX_BODY_BYTES = forms.MAX_FILES * forms.MAX_FILE_BYTES + 1024 * 1024
# Images decoded at once: each may take some 200 MB (50 megapixels), and decoding is CPU-bound.
DECODERS = 2


class Refused(Exception):
    """Stop reading a submission and answer with one of the notice pages."""

    def __init__(self, status: int, reason: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.headers = headers or {}


@dataclass
class Received:
    """What has been read of one submission so far, including the files already written."""

    fields: dict[str, str] = field(default_factory=dict)
    # (file, type, metadata removed, the name to show the citizen)
    files: list[tuple[storage.StoredFile, FileType, bool, str]] = field(default_factory=list)
    file_errors: list[tuple[str, str]] = field(default_factory=list)  # (message key, file name): the form comes back
    not_kept: list[tuple[str, str]] = field(default_factory=list)  # (message key, file name): taken without them
    file_count: int = 0
    read_bytes: int = 0
    trusted: bool = False
    over_cap: bool = False  # Content-Length says the body is larger than any form we take
    cut: bool = False  # the body was not read to its end
    too_large: bool = False  # a file, or the whole body, was over its size limit
    stored_bytes: int | None = None  # the store's attachment bytes, read at the first file to keep
    written: int = 0  # bytes of files this request wrote


class Receiver:
    """Reads submissions for the form, sharing the room left under the quota and the image decoders between them."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self.room = quota.Room()
        self.decoders = asyncio.Semaphore(DECODERS)

    async def read(self, request: web.Request, got: Received, now: datetime) -> None:
        """Read the multipart body part by part, writing each accepted file as it completes.

        Our form sends every typed field before the files, so whatever stops the reading at a file (a body
        larger than any form we take) still leaves all that the citizen typed to show again.
        """
        reader = await request.multipart()
        parts = 0
        while True:
            part = await reader.next()
            if part is None:
                return
            parts += 1
            if parts > MAX_PARTS or not isinstance(part, BodyPartReader):
                raise Refused(400, "shape")
            encoding = part.headers.get(hdrs.CONTENT_TRANSFER_ENCODING, "binary").lower()
            if encoding not in ("binary", "8bit", "7bit") or part.headers.get(hdrs.CONTENT_ENCODING, "identity") != "identity":
                # Browsers never encode parts; an encoded one would dodge the size checks.
                raise Refused(400, "encoded_part")
            if part.name == "attachments":
                # Nothing is written to disk before the submission has shown it comes from our form.
                self.check_trust(request, got)
                if got.over_cap:
                    got.cut = got.too_large = True  # not one byte of the files is read
                    return
                await self._receive_file(part, got, now)
                if got.cut:
                    return
            else:
                limit = MAX_TEXT_BYTES if part.name == "text" else MAX_FIELD_BYTES
                data = await self._read_field(part, limit, got)
                if part.name and part.name not in got.fields:
                    got.fields[part.name] = data.decode("utf-8", "replace")

    @staticmethod
    async def _read_field(part: BodyPartReader, limit: int, got: Received) -> bytes:
        """Read one field, answering 413 as soon as it passes `limit` (our form's fields never do)."""
        data = bytearray()
        while chunk := await part.read_chunk(CHUNK_BYTES):
            data += chunk
            got.read_bytes += len(chunk)
            if len(data) > limit or got.read_bytes > MAX_BODY_BYTES:
                raise Refused(413, "too_large")
        return bytes(data)

    @staticmethod
    async def _read_file(part: BodyPartReader, got: Received) -> bytes | None:
        """Read one file; None when it passes the size limit (the rest of it is read and dropped, to reach the
        parts after it) or the body passes its cap (then `got.cut` is set and reading stops)."""
        data: bytearray | None = bytearray()
        while chunk := await part.read_chunk(CHUNK_BYTES):
            got.read_bytes += len(chunk)
            if got.read_bytes > MAX_BODY_BYTES:
                got.cut = got.too_large = True
                return None
            if data is not None:
                data += chunk
                if len(data) > forms.MAX_FILE_BYTES:
                    data = None
        return None if data is None else bytes(data)

    async def _receive_file(self, part: BodyPartReader, got: Received, now: datetime) -> None:
        """Read one file, check its type by content, decode and write it anew, and store it if there is room."""
        data = await self._read_file(part, got)
        if got.cut or (data == b"" and not part.filename):
            return  # the body was cut short, or a file input left empty
        got.file_count += 1
        if got.file_count > forms.MAX_FILES:
            if ("error_too_many_files", "") not in got.file_errors:
                got.file_errors.append(("error_too_many_files", ""))
            return
        name = forms.file_name(part.filename)
        label = name or "?"
        if data is None:
            got.too_large = True
            got.file_errors.append(("error_file_too_large", label))
            return
        filetype = sniff(data[:HEAD_BYTES])
        if filetype is None:
            got.file_errors.append(("error_file_type", label))
            return
        anonymous = forms.checked(got.fields.get("anonymous"))
        try:
            data = await self._clean(data, filetype, anonymous)
        except (UnacceptableImage, UnacceptablePdf) as exc:
            log.info("web.file_refused", channel="web", reason=exc.key, detail=str(exc))
            got.file_errors.append((exc.key, label))
            return
        if not await self._fits(len(data), got):
            log.warning("web.file_not_kept", channel="web", reason="attachments_quota", size=len(data))
            got.not_kept.append(("note_quota", label))
            return
        # File names often carry the sender's name or device: an anonymous reporter's are not kept.
        try:
            stored = await asyncio.to_thread(storage.save, self.ports.var_dir, data, filetype,
                                             None if anonymous else name, now)
        except OSError as exc:  # the disk is full (or the folder unwritable): the complaint is taken without the file
            log.error("web.file_not_kept", channel="web", reason="write_failed", error=exc.strerror or type(exc).__name__)
            got.not_kept.append(("note_quota", label))
            return
        self.room.pending += len(data)
        got.written += len(data)
        got.files.append((stored, filetype, anonymous, label))

    async def _clean(self, data: bytes, filetype: FileType, anonymous: bool) -> bytes:
        """Decode an image and encode it anew, or parse a PDF and write it anew, off the event loop."""
        async with self.decoders:
            if filetype == PDF:
                return await asyncio.to_thread(pdfs.rewrite, data, anonymous)
            return await asyncio.to_thread(images.reencode, data, filetype, anonymous)

    async def _fits(self, size: int, got: Received) -> bool:
        """Tell whether a file of `size` bytes stays under `attachments_quota_bytes` with every file stored so far."""
        if got.stored_bytes is None:
            got.stored_bytes = await self.ports.read(quota.stored_bytes)
        return self.room.fits(got.stored_bytes, size, self.ports.config.settings.attachments_quota_bytes)

    def check_trust(self, request: web.Request, got: Received) -> None:
        """Refuse a submission whose CSRF token does not match its cookie, or whose honeypot is filled."""
        if not got.trusted:
            nonce = request.cookies.get(csrf.COOKIE)
            if not csrf.verify(self.ports.secret_key, nonce, got.fields.get("submission_id"), got.fields.get("csrf_token")):
                raise Refused(403, "csrf")
            got.trusted = True
        if got.fields.get("website", "").strip():
            raise Refused(400, "honeypot")

    async def clean_late(self, got: Received) -> None:
        """Clean files that arrived before the anonymous box in the body (our own form sends it first)."""
        for i, (stored, filetype, cleaned, label) in enumerate(list(got.files)):
            if not cleaned:
                data = await asyncio.to_thread(stored.path.read_bytes)
                try:
                    data = await self._clean(data, filetype, True)
                except (UnacceptableImage, UnacceptablePdf) as exc:
                    got.file_errors.append((exc.key, label))
                    continue
                try:
                    replaced = await asyncio.to_thread(storage.replace_content, stored, data)
                except OSError as exc:  # the disk full: the file as sent (with its metadata) is not kept at all
                    log.error("web.file_not_kept", channel="web", reason="write_failed",
                              error=exc.strerror or type(exc).__name__)
                    await asyncio.to_thread(storage.remove, [stored])
                    got.files[i] = None
                    got.not_kept.append(("note_quota", label))
                    continue
                self.room.pending += replaced.attachment.size - stored.attachment.size
                got.written += replaced.attachment.size - stored.attachment.size
                got.files[i] = (replaced, filetype, True, label)
        got.files[:] = [f for f in got.files if f is not None]

    def release(self, got: Received, keep: bool) -> None:
        """Once the submission is answered: stop counting its files as pending, and remove them unless kept."""
        self.room.pending -= got.written  # kept files are counted by the store from now on
        if not keep:
            storage.remove([stored for stored, *_ in got.files])
