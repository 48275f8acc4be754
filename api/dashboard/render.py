"""How the dashboard answers: its pages rendered from the Jinja2 templates (autoescaped: complaint texts are
untrusted) in the configured language, the headers every answer carries, and a page of our own when the store is
down."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

import structlog
from aiohttp import web

from api.dashboard import words
from complaints.conversation import by_name
from complaints.messages import status_name
from complaints.views import waiting_for
from complaints.who import by_of
from edges.pages import page_templates
from edges.runtime import Runtime
from complaints.timefmt import local_time
from store.db import StoreUnavailable

log = structlog.get_logger("dashboard")

BASE = "/dashboard"
# Inline SVG needs no script and no inline style; the stylesheet is ours.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make browsers send "Origin: null" with our own forms
    "Cache-Control": "no-store",
}

_templates = page_templates(Path(__file__).parent / "templates")

Handler = Callable[[web.Request], Awaitable[web.Response]]


class Answer(Exception):
    """Raised by a page's checks (not signed in, not allowed, not found) with the answer to give instead."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def html(body: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Answer with a rendered page and the dashboard's headers."""
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8",
                        headers={**HEADERS, **(headers or {})})


def see_other(location: str) -> web.Response:
    """Send the browser on to `location` (303) with the dashboard's headers."""
    return web.Response(status=303, headers={**HEADERS, "Location": location})


class Pages:
    """Renders the dashboard's pages for the service's runtime, linking the stylesheet at `css_url`."""

    def __init__(self, runtime: Runtime, css_url: str) -> None:
        self.runtime = runtime
        self.css_url = css_url

    @property
    def language(self) -> str:
        """The language of every page: the service's, when the dashboard speaks it."""
        return words.language_of(self.runtime.config.settings.language)

    @property
    def root_zone(self) -> str:
        """The time zone of the configured province, for times not tied to a region."""
        config = self.runtime.config
        return config.regions[config.root].timezone

    def render(self, template: str, status: int = 200, headers: dict[str, str] | None = None, **context) -> web.Response:
        """Answer with a template rendered in the dashboard's language."""
        lang = self.language
        config = self.runtime.config
        context.setdefault("csrf", None)  # a signed-in page gets the logout form
        context.setdefault("principal", None)  # and the navigation of its person's role
        page = _templates.get_template(template).render(
            lang=lang, t=words.labels(lang), css_url=self.css_url, base=BASE, province=config.regions[config.root].name,
            once=lambda: secrets.token_urlsafe(16), **context)
        return html(page, status, headers)

    def notice(self, status: int, title: str, body: str, csrf: str | None = None, principal=None) -> web.Response:
        """Answer with a short page that says what went wrong (its way back fits `principal`'s role)."""
        return self.render("notice.html", status, title=title, body=body, csrf=csrf, principal=principal)

    def guarded(self, handler: Handler) -> Handler:
        """Answer a store outage with a page of our own (503), not the API's JSON."""

        async def guarded(request: web.Request) -> web.Response:
            try:
                return await handler(request)
            except Answer as answer:
                return answer.response
            except StoreUnavailable:
                log.warning("dashboard.store_unavailable", path=request.path)
                t = words.labels(self.language)
                response = self.notice(503, t["unavailable_title"], t["unavailable_body"])
                response.headers["Retry-After"] = "5"
                return response

        return guarded

    def formatters(self, lang: str, zone: str) -> dict[str, Callable]:
        """Functions the templates use to name codes and show times and numbers."""
        config = self.runtime.config
        t = words.labels(lang)

        def region(code: str | None) -> str:
            node = config.regions.get(code) if code else None
            return node.name if node is not None else (code or t["none"])

        def agency(code: str | None) -> str:
            known = config.agencies.get(code) if code else None
            return known.name if known is not None else (code or t["no_agency"])

        def iso_time(value: str) -> str:
            try:
                return local_time(datetime.fromisoformat(value), zone, lang)
            except ValueError:
                return value

        return {
            "region": region,
            "agency": agency,
            "status": lambda s: status_name(s, lang) if s else t["none"],
            "priority": lambda p: words.priority_name(p, lang),
            "kind": lambda k: words.kind_name(k, lang),
            "channel": lambda c: self.runtime.channel_labels[lang].get(c, c),
            "event": lambda e: words.event_name(e, lang),
            "details": lambda data: words.event_details(data, lang, agency, iso_time),
            "time": lambda v: local_time(v, zone, lang) or t["none"],
            "share": lambda v: words.share(v, lang),
            "hours": lambda v: words.hours(v, lang),
            "decimal": lambda v, places=1: words.decimal(v, lang, places),
            # Who took a step: from a `by` object, or from an event (its stored `by`, else what its actor says).
            "by": lambda by: by_name(by, agency, t),
            "actor": lambda e: by_name(by_of(e["actor"], e.get("by")), agency, t),
            "size": lambda n: words.size(n, lang),
            "waiting": lambda row: waiting_for(row) is not None,
        }


class Handlers:
    """What a set of page handlers holds: the pages it renders through, the service's runtime, the pages' words."""

    def __init__(self, pages: Pages) -> None:
        self.pages = pages
        self.runtime = pages.runtime

    @property
    def t(self) -> dict[str, str]:
        return words.labels(self.pages.language)
