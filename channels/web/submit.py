"""The complaint form at `/` and its submission: show the form, take what was sent, hand it to intake, and send the
citizen to the tracking page (or back to the form, with what was typed and the errors beside each field)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import quote

import structlog
from aiohttp import hdrs, web

from channels.descriptor import Ports
from channels.web import answers, forms, i18n, notes, pages
from channels.web.receive import MAX_BODY_BYTES, Received, Receiver, Refused
from complaints.model import Reporter, filled_in
from edges import csrf
from router import UnknownRegion
from store.db import StoreUnavailable

log = structlog.get_logger("channels.web")

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


class Submit:
    """The form and its submission, given the service's ports."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self.receiver = Receiver(ports)

    def _page(self, lang: str, nonce: str, submission_id: str, values: dict, errors: dict[str, str], status: int,
              files_again: bool = False) -> web.Response:
        """The form page, filled in with `values` and showing `errors` beside their fields and in a summary."""
        t = i18n.messages(lang)
        config = self.ports.config
        regions = [{"value": r.code, "label": "\u00a0\u00a0\u00a0" * r.depth + r.name} for r in config.regions.values()]
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
            csrf_token=csrf.sign(self.ports.secret_key, nonce, submission_id),
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
        return answers.html(html, status)

    async def form(self, request: web.Request) -> web.Response:
        """Show an empty complaint form with a fresh submission id."""
        lang = answers.language(self.ports, request)
        nonce = request.cookies.get(csrf.COOKIE)
        fresh = not csrf.is_nonce(nonce)
        if fresh:
            nonce = csrf.new_nonce()
        response = self._page(lang, nonce, csrf.new_submission_id(), empty_values(), {}, 200)
        if fresh:
            response.set_cookie(
                csrf.COOKIE,
                nonce,
                path="/",
                httponly=True,
                samesite="Strict",
                secure=self.ports.public_url.startswith("https://"),
            )
        return response

    async def submit(self, request: web.Request) -> web.StreamResponse:
        """Take a submitted form: check it is ours, store its files, hand it to intake, show the code."""
        received_at = datetime.now(timezone.utc)
        lang = answers.language(self.ports, request)
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is not None and not csrf.same_origin(origin, request.host, self.ports.public_url):
            log.info("web.rejected", channel="web", reason="origin")
            return answers.notice(lang, 403)
        limiter = self.ports.limiter
        address = answers.address(self.ports, request)
        # Counted light before the body is read; a complaint stored tops it up to 1.
        if not limiter.allow(address, limiter.LIGHT):
            return answers.too_many(self.ports, lang, address, "/", "notice_429")
        if request.content_type != "multipart/form-data":
            return answers.notice(lang, 400)

        got = Received(over_cap=request.content_length is not None and request.content_length > MAX_BODY_BYTES)
        keep = False
        try:
            try:
                await self.receiver.read(request, got, received_at)
                self.receiver.check_trust(request, got)
            except Refused as refused:
                log.info("web.rejected", channel="web", reason=refused.reason)
                return answers.notice(lang, refused.status, headers=refused.headers)
            except ValueError:  # a multipart body that is not one
                log.info("web.rejected", channel="web", reason="malformed")
                return answers.notice(lang, 400)
            response, keep = await self._accept(request, got, lang, received_at)
            if keep:
                limiter.charge(address, 1 - limiter.LIGHT)
            return response
        except StoreUnavailable:  # the quota's count or the complaint itself
            log.warning("web.store_unavailable", channel="web")
            return answers.notice(lang, 503, headers={"Retry-After": "30"})
        finally:
            self.receiver.release(got, keep)

    async def _accept(
        self, request: web.Request, got: Received, lang: str, received_at: datetime
    ) -> tuple[web.StreamResponse, bool]:
        """Validate the fields and hand the message to intake; return the response and whether to keep the files."""
        t = i18n.messages(lang)
        nonce = request.cookies[csrf.COOKIE]
        submission_id = got.fields["submission_id"]
        submission, problems = forms.validate(got.fields)
        if submission is not None and submission.anonymous:
            await self.receiver.clean_late(got)
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
            return self._page(lang, nonce, submission_id, values, errors, 413 if got.too_large else 400, chosen), False

        raw = json.dumps({k: got.fields[k] for k in RAW_FIELDS if k in got.fields}, ensure_ascii=False)
        msg = filled_in("web", submission_id, received_at, raw, submission,
                        Reporter(name=submission.name, phone=submission.phone, email=submission.email),
                        lat=submission.lat, lon=submission.lon,
                        attachments=tuple(stored.attachment for stored, *_ in got.files), language=lang)
        try:
            result = await self.ports.intake.accept(msg)
        except UnknownRegion:
            errors = {"region": t["error_region"]}
            return self._page(lang, nonce, submission_id, values, errors, 400, chosen), False
        # A resubmitted form answers with the first complaint; this request's files are not part of it.
        keep = result.outcome != "duplicate"
        log.info("web.accepted", channel="web", code=result.code, outcome=result.outcome, files=len(got.files),
                 not_kept=len(got.not_kept))
        location = f"/track/{quote(result.code)}?lang={lang}&new=1"
        response = web.Response(status=303, headers={hdrs.LOCATION: location, "Cache-Control": "no-store"})
        if keep and got.not_kept:
            response.set_cookie(notes.COOKIE, notes.sign(self.ports.secret_key, result.code, got.not_kept),
                                path="/track", max_age=notes.MAX_AGE_SECONDS, httponly=True, samesite="Strict",
                                secure=self.ports.public_url.startswith("https://"))
        return response, keep


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
