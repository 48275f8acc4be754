"""Operator API: complaints (list, read, assign, status), deliveries (list, retry), statistics, config reload."""

from __future__ import annotations

from datetime import datetime, timezone

from aiohttp import web

from api.auth import require_operator
from api.errors import ApiError
from api import listing
from api.http import ask_of, complaint_page_args, delivery_cursor, json_response, limit_of, read_json, require_json
from edges.runtime import Runtime
from complaints import desk
from complaints.codes import canonical
from complaints.model import has_control
from complaints.transitions import OPERATOR_STATUSES, operator_move_error
from complaints.conversation import conversation
from complaints.views import conversation_view, delivery_view, operator_view
from reports.compute import InputError, compute, read_request
from store import actions, queries


def routes(runtime: Runtime) -> list[web.RouteDef]:
    """The operator API's routes."""

    def complaint_filter(query) -> queries.ComplaintFilter:
        try:
            return listing.complaint_filter(query, runtime.config, runtime.channel_names)
        except listing.FilterProblem as problem:
            raise ApiError(400, "invalid_input", problem.message) from None

    async def list_complaints(request: web.Request) -> web.Response:
        await require_operator(request, runtime)
        f = complaint_filter(request.query)
        limit, cursor = complaint_page_args(request.query)
        rows, following, reporters = await runtime.read(queries.list_complaints, f, limit, cursor)
        items = [operator_view(row, runtime.config, reporter=reporters.get(row["reporter_id"])) for row in rows]
        return json_response({"items": items, "next": following})

    async def get_complaint(request: web.Request) -> web.Response:
        await require_operator(request, runtime)
        code = canonical(request.match_info["code"])
        row = await runtime.read(queries.find_complaint, code) if code else None
        if row is None:
            raise ApiError(404, "not_found", "no complaint has this tracking code")
        details = await runtime.read(queries.complaint_details, row)
        view = operator_view(
            row,
            runtime.config,
            reporter=details["reporter"],
            events=details["events"],
            deliveries=details["deliveries"],
            attachments=details["attachments"],
            followups=details["followups"],
        )
        view["conversation"] = conversation_view(conversation(row, details["followups"], details["events"]))
        return json_response(view)

    async def reload(request: web.Request) -> web.Response:
        await require_operator(request, runtime)
        require_json(request, takes_body=False)
        ok, errors, warnings = runtime.reload()
        if not ok:
            return json_response(
                {"error": {"code": "invalid_config", "message": "the new configuration has errors; the one in force stays",
                           "details": errors}, "warnings": warnings},
                status=400,
            )
        return json_response({"status": "reloaded", "version": runtime.config.version, "warnings": warnings})

    async def operated(request: web.Request):
        principal = await require_operator(request, runtime)
        code = canonical(request.match_info["code"])
        row = await runtime.read(queries.find_complaint, code) if code else None
        if row is None:
            raise ApiError(404, "not_found", "no complaint has this tracking code")
        _body, data = await read_json(request, runtime.config.settings.max_body_bytes)
        note = data.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > 4000 or has_control(note)):
            raise ApiError(400, "invalid_input", "note must be text of at most 4000 characters")
        return principal, row, data, (note or "").strip() or None

    async def assign(request: web.Request) -> web.Response:
        principal, row, data, note = await operated(request)
        target = data.get("agency")
        problem = desk.assign_problem(row, target if isinstance(target, str) else None, runtime.config)
        if problem == "unknown_agency":
            raise ApiError(400, "invalid_input", f'unknown agency "{target}"')
        if problem == "final":
            raise ApiError(409, "invalid_transition", f'the complaint is "{row["status"]}": it can no longer be assigned')
        if problem == "already":
            raise ApiError(409, "invalid_transition", f'the complaint is already assigned to "{target}"')
        updated = await runtime.write(actions.assign, row, runtime.config, target, principal.who, note, datetime.now(timezone.utc),
                                      "reassigned" if row["agency"] else "assigned", runtime.env.public_url)
        runtime.wake_outbox()
        return json_response(operator_view(updated, runtime.config))

    async def set_status(request: web.Request) -> web.Response:
        principal, row, data, note = await operated(request)
        status = data.get("status")
        problem = operator_move_error(row["status"], status if isinstance(status, str) else "")
        if problem:
            raise ApiError(400 if status not in OPERATOR_STATUSES else 409,
                           "invalid_input" if status not in OPERATOR_STATUSES else "invalid_transition", problem)
        if status == "rejected" and not note:
            raise ApiError(400, "invalid_input", "note is required: say why the complaint is rejected")
        updated = await runtime.write(actions.change_status, row, runtime.config, status, principal.who, note,
                                      datetime.now(timezone.utc), runtime.env.public_url, runtime.messaging_channels, True)
        runtime.wake_outbox()
        return json_response(operator_view(updated, runtime.config))

    async def reply(request: web.Request) -> web.Response:
        principal, row, data, _note = await operated(request)
        message = data.get("message")
        if not isinstance(message, str) or not message.strip() or len(message) > 4000 or has_control(message):
            raise ApiError(400, "invalid_input", "message is required: text of at most 4000 characters")
        ask = ask_of(data)
        config = runtime.config
        desk = config.agencies[config.triage].name if config.triage in config.agencies else "Aduan"
        sent = await runtime.write(actions.reply_to_citizen, row, desk, principal.who, message.strip(),
                                   datetime.now(timezone.utc), "operator_reply", ask,
                                   config.settings.reply_window_days)
        runtime.wake_outbox()
        return json_response({"code": row["code"], "queued": sent, "waiting": "citizen" if ask else None},
                             status=202 if sent else 200)

    async def deliveries(request: web.Request) -> web.Response:
        await require_operator(request, runtime)
        state = request.query.get("state") or None
        if state is not None and state not in queries.DELIVERY_STATES:
            raise ApiError(400, "invalid_input", f"state must be one of {', '.join(queries.DELIVERY_STATES)}")
        limit = limit_of(request.query)
        after = delivery_cursor(request.query)
        rows, following = await runtime.read(queries.list_deliveries, state, limit, after)
        items = [dict(delivery_view(r), complaint=r["complaint_code"]) for r in rows]
        return json_response({"items": items, "next": str(following) if following is not None else None})

    async def retry(request: web.Request) -> web.Response:
        await require_operator(request, runtime)
        require_json(request, takes_body=False)
        delivery_id = request.match_info["id"]
        if len(delivery_id) > 64 or has_control(delivery_id):
            raise ApiError(404, "not_found", "no delivery has this id")
        row, refused = await runtime.write(queries.retry_delivery, delivery_id, datetime.now(timezone.utc))
        if row is None:
            raise ApiError(404, "not_found", "no delivery has this id")
        if refused is not None:
            raise ApiError(409, "not_retryable", f'the delivery is "{refused}": only failed, dead or undeliverable deliveries are retried')
        runtime.wake_outbox()
        return json_response(delivery_view(row))

    async def stats(request: web.Request) -> web.Response:
        await require_operator(request, runtime)
        config, query = runtime.config, request.query  # one config for the whole answer, even across a reload
        now = datetime.now(timezone.utc)
        try:
            asked = read_request(config, query.get("since"), query.get("until"), query.get("by"), query.get("min_count"), now)
        except InputError as exc:
            raise ApiError(400, "invalid_input", str(exc)) from None
        return json_response(await runtime.read(compute, config, asked.period, asked.by, now, asked.min_count,
                                                        runtime.channel_labels["id"]))

    return [
        web.get("/api/v1/stats", stats),
        web.get("/api/v1/deliveries", deliveries),
        web.post("/api/v1/deliveries/{id}/retry", retry),
        web.post("/api/v1/complaints/{code}/assign", assign),
        web.post("/api/v1/complaints/{code}/status", set_status),
        web.post("/api/v1/complaints/{code}/reply", reply),
        web.get("/api/v1/complaints", list_complaints),
        web.get("/api/v1/complaints/{code}", get_complaint),
        web.post("/api/v1/admin/reload", reload),
    ]
