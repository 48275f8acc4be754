"""The agency inbox (SPEC section 14): an officer's list of their agency's open tickets at /agency, one ticket's page
at /agency/tickets/{code} with its conversation, attachments, notes and timeline, and the forms that work it:
status (acknowledge, in progress, resolve, reject), reply, forward, return ("bukan wewenang") and internal note.

The rules are the agency API's (complaints.reach, complaints.transitions): a ticket the agency may not reach is 404,
one it may only read (escalated to it, forwarded by it) refuses every form. This module reads forms, says problems
in the page's language beside their field, and answers 303 with a notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import Connection

from api.agency import MAX_NOTE
from api.dashboard import forms, replies, words
from api.dashboard.render import Handlers
from api.dashboard.session import Session
from api.dashboard.signed_in import not_found, officer
from complaints.codes import canonical
from complaints.conversation import conversation_with_media, notes
from complaints.reach import (WORK, Reach, agency_sees_note, agency_sees_step, forward_problem, forward_targets,
                              open_escalation, reach)
from complaints.transitions import AGENCY_MOVES, AGENCY_STATUSES, agency_move_error, hand_on_error, needs_note
from delivery.ticket import agency_view, ticket_details
from store import actions, inbox, queries

INBOX = forms.AGENCY_BASE
LIST_LIMIT = 50
MAX_CODE_CHARS = 40
MAX_QUERY_CHARS = 200
MAX_CURSOR_CHARS = 300
# The moves that are one press of a button; resolving and rejecting come with their own text.
QUICK_MOVES = ("acknowledged", "in_progress")


def ticket_path(code: str) -> str:
    """The inbox page of a ticket."""
    return f"{INBOX}/tickets/{code}"


@dataclass(frozen=True)
class Ticket:
    """A ticket as its page shows it to one agency: the row, its whole timeline, what the agency sees beside it
    (reporter unless anonymous, attachments, follow-ups) and what the agency may do with it."""

    row: Mapping
    events: list[Mapping]
    details: dict
    reach: Reach


def read_ticket(conn: Connection, code: str) -> tuple[Mapping, list[Mapping], dict] | None:
    """Read a ticket by its canonical code with its timeline and the details an agency's ticket carries."""
    row = queries.find_complaint(conn, code)
    if row is None:
        return None
    return row, inbox.ticket_events(conn, row["id"]), ticket_details(conn, row)


def read_inbox(conn: Connection, f: inbox.InboxFilter, cursor: str | None, now: datetime,
               with_resolved: bool) -> tuple[inbox.Page, tuple[int, int], list[Mapping]]:
    """Read one page of the inbox, the agency's counts and (on the unfiltered first page) its recent resolutions."""
    page = inbox.list_inbox(conn, f, LIST_LIMIT, cursor, now)
    counts = inbox.inbox_counts(conn, f.agency, now)
    resolved = inbox.recently_resolved(conn, f.agency, now) if with_resolved else []
    return page, counts, resolved


