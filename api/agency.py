"""Agency API (SPEC sections 7 and 14): an agency's token works its own tickets, reads those escalated to it (while
the escalation is open) or forwarded by it, and sees nothing else; complaints.reach decides which is which."""

from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from api.auth import Principal, authenticate
from api.errors import ApiError
from api.http import ask_of, complaint_page_args, json_response, read_json
from edges.runtime import Runtime
from complaints.codes import canonical
from complaints.model import has_control
from complaints.reach import READ, WORK, Reach, forward_problem, forward_targets, reach
from complaints.transitions import AGENCY_STATUSES, agency_move_error, hand_on_error, needs_note
from complaints.conversation import conversation
from complaints.views import conversation_view, operator_view
from delivery.ticket import agency_view, ticket_details
from store import actions, inbox, queries

MAX_NOTE = 4000


def routes(runtime: Runtime) -> list[web.RouteDef]:
    """The agency API's routes."""

    async def agency_of(request: web.Request) -> Principal:
        principal = await authenticate(request, runtime)
        if principal.role != "agency" or principal.agency not in runtime.config.agencies:
            raise ApiError(403, "forbidden", "this endpoint needs an agency token")
        return principal

    async def ticket(request: web.Request, principal: Principal, need: Reach):
        # Every object access is checked against the token's agency: a ticket it may not reach is "not found"; one it
        # may read but not work (escalated to it, forwarded by it) is 403 on the routes that change it.
        code = canonical(request.match_info["code"])
        found = await runtime.read(queries.find_ticket, code) if code else None
        allowed = reach(principal.agency, found[0]["agency"], found[1]) if found else None
        if allowed is None:
            raise ApiError(404, "not_found", "no ticket of your agency has this code")
        if need == WORK and allowed != WORK:
            raise ApiError(403, "read_only", "your agency may read this ticket but not act on it: it is another "
                                             "agency's")
        return found[0]

    async def body_of(request: web.Request) -> dict:
        _body, data = await read_json(request, runtime.config.settings.max_body_bytes)
        for key, value in data.items():
            if isinstance(value, str) and has_control(value):
                raise ApiError(400, "invalid_input", f"{key} holds a control character")
        return data

    def text_field(data: dict, name: str, required: bool) -> str | None:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise ApiError(400, "invalid_input", f"{name} is required")
            return None
        if not isinstance(value, str) or len(value) > MAX_NOTE:
            raise ApiError(400, "invalid_input", f"{name} must be text of at most {MAX_NOTE} characters")
        return value.strip()

    def view(row, details=None) -> dict:
        if details is None:
            return operator_view(row, runtime.config)
        return agency_view(row, details, runtime.config, runtime.env.public_url)

    def forward_refused(agency: str, target: str, allowed: list[str]) -> web.Response:
        # Which agencies the caller may forward to, in the message for a person and as a list for a program.
        agencies = runtime.config.agencies
        names = "; ".join(f"{code} ({agencies[code].name})" for code in allowed)
        message = (f'{agency} cannot forward to "{target}" ({agencies[target].name}): an agency forwards only to '
                   "the agencies of its region or below it and to those its forward_to names. "
                   + (f"Allowed: {names}." if allowed else "Allowed: none; return the ticket if it is not yours."))
        return json_response({"error": {"code": "forward_not_allowed", "message": message,
                                        "allowed": [{"code": code, "name": agencies[code].name} for code in allowed]}},
                             status=409)

    async def list_tickets(request: web.Request) -> web.Response:
        principal = await agency_of(request)
        status = request.query.get("status")
        if status and status not in ("assigned", *AGENCY_STATUSES, "closed"):
            raise ApiError(400, "invalid_input", "status must be assigned, acknowledged, in_progress, resolved, rejected or closed")
        limit, cursor = complaint_page_args(request.query)
        f = queries.ComplaintFilter(status=status or None, agency=principal.agency)
        rows, following, reporters = await runtime.read(queries.list_complaints, f, limit, cursor)
        items = []
        for row in rows:
            item = operator_view(row, runtime.config, reporter=None if row["anonymous"] else reporters.get(row["reporter_id"]))
            items.append(item)
        return json_response({"items": items, "next": following})

    async def get_ticket(request: web.Request) -> web.Response:
        principal = await agency_of(request)
        row = await ticket(request, principal, READ)
        details = await runtime.read(ticket_details, row)
        events = await runtime.read(inbox.ticket_events, row["id"])
        shown = view(row, details)
        shown["conversation"] = conversation_view(conversation(row, details["followups"], events))
        return json_response(shown)

    async def set_status(request: web.Request) -> web.Response:
        principal = await agency_of(request)
        row = await ticket(request, principal, WORK)
        data = await body_of(request)
        status = data.get("status")
        if status not in AGENCY_STATUSES:
            raise ApiError(400, "invalid_input", f"status must be one of {', '.join(AGENCY_STATUSES)}")
        note = text_field(data, "note", required=needs_note(status))
        problem = agency_move_error(row["status"], status)
        if problem:
            raise ApiError(409, "invalid_transition", problem)
        now = datetime.now(timezone.utc)
        updated = await runtime.write(actions.change_status, row, runtime.config, status, principal.who,
                                      note, now, runtime.env.public_url, runtime.messaging_channels)
        runtime.wake_outbox()
        return json_response(view(updated))

    async def reply(request: web.Request) -> web.Response:
        principal = await agency_of(request)
        row = await ticket(request, principal, WORK)
        data = await body_of(request)
        message = text_field(data, "message", required=True)
        ask = ask_of(data)
        agency_name = runtime.config.agencies[principal.agency].name
        sent = await runtime.write(actions.reply_to_citizen, row, agency_name, principal.who, message,
                                   datetime.now(timezone.utc), "agency_reply", ask,
                                   runtime.config.settings.reply_window_days)
        runtime.wake_outbox()
        return json_response({"code": row["code"], "queued": sent, "waiting": "citizen" if ask else None},
                             status=202 if sent else 200)

    async def forward(request: web.Request) -> web.Response:
        principal = await agency_of(request)
        row = await ticket(request, principal, WORK)
        data = await body_of(request)
        target = data.get("agency")
        problem = forward_problem(runtime.config, principal.agency, target) if isinstance(target, str) else "unknown"
        if problem == "unknown":
            raise ApiError(400, "invalid_input", f'unknown agency "{target}"')
        if problem == "own":
            raise ApiError(400, "invalid_input", "the ticket is already yours")
        not_open = hand_on_error(row["status"], "forwarded")
        if not_open:
            raise ApiError(409, "invalid_transition", not_open)
        if problem == "not_allowed":
            return forward_refused(principal.agency, target, forward_targets(runtime.config, principal.agency))
        note = text_field(data, "note", required=False)
        await runtime.write(actions.forward, row, runtime.config, target, principal.who, note,
                            datetime.now(timezone.utc))
        runtime.wake_outbox()
        # The ticket is no longer this agency's to work (it still reads it): answer with what changed.
        return json_response({"code": row["code"], "status": "assigned",
                              "agency": {"code": target, "name": runtime.config.agencies[target].name}})

    async def give_back(request: web.Request) -> web.Response:
        principal = await agency_of(request)
        row = await ticket(request, principal, WORK)
        reason = text_field(await body_of(request), "reason", required=True)
        not_open = hand_on_error(row["status"], "returned")
        if not_open:
            raise ApiError(409, "invalid_transition", not_open)
        await runtime.write(actions.return_to_triage, row, runtime.config, principal.who, reason,
                            datetime.now(timezone.utc))
        runtime.wake_outbox()
        return json_response({"code": row["code"], "status": "triage", "agency": None})

    return [
        web.get("/api/v1/agency/tickets", list_tickets),
        web.get("/api/v1/agency/tickets/{code}", get_ticket),
        web.post("/api/v1/agency/tickets/{code}/status", set_status),
        web.post("/api/v1/agency/tickets/{code}/reply", reply),
        web.post("/api/v1/agency/tickets/{code}/forward", forward),
        web.post("/api/v1/agency/tickets/{code}/return", give_back),
    ]
