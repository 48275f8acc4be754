"""What every page of the web channel answers with: its language, the caller's address, HTML with our headers, and
the notice pages (400, 403, 404, 429, 503)."""

from __future__ import annotations

import structlog
from aiohttp import web

from channels.descriptor import Ports
from channels.web import i18n, pages

log = structlog.get_logger("channels.web")


def language(ports: Ports, request: web.Request) -> str:
    """The page's language: `?lang=` when it names one we speak, else the service's."""
    return i18n.language(request.query.get("lang"), ports.config.settings.language)


def address(ports: Ports, request: web.Request) -> str:
    """The address the rate limits count the request against."""
    return ports.limiter.address(request.remote, request.headers.getall("X-Forwarded-For", ()))


def html(page: str, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """Answer with a rendered page and the headers every page carries."""
    return web.Response(
        text=page, status=status, content_type="text/html", charset="utf-8", headers={**pages.PAGE_HEADERS, **(headers or {})}
    )


def notice(lang: str, status: int, path: str = "/", headers: dict[str, str] | None = None,
           key: str | None = None, **values) -> web.Response:
    """Answer with a notice page, linking back to the tracking lookup under /track and to the form elsewhere."""
    t = i18n.messages(lang)
    key = key or f"notice_{status}"
    if path.startswith("/track"):
        back_url, back_label = f"/track?lang={lang}", t["track_another"]
    else:
        back_url, back_label = f"/?lang={lang}", t["back_to_form"]
    page = pages.render(
        "notice.html",
        lang,
        f"{path}?lang={i18n.other_language(lang)}",
        title=t[f"{key}_title"],
        body=t[f"{key}_body"].format(**values),
        back_url=back_url,
        back_label=back_label,
    )
    return html(page, status, headers)


def too_many(ports: Ports, lang: str, caller: str, path: str, key: str) -> web.Response:
    """The 429 page, with Retry-After, for an address past the limit."""
    seconds = ports.limiter.retry_after(caller, ports.limiter.LIGHT)
    log.info("web.rate_limited", channel="web", path=path.split("/")[1] or "form")
    return notice(lang, 429, path, {"Retry-After": str(seconds)}, key=key, seconds=seconds)