class Inbox(Handlers):
    """The inbox's handlers, rendering through `pages`."""

    # --- the list -------------------------------------------------------------------------------

    async def list_page(self, request: web.Request) -> web.Response:
        """The agency's open tickets, late first then by due time, filtered by status, lateness and a search."""
        signed = await officer(self.pages, request)
        agency = signed.principal.agency
        t = self.t
        errors = {}
        status = request.query.get("status", "")
        if status and status not in inbox.OPEN:
            errors["status"] = t["inbox_status_unknown"]
            status = ""
        overdue = request.query.get("overdue") == "1"
        q = " ".join(request.query.get("q", "").split())[:MAX_QUERY_CHARS]
        cursor = request.query.get("cursor", "")[:MAX_CURSOR_CHARS] or None
        stale = False
        if cursor is not None:
            try:
                inbox.decode_cursor(cursor)
            except ValueError:
                cursor, stale = None, True
        f = inbox.InboxFilter(agency, status or None, overdue, q or None)
        filtered = bool(status or overdue or q)
        page, (total, late_total), resolved = await self.runtime.read(
            read_inbox, f, cursor, datetime.now(timezone.utc), not filtered and cursor is None)
        values = {"status": status, "q": q, "overdue": "1" if overdue else ""}
        asked = {name: value for name, value in values.items() if value}
        following = urlencode({**asked, "cursor": page.following}) if page.following else None
        first_page = f"{INBOX}?{urlencode(asked)}" if asked else INBOX
        config = self.runtime.config
        return self.pages.render(
            "inbox.html", 400 if errors else 200, csrf=signed.csrf, principal=signed.principal,
            agency_name=config.agencies[agency].name, rows=page.rows, resolved=resolved, total=total,
            late_total=late_total, values=values, errors=errors, filtered=filtered, paged=cursor is not None,
            following=following, first_page=first_page, stale=stale, statuses=inbox.OPEN, as_of=page.as_of, done=self._done(request),
            f=self.pages.formatters(self.pages.language, self._zone(config.agencies[agency].region)))

    # --- one ticket -------------------------------------------------------------------------------

    async def show(self, request: web.Request) -> web.Response:
        """One ticket with what the agency may see of it, and the forms when it is the agency's to work."""
        signed = await officer(self.pages, request)
        ticket = await self._load(request, signed)
        return self._ticket_page(request, signed, ticket, done=self._done(request))

    async def act(self, which: str, request: web.Request) -> web.Response:
        """A POST of one of the ticket page's forms (`which`: status, reply, forward, return, note)."""
        signed = await officer(self.pages, request)
        form = await forms.read_form(request)
        if forms.forged(request, self.runtime.env.public_url, signed, form):
            return self.pages.notice(403, self.t["forbidden_title"], self.t["form_expired"], csrf=signed.csrf)
        ticket = await self._load(request, signed)
        if ticket.reach != WORK:
            return self._ticket_page(request, signed, ticket, status=403, refused=True)
        handler = {"status": self._status, "reply": self._reply, "forward": self._forward, "return": self._return,
                   "note": self._note}[which]
        section, problems, done = await handler(signed, ticket.row, form)
        if problems:
            return self._ticket_page(request, signed, ticket, status=400, section=section,
                                     values={k: v for k, v in form.items() if k != "csrf"}, errors=problems)
        self.runtime.wake_outbox()
        # A forwarded or returned ticket is no longer the agency's: back to the inbox, where it is gone.
        landing = INBOX if which in ("forward", "return") else ticket_path(ticket.row["code"])
        return forms.back(landing, done)

    async def _status(self, signed: Session, row: Mapping, form: Mapping[str, str]):
        t = self.t
        status = form.get("status", "")
        section = {"resolved": "resolve", "rejected": "reject"}.get(status, "moves")
        if status not in AGENCY_STATUSES:
            return section, {"status": t["inbox_error_status_unknown"]}, ""
        # The pages ask for what was done, too: the citizen reads the resolution's note (the API leaves it optional).
        note, problem = forms.text_field(form, "note", required=needs_note(status) or status == "resolved")
        if agency_move_error(row["status"], status):
            return section, {"status": t["inbox_error_status_not_now"].format(
                status=self._status_name(row["status"]), target=self._status_name(status))}, ""
        if problem:
            missing = "inbox_error_resolution_required" if status == "resolved" else "inbox_error_reason_required"
            return section, {"note": self._problem(problem, missing)}, ""
        await self.runtime.write(actions.change_status, row, self.runtime.config, status, signed.principal.who, note,
                                 datetime.now(timezone.utc), self.runtime.env.public_url,
                                 self.runtime.messaging_channels)
        return section, {}, status

    async def _reply(self, signed: Session, row: Mapping, form: Mapping[str, str]):
        message, problem = forms.text_field(form, "message", required=True)
        if problem:
            return "reply", {"message": self._problem(problem, "inbox_error_message_required")}, ""
        agency_name = self.runtime.config.agencies[signed.principal.agency].name
        ask = form.get("ask") == "1"
        sent = await self.runtime.write(forms.once(form, actions.reply_to_citizen), row, agency_name,
                                        signed.principal.who, message, datetime.now(timezone.utc), "agency_reply", ask,
                                        self.runtime.config.settings.reply_window_days)
        if sent is forms.SENT_BEFORE:
            return "reply", {}, "sent_before"
        return "reply", {}, ("asked" if ask else "replied") if sent else "replied_nowhere"

    async def _forward(self, signed: Session, row: Mapping, form: Mapping[str, str]):
        t, config, agency = self.t, self.runtime.config, signed.principal.agency
        target = form.get("agency", "")
        if not target:
            return "forward", {"agency": t["inbox_error_forward_choose"]}, ""
        problem = forward_problem(config, agency, target)
        if problem in ("unknown", "own"):
            return "forward", {"agency": t[f"inbox_error_forward_{problem}"]}, ""
        if hand_on_error(row["status"], "forwarded"):
            return "forward", {"agency": t["inbox_error_not_open"].format(status=self._status_name(row["status"]))}, ""
        if problem == "not_allowed":
            return "forward", {"agency": t["inbox_error_forward_not_allowed"].format(agency=config.agencies[target].name)}, ""
        note, note_problem = forms.text_field(form, "note", required=False)
        if note_problem:
            return "forward", {"note": self._problem(note_problem, "inbox_error_required")}, ""
        await self.runtime.write(actions.forward, row, config, target, signed.principal.who, note,
                                 datetime.now(timezone.utc))
        return "forward", {}, "forwarded"

    async def _return(self, signed: Session, row: Mapping, form: Mapping[str, str]):
        reason, problem = forms.text_field(form, "reason", required=True)
        if hand_on_error(row["status"], "returned"):
            return "return", {"reason": self.t["inbox_error_not_open"].format(
                status=self._status_name(row["status"]))}, ""
        if problem:
            return "return", {"reason": self._problem(problem, "inbox_error_return_reason")}, ""
        await self.runtime.write(actions.return_to_triage, row, self.runtime.config, signed.principal.who, reason,
                                 datetime.now(timezone.utc))
        return "return", {}, "returned"

    async def _note(self, signed: Session, row: Mapping, form: Mapping[str, str]):
        note, problem = forms.text_field(form, "note", required=True)
        if problem:
            return "note", {"note": self._problem(problem, "inbox_error_note_required")}, ""
        await self.runtime.write(actions.add_note, row, signed.principal.who, note, datetime.now(timezone.utc))
        return "note", {}, "noted"

    # --- pieces -------------------------------------------------------------------------------------

    async def _load(self, request: web.Request, signed: Session) -> Ticket:
        """The ticket of the page's code, as this officer's agency reaches it; 404 when it does not."""
        code = canonical(request.match_info["code"][:MAX_CODE_CHARS])
        found = await self.runtime.read(read_ticket, code) if code else None
        allowed = reach(signed.principal.agency, found[0]["agency"], found[1]) if found else None
        if allowed is None:
            raise not_found(self.pages, signed)
        row, events, details = found
        return Ticket(row, events, details, allowed)

    def _problem(self, key: str, required_key: str) -> str:
        if key == "required":
            return self.t[required_key]
        if key == "too_long":
            grouped = f"{MAX_NOTE:,}"
            return self.t["inbox_error_too_long"].format(n=grouped.replace(",", ".") if self.pages.language == "id"
                                                         else grouped)
        return self.t["inbox_error_control"]

    def _status_name(self, status: str) -> str:
        return self.t.get(f"inbox_status_{status}", status)

    def _zone(self, region: str | None) -> str:
        node = self.runtime.config.regions.get(region) if region else None
        return node.timezone if node is not None else self.pages.root_zone

    def _done(self, request: web.Request) -> str | None:
        """The notice of the POST the page was sent back from, in words."""
        key = forms.done(request)
        if key == "password_set":
            return self.t["done_password_set"]
        return self.t.get(f"inbox_done_{key}") if key else None

    def _ticket_page(self, request: web.Request, signed: Session, ticket: Ticket, *, status: int = 200,
                     section: str | None = None, values: dict | None = None, errors: dict | None = None,
                     done: str | None = None, refused: bool = False) -> web.Response:
        config, lang, t = self.runtime.config, self.pages.language, self.t
        agency = signed.principal.agency
        row, events = ticket.row, ticket.events
        f = self.pages.formatters(lang, self._zone(row["region"]))
        waiting_on = "acknowledge" if row["status"] == "assigned" else "resolve"
        due_at = row["acknowledge_due_at"] if waiting_on == "acknowledge" else row["resolve_due_at"]
        now = datetime.now(timezone.utc)
        late = row["status"] in inbox.OPEN and (bool(row["overdue"]) or (due_at is not None and due_at < now))
        holder = config.agencies[row["agency"]].name if row["agency"] in config.agencies else t["inbox_desk"]
        read_only = None
        if ticket.reach != WORK:
            why = "escalated" if open_escalation(events) == agency else "forwarded"
            read_only = t[f"inbox_read_only_{why}"].format(holder=holder)
        moves = AGENCY_MOVES.get(row["status"], ())
        targets = forward_targets(config, agency)
        groups: dict[str, list[tuple[str, str]]] = {}
        for code in targets:
            other = config.agencies[code]
            groups.setdefault(f["region"](other.region), []).append((code, other.name))
        agency_name = config.agencies[agency].name
        prefill = replies.prefilled(request, config, row, holder if row["agency"] else None,
                                    f["time"](due_at) if due_at else None)
        view = agency_view(row, ticket.details, config, self.runtime.env.public_url)
        return self.pages.render(
            "ticket.html", status, csrf=signed.csrf, principal=signed.principal, c=row, reporter=view["reporter"],
            holder=holder, agency_name=agency_name, due_at=due_at, waiting_on=waiting_on, late=late,
            read_only=read_only, refused=refused, work=ticket.reach == WORK, moves=moves,
            quick=[m for m in QUICK_MOVES if m in moves], can_hand_on=hand_on_error(row["status"], "forwarded") is None,
            targets=targets, target_groups=groups,
            messages=conversation_with_media(row, ticket.details["followups"], events, ticket.details["attachments"]),
            notes=notes([e for e in events if agency_sees_note(e, agency)], row["channel"]),
            timeline=[e for e in events if agency_sees_step(e, agency)],
            attachments=ticket.details["attachments"], replies=replies.offered(config, lang), prefill=prefill,
            section=section, values=values or {}, errors=errors or {}, done=done, max_text=MAX_NOTE,
            path=ticket_path(row["code"]), f=f, fetch_reason=lambda error: words.fetch_reason(error, lang))
