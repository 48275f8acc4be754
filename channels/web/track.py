"""The public tracking pages: `/track` asks for a code, `/track/{code}` tells that complaint's story (SPEC section 15):
each status change with its note, the agency's replies, the current stage's due time, and whether it waits for the
citizen; no identity ever, and when confidential no text, notes or replies."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote

from aiohttp import hdrs, web

from channels.descriptor import Ports
from channels.web import answers, i18n, notes, pages
from complaints import codes, links, views
from complaints.timefmt import local_time
from store import queries
from store.db import StoreUnavailable

# Channels with no conversation to answer in: the form's and the API's reporters hear from us, but cannot reply there.
NO_CONVERSATION = ("web", "api")


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
            code = codes.canonical(typed[:40], self.ports.config.settings.tracking_prefix)
            if code is not None:
                # Counted on the status page it leads to; in English when asked in English, else in the complaint's
                # own language.
                return web.Response(status=303, headers={hdrs.LOCATION: links.track_url("", quote(code), lang)})
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
        """Tell a complaint's story: in `?lang=` when given, else in the language the citizen wrote it in."""
        asked = answers.language(self.ports, request)
        limiter = self.ports.limiter
        address = answers.address(self.ports, request)
        # Counted light first; a well-formed code that is no complaint's tops it up to 1.
        if not limiter.allow(address, limiter.LIGHT):
            return answers.too_many(self.ports, asked, address, "/track", "notice_track_429")
        config = self.ports.config
        code = codes.canonical(request.match_info["code"][:40], config.settings.tracking_prefix)
        if code is None:
            return answers.notice(asked, 404, path="/track")
        try:
            row = await self.ports.read(queries.find_complaint, code)
            if row is None:
                limiter.charge(address, 1 - limiter.LIGHT)
                return answers.notice(asked, 404, path="/track")
            events = await self.ports.read(queries.public_events, row["id"])
        except StoreUnavailable:
            return answers.notice(asked, 503, path="/track", headers={"Retry-After": "30"})
        lang = i18n.language(request.query.get("lang"), i18n.language(row["language"], config.settings.language))
        view = views.public_view(row, events, config, lang)
        region = config.regions.get(row["region"]) or config.regions[config.root]
        t = i18n.messages(lang)
        outcome = _outcome(view)
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
            category=view["category_name"],
            region_name=view["region"]["name"] if view["region"] else None,
            agency_name=view["agency_name"],
            received_at=view["created_at"],
            received=local_time(view["created_at"], region.timezone, lang),
            text=view.get("text"),
            due=_due(view, region.timezone, lang, t),
            outcome=view["timeline"][outcome]["note"] if outcome is not None else None,
            waiting=_waiting(view, row["confidential"]),
            answer_here=view["channel"] not in NO_CONVERSATION,
            story=_story(view, region.timezone, lang, outcome),
            not_kept=not_kept,
        )
        response = answers.html(html)
        if note is not None:
            response.del_cookie(notes.COOKIE, path="/track")  # said once
        return response


def _due(view: dict, zone: str, lang: str, t: dict[str, str]) -> dict | None:
    """The current stage's target, as the page says it ("Target: direspons paling lambat …"), and whether it passed."""
    if view["due_kind"] is None:
        return None
    at = datetime.fromisoformat(view["due_at"])
    return {"at": view["due_at"], "text": t[f"due_{view['due_kind']}"].format(time=local_time(at, zone, lang)),
            "passed": at <= datetime.now(timezone.utc)}


def _outcome(view: dict) -> int | None:
    """Where in the timeline the complaint was resolved or rejected with a note, while it still is: the page shows
    that note first (the answer the citizen waited for) rather than in the history."""
    if view["status"] not in ("resolved", "rejected"):
        return None
    found = [i for i, item in enumerate(view["timeline"])
             if item["event"] == "status" and item["status"] == view["status"] and item["note"]]
    return found[-1] if found else None


def _waiting(view: dict, confidential: bool) -> dict | None:
    """While the complaint waits for the citizen: the last question asked (none shown when confidential)."""
    if view["waiting"] != "citizen":
        return None
    questions = [reply for reply in view["replies"] if reply["ask"]]
    question = questions[-1] if questions else None
    return {"question": question["text"] if question else None,
            "agency": question["agency"]["name"] if question else None, "confidential": confidential}


def _story(view: dict, zone: str, lang: str, outcome: int | None) -> list[dict]:
    """The status changes and the replies, in the order they happened, with times in the region's zone; the
    outcome's note is shown above the story, not again in it."""
    items = [dict(item, kind="status", note=None if i == outcome else item["note"])
             for i, item in enumerate(view["timeline"])]
    items += [dict(reply, kind="reply", agency_name=reply["agency"]["name"] if reply["agency"] else None)
              for reply in view["replies"]]
    items.sort(key=lambda item: datetime.fromisoformat(item["at"]))
    return [dict(item, time=local_time(item["at"], zone, lang),
                 merged_url=f"/track/{quote(item['merged_into'])}?lang={lang}" if item.get("merged_into") else None)
            for item in items]
