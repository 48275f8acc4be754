"""The web channel's HTTP edge: the only module of the package that touches aiohttp's Request."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import quote

import structlog
from aiohttp import BodyPartReader, hdrs, web

from channels.web import csrf, forms, i18n, pages, storage
from channels.web.metadata import UnreadableImage, UnreadablePdf, strip_metadata
from channels.web.sniff import HEAD_BYTES, FileType, sniff
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
MAX_BODY_BYTES = forms.MAX_FILES * forms.MAX_FILE_BYTES + 1024 * 1024
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
    "attachments": "label_attachments",
    "lat": "label_lat",
    "lon": "label_lon",
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
    files: list[tuple[storage.StoredFile, FileType, bool]] = field(default_factory=list)  # (file, type, cleaned)
    file_errors: list[tuple[str, str]] = field(default_factory=list)  # (message key, file name)
    file_count: int = 0
    read_bytes: int = 0
    trusted: bool = False


class WebHandlers:
    """The pages of the web channel, bound to the service's runtime."""

    def __init__(self, runtime) -> None:
        self.runtime = runtime
        self.static_files = {
            path.name: (path.read_bytes(), STATIC_TYPES[path.suffix])
            for path in sorted(pages.STATIC_DIR.iterdir())
            if path.suffix in STATIC_TYPES
        }

    # --- helpers ---------------------------------------------------------------------------

    def _lang(self, request: web.Request) -> str:
        return i18n.language(request.query.get("lang"), self.runtime.config.settings.language)

    @staticmethod
    def _html(html: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        return web.Response(
            text=html, status=status, content_type="text/html", charset="utf-8", headers={**pages.PAGE_HEADERS, **(headers or {})}
        )

    def _notice(self, lang: str, status: int, path: str = "/", headers: dict[str, str] | None = None, **values) -> web.Response:
        t = i18n.messages(lang)
        if path.startswith("/track"):
            back_url, back_label = f"/track?lang={lang}", t["track_another"]
        else:
            back_url, back_label = f"/?lang={lang}", t["back_to_form"]
        html = pages.render(
            "notice.html",
            lang,
            f"{path}?lang={i18n.other_language(lang)}",
            title=t[f"notice_{status}_title"],
            body=t[f"notice_{status}_body"].format(**values),
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
        if files_again and "attachments" not in errors:
            errors = {**errors, "attachments": t["error_files_again"]}
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
        address = limiter.address(request.remote, request.headers.get("X-Forwarded-For"))
        if not limiter.allow(address):
            seconds = limiter.retry_after(address)
            log.info("web.rate_limited", channel="web")
            return self._notice(lang, 429, headers={"Retry-After": str(seconds)}, seconds=seconds)
        if request.content_type != "multipart/form-data":
            return self._notice(lang, 400)
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return self._notice(lang, 413)

        got = Received()
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
            return response
        finally:
            if not keep:
                storage.remove([stored for stored, _, _ in got.files])

    async def _read(self, request: web.Request, got: Received, now: datetime) -> None:
        """Read the multipart body part by part, writing each accepted file as it completes."""
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
                await self._receive_file(part, got, now)
            else:
                limit = MAX_TEXT_BYTES if part.name == "text" else MAX_FIELD_BYTES
                data = await self._read_part(part, limit, got)
                if part.name and part.name not in got.fields:
                    got.fields[part.name] = data.decode("utf-8", "replace")

    @staticmethod
    async def _read_part(part: BodyPartReader, limit: int, got: Received) -> bytes:
        """Read one part, answering 413 as soon as it passes `limit` or the body passes its cap."""
        data = bytearray()
        while chunk := await part.read_chunk(CHUNK_BYTES):
            data += chunk
            got.read_bytes += len(chunk)
            if len(data) > limit or got.read_bytes > MAX_BODY_BYTES:
                raise Refused(413, "too_large")
        return bytes(data)

    async def _receive_file(self, part: BodyPartReader, got: Received, now: datetime) -> None:
        """Read one file, check its type by content, clean it for an anonymous reporter and write it."""
        data = await self._read_part(part, forms.MAX_FILE_BYTES, got)
        if not data and not part.filename:
            return  # a file input left empty
        got.file_count += 1
        if got.file_count > forms.MAX_FILES:
            if ("error_too_many_files", "") not in got.file_errors:
                got.file_errors.append(("error_too_many_files", ""))
            return
        name = forms.file_name(part.filename)
        filetype = sniff(data[:HEAD_BYTES])
        if filetype is None:
            got.file_errors.append(("error_file_type", name or "?"))
            return
        cleaned = forms.checked(got.fields.get("anonymous"))
        if cleaned:
            try:
                data = await asyncio.to_thread(strip_metadata, data, filetype)
            except (UnreadableImage, UnreadablePdf) as exc:
                got.file_errors.append((uncleanable_message(exc), name or "?"))
                return
            name = None  # file names often carry the sender's name or device
        stored = await asyncio.to_thread(storage.save, self.runtime.env.var_dir, data, filetype, name, now)
        got.files.append((stored, filetype, cleaned))

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
        for i, (stored, filetype, cleaned) in enumerate(got.files):
            if not cleaned:
                data = await asyncio.to_thread(stored.path.read_bytes)
                try:
                    data = await asyncio.to_thread(strip_metadata, data, filetype)
                except (UnreadableImage, UnreadablePdf) as exc:
                    got.file_errors.append((uncleanable_message(exc), stored.attachment.name or "?"))
                    continue
                got.files[i] = (await asyncio.to_thread(storage.replace_content, stored, data), filetype, True)

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
        if got.file_errors:
            errors["attachments"] = " ".join(t[key].format(name=name) for key, name in got.file_errors)
        values = submitted_values(got.fields)
        if errors:
            return self._form(lang, nonce, submission_id, values, errors, 400, files_again=bool(got.files)), False

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
            attachments=tuple(stored.attachment for stored, _, _ in got.files),
            language=lang,
            mergeable=False,
        )
        try:
            result = await self.runtime.intake.accept(msg)
        except UnknownRegion:
            errors = {"region": t["error_region"]}
            return self._form(lang, nonce, submission_id, values, errors, 400, files_again=bool(got.files)), False
        except StoreUnavailable:
            log.warning("web.store_unavailable", channel="web")
            return self._notice(lang, 503, headers={"Retry-After": "30"}), False
        # A resubmitted form answers with the first complaint; this request's files are not part of it.
        keep = result.outcome != "duplicate"
        log.info("web.accepted", channel="web", code=result.code, outcome=result.outcome, files=len(got.files))
        location = f"/track/{quote(result.code)}?lang={lang}&new=1"
        return web.Response(status=303, headers={hdrs.LOCATION: location, "Cache-Control": "no-store"}), keep

    # --- tracking --------------------------------------------------------------------------

    async def track_lookup(self, request: web.Request) -> web.Response:
        """Ask for a tracking code, or send a typed one to its status page."""
        lang = self._lang(request)
        typed = request.query.get("code")
        error = None
        if typed is not None:
            code = codes.canonical(typed[:40])
            if code is not None:
                return web.Response(status=303, headers={hdrs.LOCATION: f"/track/{quote(code)}?lang={lang}"})
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
        code = codes.canonical(request.match_info["code"][:40])
        if code is None:
            return self._notice(lang, 404, path="/track")
        try:
            row = await self.runtime.read(queries.find_complaint, code)
            if row is None:
                return self._notice(lang, 404, path="/track")
            events = await self.runtime.read(queries.public_events, row["id"])
        except StoreUnavailable:
            return self._notice(lang, 503, path="/track", headers={"Retry-After": "30"})
        config = self.runtime.config
        view = views.public_view(row, events, config, lang)
        region = config.regions.get(row["region"]) or config.regions[config.root]
        t = i18n.messages(lang)
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
        )
        return self._html(html)

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


def uncleanable_message(exc: Exception) -> str:
    """The message key for a file of an anonymous reporter whose metadata could not be removed."""
    return "error_pdf_uncleanable" if isinstance(exc, UnreadablePdf) else "error_file_unreadable"
