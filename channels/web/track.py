"""The public tracking pages: `/track` asks for a code, `/track/{code}` shows that complaint's status and timeline."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import hdrs, web

from channels.descriptor import Ports
from channels.web import answers, i18n, notes, pages
from complaints import codes, views
from complaints.timefmt import local_time
from store import queries
from store.db import StoreUnavailable


class Track:
    """The tracking pages, given the service's ports."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    async def lookup(self, request: web.Request) -> web.Response:
        """Ask for a tracking code, or send a typed one to its status page."""
        lang = answers.language(self.ports, request)
        typed = request.query.get("code")
        error = None
        if typed is not None:
            code = codes.canonical(typed[:40])
            if code is not None:
                # Counted on the status page it leads to.
                return web.Response(status=303, headers={hdrs.LOCATION: f"/track/{quote(code)}?lang={lang}"})
            address = answers.address(self.ports, request)
            if not self.ports.limiter.allow(address, self.ports.limiter.LIGHT):
                return answers.too_many(self.ports, lang, address, "/track", "notice_track_429")
            error = i18n.messages(lang)["error_code"]
        example = f"{self.ports.config.settings.tracking_prefix}-7K3QX9P2"
        html = pages.render(
            "track_lookup.html", lang, f"/track?lang={i18n.other_language(lang)}",
            code=(typed or "")[:40], error=error, example=example,
        )
        return answers.html(html, 404 if error else 200)

    async def status(self, request: web.Request) -> web.Response:
        """Show a complaint's public status and timeline: no identity, no text when confidential."""
        lang = answers.language(self.ports, request)
        limiter = self.ports.limiter
        address = answers.address(self.ports, request)
        # Counted light first; a well-formed code that is no complaint's tops it up to 1.
        if not limiter.allow(address, limiter.LIGHT):
            return answers.too_many(self.ports, lang, address, "/track", "notice_track_429")
        code = codes.canonical(request.match_info["code"][:40])
        if code is None:
            return answers.notice(lang, 404, path="/track")
        try:
            row = await self.ports.read(queries.find_complaint, code)
            if row is None:
                limiter.charge(address, 1 - limiter.LIGHT)
                return answers.notice(lang, 404, path="/track")
            events = await self.ports.read(queries.public_events, row["id"])
        except StoreUnavailable:
            return answers.notice(lang, 503, path="/track", headers={"Retry-After": "30"})
        config = self.ports.config
        view = views.public_view(row, events, config, lang)
        region = config.regions.get(row["region"]) or config.regions[config.root]
        t = i18n.messages(lang)
        note = request.cookies.get(notes.COOKIE)
        not_kept = [t[key].format(name=name) for key, name in notes.read(self.ports.secret_key, note, code) if key in t]
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
        response = answers.html(html)
        if note is not None:
            response.del_cookie(notes.COOKIE, path="/track")  # said once
        return response
