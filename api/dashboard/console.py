"""The operator console (SPEC section 14): the complaint list with its filters and full-text search, the triage
queue oldest first, bulk assignment, and one complaint's page with its conversation, attachments, internal notes,
timeline and deliveries and the forms that work it: assign, status, reply, note, update, merge.

Every rule is the operator API's (complaints.desk, complaints.transitions); this module reads forms, says problems
in the page's language beside their field, and answers 303 back to the page with a notice.
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode

from aiohttp import web

from api import listing
from api.dashboard import deliveries, forms, reads, replies, words
from api.dashboard.render import BASE, Answer, Handlers
from api.dashboard.session import Session
from api.dashboard.signed_in import not_found, operator
from complaints import desk
from complaints.codes import canonical
from complaints.conversation import conversation_with_media, notes
from complaints.model import STATUSES
from complaints.transitions import OPERATOR_STATUSES, operator_move_error
from store import actions, queries

LIST_LIMIT = 50
BULK_LIMIT = 100
MAX_CODE_CHARS = 40
FILTERS = ("status", "agency", "region", "channel", "category", "since", "until", "q", "overdue", "waiting")
FORMS = ("assign", "status", "reply", "note", "update", "merge")


def _code_of(request: web.Request) -> str | None:
    return canonical(request.match_info["code"][:MAX_CODE_CHARS])


class Console(Handlers):
    """The console's handlers, rendering through `pages`."""

    # --- the list -------------------------------------------------------------------------------

    async def list_page(self, request: web.Request) -> web.Response:
        """Every complaint, newest first, or the triage queue (`?status=triage`) oldest first; filtered, searched,
        in cursor pages, with a bulk assign form."""
        signed = await operator(self.pages, request)
        config = self.runtime.config
        query = {name: request.query.get(name, "") for name in FILTERS if request.query.get(name)}
        problem = None
        try:
            f = listing.complaint_filter(query, config, self.runtime.channel_names)
        except listing.FilterProblem as found:
            problem, f = found.name, None
        cursor = request.query.get("cursor") or None
        if cursor is not None:
            try:
                queries.decode_cursor(cursor[:200])
            except (ValueError, TypeError):
                cursor = None
        rows, following = [], None
        oldest_first = f is not None and f.status == "triage"
        if f is not None:
            rows, following, _ = await self.runtime.read(queries.list_complaints, f, LIST_LIMIT, cursor, oldest_first)
        near, rest = desk.assign_choices(config, None)
        return self.pages.render(
            "complaints.html", 400 if problem else 200, csrf=signed.csrf, principal=signed.principal,
            rows=rows, following=following, values={name: query.get(name, "") for name in FILTERS}, problem=problem, triage=oldest_first,
            statuses=STATUSES, agencies=list(config.agencies), regions=list(config.regions),
            channels=self.runtime.channel_names, assignable=near + rest,
            done=self._done(request), next_query=self._query_with(query, following),
            here=f"{BASE}/complaints" + (f"?{urlencode(query)}" if query else ""),
            f=self.pages.formatters(self.pages.language, self.pages.root_zone))

    @staticmethod
    def _query_with(query: dict, cursor: str | None) -> str | None:
        return None if cursor is None else urlencode({**query, "cursor": cursor})

    async def bulk_assign(self, request: web.Request) -> web.Response:
        """Assign the ticked complaints to one agency; those that cannot be (closed, rejected, already there) are
        skipped and counted."""
        signed = await operator(self.pages, request)
        form = await forms.read_form(request)
        if forms.forged(request, self.runtime.env.public_url, signed, form):
            return self._forbidden(signed)
        config = self.runtime.config
        target = form.get("agency", "")
        codes = [code for code in (canonical(c[:MAX_CODE_CHARS]) for c in form.getall("code", [])) if code][:BULK_LIMIT]
        back_to = forms.safe_next(form.get("back"), f"{BASE}/complaints")
        if target not in config.agencies or not codes:
            return forms.back(back_to, "bulk_nothing")
        note = (form.get("note") or "").strip()[:forms.MAX_TEXT] or None
        who, now, public_url = signed.principal.who, datetime.now(timezone.utc), self.runtime.env.public_url

        def assign_all(conn) -> tuple[int, int]:
            done = skipped = 0
            for code in dict.fromkeys(codes):
                row = queries.find_complaint(conn, code)
                if row is None or desk.assign_problem(row, target, config):
                    skipped += 1
                    continue
                actions.assign(conn, row, config, target, who, note, now,
                               "reassigned" if row["agency"] else "assigned", public_url)
                done += 1
            return done, skipped

        assigned, skipped = await self.runtime.write(assign_all)
        self.runtime.wake_outbox()
        return forms.back(back_to, f"bulk_{assigned}_{skipped}")

    # --- one complaint ----------------------------------------------------------------------------

    async def show(self, request: web.Request) -> web.Response:
        """One complaint with everything the desk needs and the forms that work it; 404 if unknown."""
        signed = await operator(self.pages, request)
        found = await self._load(request, signed)
        row, details = found
        return self._complaint_page(request, signed, row, details, done=self._done(request))

    async def act(self, request: web.Request) -> web.Response:
        """A POST of one of the complaint page's forms."""
        signed = await operator(self.pages, request)
        form = await forms.read_form(request)
        if forms.forged(request, self.runtime.env.public_url, signed, form):
            return self._forbidden(signed)
        row, details = await self._load(request, signed)
        which = request.match_info["form"]
        handler = getattr(self, f"_{which}")
        problems, done = await handler(signed, row, form)
        if problems:
            return self._complaint_page(request, signed, row, details, status=400, which=which, values=dict(form),
                                        errors={name: self.t[f"error_{key}"] for name, key in problems.items()})
        self.runtime.wake_outbox()
        return forms.back(f"{BASE}/complaints/{row['code']}", done)

    async def _assign(self, signed: Session, row, form) -> tuple[dict, str]:
        config = self.runtime.config
        target = form.get("agency", "")
        problem = desk.assign_problem(row, target, config)
        note, note_problem = forms.text_field(form, "note", required=False)
        if problem or note_problem:
            return {**({"agency": problem} if problem else {}), **({"note": note_problem} if note_problem else {})}, ""
        await self.runtime.write(actions.assign, row, config, target, signed.principal.who, note,
                                 datetime.now(timezone.utc), "reassigned" if row["agency"] else "assigned",
                                 self.runtime.env.public_url)
        return {}, "assigned"

    async def _status(self, signed: Session, row, form) -> tuple[dict, str]:
        status = form.get("status", "")
        note, note_problem = forms.text_field(form, "note", required=status == "rejected")
        if status not in OPERATOR_STATUSES:
            return {"status": "status_unknown"}, ""
        if operator_move_error(row["status"], status):
            return {"status": "status_not_now"}, ""
        if note_problem:
            return {"note": "reason_required" if note_problem == "required" else note_problem}, ""
        await self.runtime.write(actions.change_status, row, self.runtime.config, status, signed.principal.who, note,
                                 datetime.now(timezone.utc), self.runtime.env.public_url,
                                 self.runtime.messaging_channels, True)
        return {}, f"status_{status}"

    async def _reply(self, signed: Session, row, form) -> tuple[dict, str]:
        message, problem = forms.text_field(form, "message", required=True)
        if problem:
            return {"message": problem}, ""
        config = self.runtime.config
        desk_name = config.agencies[config.triage].name if config.triage in config.agencies else self.t["service"]
        ask = form.get("ask") == "1"
        sent = await self.runtime.write(forms.once(form, actions.reply_to_citizen), row, desk_name,
                                        signed.principal.who, message, datetime.now(timezone.utc), "operator_reply",
                                        ask, config.settings.reply_window_days)
        if sent is forms.SENT_BEFORE:
            return {}, "sent_before"
        return {}, ("asked" if ask else "replied") if sent else "replied_nowhere"

    async def _note(self, signed: Session, row, form) -> tuple[dict, str]:
        note, problem = forms.text_field(form, "note", required=True)
        if problem:
            return {"note": problem}, ""
        done = await self.runtime.write(forms.once(form, actions.add_note), row, signed.principal.who, note,
                                        datetime.now(timezone.utc))
        return {}, "sent_before" if done is forms.SENT_BEFORE else "noted"

    async def _update(self, signed: Session, row, form) -> tuple[dict, str]:
        given = {name: form[name] for name in ("category", "priority", "region", "kind") if name in form}
        changes, problems = desk.update_changes(row, given, self.runtime.config)
        if problems:
            return problems, ""
        if not changes:
            return {}, "unchanged"
        await self.runtime.write(actions.update_details, row, self.runtime.config, changes, signed.principal.who,
                                 datetime.now(timezone.utc))
        return {}, "updated"

    async def _merge(self, signed: Session, row, form) -> tuple[dict, str]:
        code = canonical((form.get("into") or "").strip()[:MAX_CODE_CHARS])
        into = await self.runtime.read(queries.find_complaint, code) if code else None
        problem = desk.merge_problem(row, into)
        if problem:
            return {"into": problem}, ""
        await self.runtime.write(actions.merge, row, into, signed.principal.who, datetime.now(timezone.utc),
                                 self.runtime.env.public_url)
        return {}, "merged"

    # --- the configuration ------------------------------------------------------------------------------

    async def reload(self, request: web.Request) -> web.Response:
        """A supervisor loads the configuration folder again (as SIGHUP does); one with errors is refused and the
        one in force stays, the errors shown as `rules check` prints them."""
        signed = await operator(self.pages, request)
        if signed.principal.role != "supervisor":
            raise not_found(self.pages, signed)
        form = await forms.read_form(request)
        if forms.forged(request, self.runtime.env.public_url, signed, form):
            return self._forbidden(signed)
        ok, errors, _warnings = self.runtime.reload()
        if not ok:
            return self.pages.render("notice.html", 400, title=self.t["reload_refused_title"],
                                     body=self.t["reload_refused_body"], lines=errors, csrf=signed.csrf,
                                     principal=signed.principal)
        return forms.back(BASE, "reloaded")

    # --- pieces -------------------------------------------------------------------------------------

    async def _load(self, request: web.Request, signed: Session):
        code = _code_of(request)
        found = await self.runtime.read(reads.load_complaint, code) if code else None
        if found is None:
            given = request.match_info["code"][:MAX_CODE_CHARS]
            raise Answer(self.pages.notice(404, self.t["not_found_title"], self.t["not_found_body"].format(code=given),
                                           csrf=signed.csrf))
        return found

    def _forbidden(self, signed: Session) -> web.Response:
        return self.pages.notice(403, self.t["forbidden_title"], self.t["form_expired"], csrf=signed.csrf)

    def _done(self, request: web.Request) -> str | None:
        """The notice of the POST the page was sent back from, in words."""
        key = forms.done(request)
        if key is None:
            return None
        if key.startswith("bulk_") and key.count("_") == 2:
            _, assigned, skipped = key.split("_")
            if assigned.isdigit() and skipped.isdigit():
                return self.t["done_bulk"].format(n=assigned, skipped=skipped)
        return self.t.get(f"done_{key}")

    def _complaint_page(self, request: web.Request, signed: Session, row, details, *, status: int = 200,
                        which: str | None = None, values: dict | None = None, errors: dict | None = None,
                        done: str | None = None) -> web.Response:
        config, lang = self.runtime.config, self.pages.language
        region = config.regions.get(row["region"])
        zone = region.timezone if region is not None else self.pages.root_zone
        f = self.pages.formatters(lang, zone)
        near, rest = desk.assign_choices(config, row["region"])
        due_at = row["acknowledge_due_at"] if row["status"] == "assigned" else row["resolve_due_at"]
        agency_name = config.agencies[row["agency"]].name if row["agency"] in config.agencies else None
        prefill = replies.prefilled(request, config, row, agency_name, f["time"](due_at) if due_at else None)
        reporter = None if row["anonymous"] else details["reporter"]
        return self.pages.render(
            "complaint.html", status, csrf=signed.csrf, principal=signed.principal, c=row, reporter=reporter,
            events=details["events"], attachments=details["attachments"],
            deliveries=deliveries.cards(details["deliveries"], lang, f["channel"], f["agency"]),
            messages=conversation_with_media(row, details["followups"], details["events"], details["attachments"]),
            notes=notes(details["events"]), near=near, rest=rest,
            statuses=[s for s in OPERATOR_STATUSES if operator_move_error(row["status"], s) is None],
            regions=list(config.regions), kinds=desk.KINDS, priorities=desk.PRIORITIES,
            categories=sorted({r.then.category for r in config.rules if r.then.category}),
            which=which, values=values or {}, errors=errors or {}, done=done,
            replies=replies.offered(config, lang), prefill=prefill, f=f,
            fetch_reason=lambda error: words.fetch_reason(error, lang))
