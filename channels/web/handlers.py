"""The web channel's HTTP edge: the only module of the package that touches aiohttp's Request."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote

import structlog
from aiohttp import BodyPartReader, hdrs, web

from channels.web import csrf, forms, i18n, images, notes, pages, pdfs, quota, storage
from channels.web.images import UnacceptableImage
from channels.web.pdfs import UnacceptablePdf
from channels.web.sniff import HEAD_BYTES, PDF, FileType, sniff
from channels.web.timefmt import local_time
from complaints import codes, views
from complaints.model import InboundMessage, Reporter
from router import UnknownRegion
from store import queries
from store.db import StoreUnavailable

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
# The non-file fields kept as the raw message: never the CSRF token, never the honeypot.
RAW_FIELDS = ("submission_id", *forms.TEXT_FIELDS)
FIELD_LABELS = {
    "text": "label_text",
    "kind": "label_kind",
    "region": "label_region",
    "category": "label_category",
    "name": "label_name",
    "phone": "label_phone",
    "email": "label_email",
    "lat": "label_lat",
    "lon": "label_lon",
    "attachments": "label_attachments",
}
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript"}


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


class WebHandlers:
    """The pages of the web channel, bound to the service's runtime."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.room = quota.Room()
        self.decoders = asyncio.Semaphore(DECODERS)
        self.static_files = {
            path.name: (path.read_bytes(), STATIC_TYPES[path.suffix])
            for path in sorted(pages.STATIC_DIR.iterdir())
            if path.suffix in STATIC_TYPES
        }

    # --- helpers ---------------------------------------------------------------------------

    def _lang(self, request: web.Request) -> str:
        return i18n.language(request.query.get("lang"), self.runtime.config.settings.language)

    def _address(self, request: web.Request) -> str:
        return self.runtime.limiter.address(request.remote, request.headers.getall("X-Forwarded-For", ()))

    def _too_many(self, lang: str, address: str, path: str, key: str) -> web.Response:
        """The 429 page, with Retry-After, for an address past the limit."""
        seconds = self.runtime.limiter.retry_after(address, self.runtime.limiter.LIGHT)
        log.info("web.rate_limited", channel="web", path=path.split("/")[1] or "form")
        return self._notice(lang, 429, path, {"Retry-After": str(seconds)}, key=key, seconds=seconds)

    @staticmethod
    def _html(html: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        return web.Response(
            text=html, status=status, content_type="text/html", charset="utf-8", headers={**pages.PAGE_HEADERS, **(headers or {})}
        )

    def _notice(self, lang: str, status: int, path: str = "/", headers: dict[str, str] | None = None,
                key: str | None = None, **values) -> web.Response:
        t = i18n.messages(lang)
        key = key or f"notice_{status}"
        if path.startswith("/track"):
            back_url, back_label = f"/track?lang={lang}", t["track_another"]
        else:
            back_url, back_label = f"/?lang={lang}", t["back_to_form"]
        html = pages.render(
            "notice.html",
            lang,
            f"{path}?lang={i18n.other_language(lang)}",
            title=t[f"{key}_title"],
            body=t[f"{key}_body"].format(**values),
            back_url=back_url,
            back_label=back_label,
        )
        return self._html(html, status, headers)

    def _form(self, lang: str, nonce: str, submission_id: str, values: dict, errors: dict[str, str], status: int,
              files_again: bool = False) -> web.Response:
        t = i18n.messages(lang)
        config = self.runtime.config
        regions = [{"code": r.code, "label": "\u00a0\u00a0\u00a0" * r.depth + r.name} for r in config.regions.values()]
        categories = sorted({rule.then.category for rule in config.rules if rule.then.category})
        summary = [
            {"target": f"f-{name}", "label": t[label], "message": errors[name]}
            for name, label in FIELD_LABELS.items()
            if name in errors
        ]
        if files_again:
            # A file input cannot be filled in again by the page: say so beside it, after any error of its own.
            errors = {**errors, "attachments": " ".join(filter(None, (errors.get("attachments"), t["error_files_again"])))}
        html = pages.render(
            "form.html",
            lang,
            f"/?lang={i18n.other_language(lang)}",
            action_url=f"/?lang={lang}",
            csrf_token=csrf.sign(self.runtime.secret_key, nonce, submission_id),
            submission_id=submission_id,
            values=values,
            errors=errors,
            summary=summary,
            regions=regions,
            categories=categories,
            kinds=[{"value": kind, "label": t[f"kind_{kind}"]} for kind in forms.KINDS],
            max_file_bytes=forms.MAX_FILE_BYTES,
            max_files=forms.MAX_FILES,
        )
        return self._html(html, status)

    # --- the form --------------------------------------------------------------------------

    async def form(self, request: web.Request) -> web.Response:
        """Show an empty complaint form with a fresh submission id."""
        lang = self._lang(request)
        nonce = request.cookies.get(csrf.COOKIE)
        fresh = not csrf.is_nonce(nonce)
        if fresh:
            nonce = csrf.new_nonce()
        response = self._form(lang, nonce, csrf.new_submission_id(), empty_values(), {}, 200)
        if fresh:
            response.set_cookie(
                csrf.COOKIE,
                nonce,
                path="/",
                httponly=True,
                samesite="Strict",
                secure=self.runtime.env.public_url.startswith("https://"),
            )
        return response

    async def submit(self, request: web.Request) -> web.StreamResponse:
        """Take a submitted form: check it is ours, store its files, hand it to intake, show the code."""
        received_at = datetime.now(timezone.utc)
        lang = self._lang(request)
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is not None and not csrf.same_origin(origin, request.host, self.runtime.env.public_url):
            log.info("web.rejected", channel="web", reason="origin")
            return self._notice(lang, 403)
        limiter = self.runtime.limiter
        address = self._address(request)
        # Counted light before the body is read; a complaint stored tops it up to 1.
        if not limiter.allow(address, limiter.LIGHT):
            return self._too_many(lang, address, "/", "notice_429")
        if request.content_type != "multipart/form-data":
            return self._notice(lang, 400)

        got = Received(over_cap=request.content_length is not None and request.content_length > MAX_BODY_BYTES)
        keep = False
        try:
            try:
                await self._read(request, got, received_at)
                self._check_trust(request, got)
            except Refused as refused:
                log.info("web.rejected", channel="web", reason=refused.reason)
                return self._notice(lang, refused.status, headers=refused.headers)
            except ValueError:  # a multipart body that is not one
                log.info("web.rejected", channel="web", reason="malformed")
                return self._notice(lang, 400)
            response, keep = await self._accept(request, got, lang, received_at)
            if keep:
                limiter.charge(address, 1 - limiter.LIGHT)
            return response
        except StoreUnavailable:  # the quota's count or the complaint itself
            log.warning("web.store_unavailable", channel="web")
            return self._notice(lang, 503, headers={"Retry-After": "30"})
        finally:
            self.room.pending -= got.written  # kept files are counted by the store from now on
            if not keep:
                storage.remove([stored for stored, *_ in got.files])

    async def _read(self, request: web.Request, got: Received, now: datetime) -> None:
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
                self._check_trust(request, got)
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
        stored = await asyncio.to_thread(storage.save, self.runtime.env.var_dir, data, filetype, None if anonymous else name, now)
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
            got.stored_bytes = await self.runtime.read(quota.stored_bytes)
        return self.room.fits(got.stored_bytes, size, self.runtime.config.settings.attachments_quota_bytes)

    def _check_trust(self, request: web.Request, got: Received) -> None:
        """Refuse a submission whose CSRF token does not match its cookie, or whose honeypot is filled."""
        if not got.trusted:
            nonce = request.cookies.get(csrf.COOKIE)
            if not csrf.verify(self.runtime.secret_key, nonce, got.fields.get("submission_id"), got.fields.get("csrf_token")):
                raise Refused(403, "csrf")
            got.trusted = True
        if got.fields.get("website", "").strip():
            raise Refused(400, "honeypot")

    async def _clean_late(self, got: Received) -> None:
        """Clean files that arrived before the anonymous box in the body (our own form sends it first)."""
        for i, (stored, filetype, cleaned, label) in enumerate(got.files):
            if not cleaned:
                data = await asyncio.to_thread(stored.path.read_bytes)
                try:
                    data = await self._clean(data, filetype, True)
                except (UnacceptableImage, UnacceptablePdf) as exc:
                    got.file_errors.append((exc.key, label))
                    continue
                replaced = await asyncio.to_thread(storage.replace_content, stored, data)
                self.room.pending += replaced.attachment.size - stored.attachment.size
                got.written += replaced.attachment.size - stored.attachment.size
                got.files[i] = (replaced, filetype, True, label)

    async def _accept(
        self, request: web.Request, got: Received, lang: str, received_at: datetime
    ) -> tuple[web.StreamResponse, bool]:
        """Validate the fields and hand the message to intake; return the response and whether to keep the files."""
        t = i18n.messages(lang)
        nonce = request.cookies[csrf.COOKIE]
        submission_id = got.fields["submission_id"]
        submission, problems = forms.validate(got.fields)
        if submission is not None and submission.anonymous:
            await self._clean_late(got)
        errors = {name: t[key] for name, key in problems.items()}
        file_errors = [t[key].format(name=name) for key, name in got.file_errors]
        if got.cut:
            file_errors.append(t["error_body_too_large"])
        if file_errors:
            errors["attachments"] = " ".join(file_errors)
        values = submitted_values(got.fields)
        chosen = got.file_count > 0 or got.cut
        if errors:
            log.info("web.sent_back", channel="web", fields=sorted(errors))
            return self._form(lang, nonce, submission_id, values, errors, 413 if got.too_large else 400, chosen), False

        msg = InboundMessage(
            channel="web",
            provider_message_id=submission_id,
            text=submission.text,
            received_at=received_at,
            raw=json.dumps({k: got.fields[k] for k in RAW_FIELDS if k in got.fields}, ensure_ascii=False),
            kind=submission.kind,
            region=submission.region,
            category=submission.category,
            reporter=Reporter(name=submission.name, phone=submission.phone, email=submission.email),
            anonymous=submission.anonymous,
            confidential=submission.confidential,
            lat=submission.lat,
            lon=submission.lon,
            attachments=tuple(stored.attachment for stored, *_ in got.files),
            language=lang,
            mergeable=False,
        )
        try:
            result = await self.runtime.intake.accept(msg)
        except UnknownRegion:
            errors = {"region": t["error_region"]}
            return self._form(lang, nonce, submission_id, values, errors, 400, chosen), False
        # A resubmitted form answers with the first complaint; this request's files are not part of it.
        keep = result.outcome != "duplicate"
        log.info("web.accepted", channel="web", code=result.code, outcome=result.outcome, files=len(got.files),
                 not_kept=len(got.not_kept))
        location = f"/track/{quote(result.code)}?lang={lang}&new=1"
        response = web.Response(status=303, headers={hdrs.LOCATION: location, "Cache-Control": "no-store"})
        if keep and got.not_kept:
            response.set_cookie(notes.COOKIE, notes.sign(self.runtime.secret_key, result.code, got.not_kept),
                                path="/track", max_age=notes.MAX_AGE_SECONDS, httponly=True, samesite="Strict",
                                secure=self.runtime.env.public_url.startswith("https://"))
        return response, keep

    # --- tracking --------------------------------------------------------------------------

    async def track_lookup(self, request: web.Request) -> web.Response:
        """Ask for a tracking code, or send a typed one to its status page."""
        lang = self._lang(request)
        typed = request.query.get("code")
        error = None
        if typed is not None:
            code = codes.canonical(typed[:40])
            if code is not None:
                # Counted on the status page it leads to.
                return web.Response(status=303, headers={hdrs.LOCATION: f"/track/{quote(code)}?lang={lang}"})
            address = self._address(request)
            if not self.runtime.limiter.allow(address, self.runtime.limiter.LIGHT):
                return self._too_many(lang, address, "/track", "notice_track_429")
            error = i18n.messages(lang)["error_code"]
        example = f"{self.runtime.config.settings.tracking_prefix}-7K3QX9P2"
        html = pages.render(
            "track_lookup.html", lang, f"/track?lang={i18n.other_language(lang)}",
            code=(typed or "")[:40], error=error, example=example,
        )
        return self._html(html, 404 if error else 200)

    async def track(self, request: web.Request) -> web.Response:
        """Show a complaint's public status and timeline: no identity, no text when confidential."""
        lang = self._lang(request)
        limiter = self.runtime.limiter
        address = self._address(request)
        # Counted light first; a well-formed code that is no complaint's tops it up to 1.
        if not limiter.allow(address, limiter.LIGHT):
            return self._too_many(lang, address, "/track", "notice_track_429")
        code = codes.canonical(request.match_info["code"][:40])
        if code is None:
            return self._notice(lang, 404, path="/track")
        try:
            row = await self.runtime.read(queries.find_complaint, code)
            if row is None:
                limiter.charge(address, 1 - limiter.LIGHT)
                return self._notice(lang, 404, path="/track")
            events = await self.runtime.read(queries.public_events, row["id"])
        except StoreUnavailable:
            return self._notice(lang, 503, path="/track", headers={"Retry-After": "30"})
        config = self.runtime.config
        view = views.public_view(row, events, config, lang)
        region = config.regions.get(row["region"]) or config.regions[config.root]
        t = i18n.messages(lang)
        note = request.cookies.get(notes.COOKIE)
        not_kept = [t[key].format(name=name) for key, name in notes.read(self.runtime.secret_key, note, code) if key in t]
        html = pages.render(
            "track.html",
            lang,
            f"/track/{quote(code)}?lang={i18n.other_language(lang)}",
            new=request.query.get("new") == "1",
            code=view["code"],
            status=view["status"],
            status_label=view["status_label"],
            kind_label=t.get(f"kind_{view['kind']}", view["kind"]),
            category=view["category"],
            region_name=view["region"]["name"] if view["region"] else None,
            agency_name=view["agency_name"],
            received_at=view["created_at"],
            received=local_time(view["created_at"], region.timezone, lang),
            text=view.get("text"),
            timeline=[
                {"at": item["at"], "time": local_time(item["at"], region.timezone, lang), "label": item["label"]}
                for item in view["timeline"]
            ],
            not_kept=not_kept,
        )
        response = self._html(html)
        if note is not None:
            response.del_cookie(notes.COOKIE, path="/track")  # said once
        return response

    # --- static files ----------------------------------------------------------------------

    async def static(self, request: web.Request) -> web.Response:
        """Serve the pages' own CSS and JavaScript (nothing is loaded from elsewhere)."""
        found = self.static_files.get(request.match_info["name"])
        if found is None:
            raise web.HTTPNotFound()
        body, content_type = found
        return web.Response(
            body=body,
            content_type=content_type,
            charset="utf-8",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=3600"},
        )


def empty_values() -> dict:
    """The values of a fresh form."""
    values: dict = {name: "" for name in forms.FIELD_LIMITS}
    values.update(kind="complaint", anonymous=False, confidential=False)
    return values


def submitted_values(fields: dict[str, str]) -> dict:
    """The values to show again on a form sent back with errors (files cannot be kept)."""
    values = empty_values()
    values.update({name: fields[name] for name in forms.FIELD_LIMITS if name in fields})
    values["anonymous"] = forms.checked(fields.get("anonymous"))
    values["confidential"] = forms.checked(fields.get("confidential"))
    return values
