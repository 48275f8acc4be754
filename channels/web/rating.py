"""The rating page of one complaint (SPEC section 15) for a reporter reached by e-mail: `/rate/{code}?key=…`, the
link sent with the resolution notice. The key is random, kept only as its SHA-256 on the complaint, and opens
this complaint's page alone; the first rating is stored, a second is refused and the first shown.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from aiohttp import web

from channels.descriptor import Ports
from channels.web import answers, pages
from complaints import codes
from edges.csrf import same_origin
from intake.conversation import RATING_COMMENT_CHARS
from store import actions, queries

MAX_KEY_CHARS = 64
MAX_FORM_BYTES = 8192
WORDS = {
    "id": {
        "title": "Penilaian aduan {code}",
        "intro": "Aduan Anda {code} sudah selesai ditangani. Seberapa puas Anda dengan penanganannya?",
        "scale": "Nilai (1 = sangat tidak puas, 5 = sangat puas)",
        "names": ("Sangat tidak puas", "Tidak puas", "Biasa saja", "Puas", "Sangat puas"),
        "comment": "Komentar (tidak wajib)",
        "submit": "Kirim penilaian",
        "missing": "Pilih salah satu nilai dari 1 sampai 5.",
        "thanks": "Terima kasih. Penilaian Anda ({rating} dari 5) sudah kami simpan.",
        "already": "Aduan ini sudah dinilai ({rating} dari 5). Penilaian hanya dapat diberikan sekali.",
        "dead_title": "Tautan penilaian tidak berlaku",
        "dead_body": "Tautan ini tidak cocok dengan aduan mana pun, atau aduannya belum dapat dinilai.",
        "track": "Lihat perkembangan aduan",
    },
    "en": {
        "title": "Rate complaint {code}",
        "intro": "Your complaint {code} has been resolved. How satisfied are you with how it was handled?",
        "scale": "Rating (1 = very dissatisfied, 5 = very satisfied)",
        "names": ("Very dissatisfied", "Dissatisfied", "Neither", "Satisfied", "Very satisfied"),
        "comment": "Comment (optional)",
        "submit": "Send the rating",
        "missing": "Choose a rating from 1 to 5.",
        "thanks": "Thank you. Your rating ({rating} out of 5) has been saved.",
        "already": "This complaint has been rated already ({rating} out of 5). It can be rated once only.",
        "dead_title": "This rating link does not work",
        "dead_body": "The link matches no complaint, or the complaint cannot be rated yet.",
        "track": "See the complaint's progress",
    },
}


def key_matches(stored_hash: str | None, key: str) -> bool:
    """Tell whether a rating link's key is the one whose SHA-256 the complaint keeps (constant time)."""
    if not stored_hash or not key or len(key) > MAX_KEY_CHARS:
        return False
    return hmac.compare_digest(stored_hash, hashlib.sha256(key.encode()).hexdigest())


def read_choice(form: dict[str, str]) -> tuple[int | None, str | None]:
    """The rating (1–5, or None when missing or not one of them) and the trimmed comment of a submitted form."""
    value = form.get("rating", "")
    rating = int(value) if value in ("1", "2", "3", "4", "5") else None
    comment = (form.get("comment") or "").strip()[:RATING_COMMENT_CHARS] or None
    return rating, comment


class Rating:
    """The rating page's handlers, given the service's ports."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports

    async def show(self, request: web.Request) -> web.Response:
        complaint, lang = await self._complaint(request, request.query.get("key", ""))
        if complaint is None:
            return self._dead(lang)
        return self._page(complaint, lang, request.query.get("key", ""))

    async def submit(self, request: web.Request) -> web.Response:
        form = await self._form(request)
        lang = answers.language(self.ports, request)
        if form is None:
            return answers.notice(lang, 413)
        origin = request.headers.get("Origin")
        if origin is not None and not same_origin(origin, request.host, self.ports.public_url):
            return answers.notice(lang, 403)
        key = form.get("key", "")
        complaint, lang = await self._complaint(request, key)
        if complaint is None:
            return self._dead(lang)
        rating, comment = read_choice(form)
        if complaint["rating"] is not None:
            return self._page(complaint, lang, key, status=409)
        if rating is None:
            return self._page(complaint, lang, key, status=400, error=WORDS[lang]["missing"], comment=comment)
        stored = await self.ports.write(actions.rate, complaint, rating, comment, datetime.now(timezone.utc))
        rated = await self.ports.read(queries.find_complaint, complaint["code"])
        return self._page(rated, lang, key, status=200 if stored else 409, fresh=bool(stored))

    async def _complaint(self, request: web.Request, key: str):
        """The complaint this link rates and the page's language; None unless the key is the complaint's."""
        lang = answers.language(self.ports, request)
        limiter = self.ports.limiter
        if not limiter.allow(answers.address(self.ports, request), limiter.LIGHT):
            return None, lang
        code = codes.canonical(request.match_info["code"][:40], self.ports.config.settings.tracking_prefix)
        complaint = await self.ports.read(queries.find_complaint, code) if code else None
        if complaint is None or not key_matches(complaint["rating_link_hash"], key):
            return None, lang
        if "lang" not in request.query and complaint["language"] in WORDS:
            lang = complaint["language"]  # the language the citizen wrote in
        return complaint, lang

    def _page(self, complaint, lang: str, key: str, status: int = 200, error: str | None = None,
              comment: str | None = None, fresh: bool = False) -> web.Response:
        """The form, or (`fresh`) the thanks for the rating just stored, or the rating stored before."""
        w = WORDS[lang]
        code = complaint["code"]
        other = "en" if lang == "id" else "id"
        html = pages.render("rating.html", lang, f"/rate/{code}?key={key}&lang={other}", w=w, code=code, key=key,
                            rated=complaint["rating"], error=error, comment=comment or "",
                            fresh=fresh, track_url=f"/track/{code}?lang={lang}")
        return answers.html(html, status)

    def _dead(self, lang: str) -> web.Response:
        w = WORDS[lang]
        html = pages.render("notice.html", lang, f"/track?lang={'en' if lang == 'id' else 'id'}", title=w["dead_title"],
                            body=w["dead_body"], back_url=f"/track?lang={lang}", back_label=w["track"])
        return answers.html(html, 404)

    async def _form(self, request: web.Request) -> dict[str, str] | None:
        if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
            return None
        body = await request.content.read(MAX_FORM_BYTES + 1)
        if len(body) > MAX_FORM_BYTES:
            return None
        return dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
