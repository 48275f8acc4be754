"""Agency API (SPEC section 7): an agency's token sees and works its own tickets and nothing else."""

from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from api.auth import Principal, authenticate
from api.errors import ApiError
from api.http import complaint_page_args, json_response, parse_json_object, read_capped
from api.runtime import Runtime
from complaints.codes import canonical
from complaints.model import has_control
from complaints.transitions import AGENCY_STATUSES, agency_move_error
from complaints.views import operator_view
from delivery.ticket import agency_view, ticket_details
from store import actions, queries

MAX_NOTE = 4000


def routes(runtime: Runtime) -> list[web.RouteDef]:
    """The agency API's routes."""

    async def agency_of(request: web.Request) -> Principal:
        principal = await authenticate(request, runtime)
        if principal.role != "agency" or principal.agency not in runtime.config.agencies:
            raise ApiError(403, "forbidden", "this endpoint needs an agency token")
        return principal

    async def own_ticket(request: web.Request, principal: Principal):
        # Every object access is checked against the token's agency: another agency's ticket is "not found".
        code = canonical(request.match_info["code"])
        row = await runtime.read(queries.find_complaint, code) if code else None
        if row is None or row["agency"] != principal.agency:
            raise ApiError(404, "not_found", "no ticket of your agency has this code")
        return row

    async def readable_ticket(request: web.Request, principal: Principal):
        # An agency reads its own tickets, and those escalated to it (the link in its ticket.escalated delivery);
        # it works only its own.
        code = canonical(request.match_info["code"])
        row = await runtime.read(queries.find_complaint, code) if code else None
        if row is not None and row["agency"] != principal.agency:
            if principal.agency not in await runtime.read(queries.escalated_to, row["id"]):
                row = None
        if row is None:
            raise ApiError(404, "not_found", "no ticket of your agency has this code")
        return row

    async def body_of(request: web.Request) -> dict:
        data = parse_json_object(await read_capped(request, runtime.config.settings.max_body_bytes))
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
        row = await readable_ticket(request, principal)
        details = await runtime.read(ticket_details, row)
        return json_response(view(row, details))

    async def set_status(request: web.Request) -> web.Response:
        principal = await agency_of(request)
        row = await own_ticket(request, principal)
        data = await body_of(request)
        status = data.get("status")
        if status not in AGENCY_STATUSES:
            raise ApiError(400, "invalid_input", f"status must be one of {', '.join(AGENCY_STATUSES)}")
        note = text_field(data, "note", required=status == "rejected")
        problem = agency_move_error(row["status"], status)
        if problem:
            raise ApiError(409, "invalid_transition", problem)
        now = datetime.now(timezone.utc)
        updated = await runtime.write(actions.change_status, row, runtime.config, status, f"agency:{principal.agency}",
                                      note, now, runtime.env.public_url)
        runtime.wake_outbox()
        return json_response(view(updated))

    async def reply(request: web.Request) -> web.Response:
        principal = await agency_of(request)
        row = await own_ticket(request, principal)
        message = text_field(await body_of(request), "message", required=True)
        agency_name = runtime.config.agencies[principal.agency].name
        sent = await runtime.write(actions.reply_to_citizen, row, agency_name, f"agency:{principal.agency}", message,
                                   datetime.now(timezone.utc))
        runtime.wake_outbox()
        return json_response({"code": row["code"], "queued": sent}, status=202 if sent else 200)

    async def forward(request: web.Request) -> web.Response:
        principal = await agency_of(request)
        row = await own_ticket(request, principal)
        data = await body_of(request)
        target = data.get("agency")
        if not isinstance(target, str) or target not in runtime.config.agencies:
            raise ApiError(400, "invalid_input", f'unknown agency "{target}"')
        if target == principal.agency:
            raise ApiError(400, "invalid_input", "the ticket is already yours")
        if row["status"] not in ("assigned", "acknowledged", "in_progress"):
            raise ApiError(409, "invalid_transition", f'a ticket that is "{row["status"]}" cannot be forwarded')
        note = text_field(data, "note", required=False)
        await runtime.write(actions.forward, row, runtime.config, target, f"agency:{principal.agency}", note,
                            datetime.now(timezone.utc))
        runtime.wake_outbox()
        # The ticket is no longer this agency's: answer with what it may still know.
        return json_response({"code": row["code"], "status": "assigned",
                              "agency": {"code": target, "name": runtime.config.agencies[target].name}})

    async def give_back(request: web.Request) -> web.Response:
        principal = await agency_of(request)
        row = await own_ticket(request, principal)
        reason = text_field(await body_of(request), "reason", required=True)
        if row["status"] not in ("assigned", "acknowledged", "in_progress"):
            raise ApiError(409, "invalid_transition", f'a ticket that is "{row["status"]}" cannot be returned')
        await runtime.write(actions.return_to_triage, row, runtime.config, f"agency:{principal.agency}", reason,
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
