"""One complaint at /dashboard/complaints/{code}: its fields, text, reporter, timeline, deliveries and follow-ups."""

from __future__ import annotations

from aiohttp import web

from api.dashboard import reads, words
from api.dashboard.render import Pages
from api.dashboard.signed_in import current, to_login
from complaints.codes import canonical


async def show(pages: Pages, request: web.Request) -> web.Response:
    """One complaint: its fields, text, reporter (none when anonymous), timeline and deliveries; 404 if unknown."""
    signed = await current(pages.runtime, request)
    if signed is None:
        return to_login(request)
    t = words.labels(pages.language)
    given = request.match_info["code"][:40]
    code = canonical(given)
    found = await pages.runtime.read(reads.load_complaint, code) if code else None
    csrf = signed.csrf
    if found is None:
        return pages.notice(404, t["not_found_title"], t["not_found_body"].format(code=given), csrf=csrf)
    row, details = found
    region = pages.runtime.config.regions.get(row["region"])
    zone = region.timezone if region is not None else pages.root_zone
    reporter = None if row["anonymous"] else details["reporter"]
    return pages.render("complaint.html", csrf=csrf, c=row, reporter=reporter, events=details["events"],
                        deliveries=details["deliveries"], followups=details["followups"],
                        attachments=details["attachments"], f=pages.formatters(pages.language, zone))
