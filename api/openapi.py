"""The OpenAPI document served at /api/v1/openapi.json: what each endpoint takes and answers, as its handler does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from complaints.model import LINE_BREAKING, STATUSES
from complaints.transitions import AGENCY_STATUSES, OPERATOR_STATUSES
from config.loader import Config
from config.models import KINDS, PRIORITIES
from reports.compute import MAX_MIN_COUNT
from reports.stats import BY
from store.queries import DELIVERY_STATES

# Control characters other than tab and newlines: the API refuses them in notes and filters (complaints.model).
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
# What Python's str.strip() and `\s` take for blanks, spelled out: regex engines disagree on `\s`.
BLANKS = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
NO_CONTROL = rf"^[^{_CONTROL}]*$"
# Text that is not blank once stripped and holds no control character.
NOT_BLANK = rf"^[^{_CONTROL}]*[^{_CONTROL}{BLANKS}][^{_CONTROL}]*$"
# What public.py's ReporterIn.phone accepts once trimmed: `^\+?[0-9 ()-]{5,40}$`, at most 40 characters in all.
PHONE = r"^(\+[0-9 ()-]{4,38}[0-9()-]|[0-9()-][0-9 ()-]{3,38}[0-9()-])$"
# What a single-line field may not hold (complaints.model.LINE_BREAKING): C0, DEL, C1, line and paragraph separators.
_LINE_BREAKING = LINE_BREAKING.pattern[1:-1]
SINGLE_LINE = rf"^[^{_LINE_BREAKING}]*$"
# config.models.EMAIL_RE, on a single line.
EMAIL = rf"^[^@{BLANKS}{_LINE_BREAKING}]+@[^@{BLANKS}{_LINE_BREAKING}]+\.[^@{BLANKS}{_LINE_BREAKING}]+$"
# The first and last characters not blank: HTTP drops blanks around a header value.
IDEMPOTENCY_KEY = r"^[!-~]([ -~]{0,198}[!-~])?$"
MAX_NOTE = 4000


def _schema(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(description: str, schema: dict, headers: dict | None = None) -> dict:
    answer = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _error(description: str, headers: dict | None = None) -> dict:
    return _json(description, _schema("Error"), headers)


def _header(description: str, schema: dict, required: bool = True) -> dict:
    return {"description": description, "required": required, "schema": schema}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _closed(properties: dict, required: Iterable[str] | None = None) -> dict:
    """An object with exactly these properties (all required unless `required` names fewer)."""
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": list(properties) if required is None else list(required)}


TIME = {"type": "string", "format": "date-time"}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
TEXT_OR_NULL = {"type": ["string", "null"]}
# Who took a timeline step (SPEC section 13): a person, a token, the citizen or the system.
WHO = {"type": "object", "required": ["type"], "properties": {
    "type": {"type": "string", "enum": ["user", "token", "citizen", "system"]}, "name": {"type": "string"},
    "role": {"type": "string"}, "agency": TEXT_OR_NULL, "label": TEXT_OR_NULL, "channel": TEXT_OR_NULL}}
# A complaint's conversation with the citizen (SPEC section 14): every message in and every reply out, in order.
CONVERSATION = {"type": "array", "items": {"type": "object", "required": ["at", "direction", "channel", "text", "by",
                                                                          "public"], "properties": {
    "at": TIME, "direction": {"type": "string", "enum": ["in", "out"]}, "channel": {"type": "string"},
    "text": {"type": "string"}, "by": WHO, "public": {"type": "boolean"}}}}
METHOD_NOT_ALLOWED = _error("the path does not take this method", {
    "Allow": _header("the methods the path takes (RFC 9110)", {"type": "string", "minLength": 1})})
UNAVAILABLE = _error("the database cannot be reached or cannot take the write; nothing was stored",
                     {"Retry-After": _header("seconds", {"type": "integer", "minimum": 0})})
UNAUTHORIZED = _error("no token, or not a valid one", {
    "WWW-Authenticate": _header('`Bearer realm="aduan"`, or `Bearer error="invalid_token"`', {"type": "string"})})
TOO_LARGE = _error("the body is over `max_body_bytes` (settings.yaml)")
BAD_JSON = "the body is not a JSON object, or a field is not as described"
JSON_BODY_NOTE = "Sent with `Content-Type: application/json` (a charset parameter may follow); any other type is 415."
NOT_JSON = _error("the Content-Type is not application/json")
NO_BODY_NOT_JSON = _error("a body (the route takes none) sent as another type than application/json")
RATE_LIMITED = {"Retry-After": _header("seconds", {"type": "integer", "minimum": 0})}
COMPLAINT_STATUS = {"enum": list(STATUSES)}
# What a code in the path that is not one of the caller's complaints is answered (404): an operator's, an agency's.
NO_COMPLAINT = "no complaint has this code"
NOT_OURS = "not a ticket of this agency"


def _code_parameter() -> dict:
    return {"name": "code", "in": "path", "required": True, "description": "tracking code, e.g. NTB-7K3QX9P2; "
            "case is ignored, O reads as 0 and I or L as 1; anything that is not a known code is 404",
            "schema": {"type": "string", "minLength": 1}}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string", "pattern": NO_CONTROL}}


def _limit() -> dict:
    return _query("limit", "page size, 1–500 (default 50)", {"type": "integer", "minimum": 1, "maximum": 500})


def _cursor(form: str) -> dict:
    return _query("cursor", "the `next` of the previous page, as given: it is opaque, and anything this API did not "
                  "give out is 400", {"type": "string", "format": form})


def _bound(name: str, description: str) -> dict:
    # A day of year 1 or 9999 may fall off the calendar once moved to UTC: 400.
    return _query(name, f"{description}; empty is not given; years 2 to 9998", {"anyOf": [
        {"const": ""}, {"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]})


def _operator(operation: dict) -> dict:
    """An operator endpoint: a bearer token of an operator, and the answers every such endpoint may give."""
    operation["security"] = [{"operator": []}]
    operation["responses"].update({"401": UNAUTHORIZED, "403": _error("a valid token, but not an operator's"),
                                   "405": METHOD_NOT_ALLOWED, "503": UNAVAILABLE})
    return operation


def _agency(operation: dict, works: bool = True) -> dict:
    """An agency endpoint: a bearer token of an agency the configuration knows, and the answers it may give.

    One that `works` a ticket is also 403 for a ticket the agency may only read (escalated to it, forwarded by it).
    """
    forbidden = "a valid token, but not of an agency in the configuration (an operator's, say)"
    if works:
        forbidden += "; or a ticket this agency may read but not work (escalated to it, or forwarded by it)"
    operation["security"] = [{"agency": []}]
    operation["responses"].update({"401": UNAUTHORIZED, "403": _error(forbidden), "405": METHOD_NOT_ALLOWED,
                                   "503": UNAVAILABLE})
    return operation


def _json_body(schema: dict, description: str | None = None) -> dict:
    body = {"required": True, "content": {"application/json": {"schema": schema}}}
    body["description"] = f"{description} {JSON_BODY_NOTE}" if description else JSON_BODY_NOTE
    return body


def _agency_body(properties: dict, required: list[str], **extra) -> dict:
    # An agency body's other top-level keys are ignored, but one holding a control character is 400 all the same.
    return {"type": "object", "required": required, "properties": properties,
            "additionalProperties": {"pattern": NO_CONTROL}, **extra}


# A reply's `ask` and what a reply answers (SPEC section 15).
ASK = {"type": "boolean", "default": False,
       "description": "true: the complaint waits for the citizen's answer, which joins it (reply_window_days)"}
_REPLY_FIELDS = {"code": {"type": "string"}, "waiting": {"enum": ["citizen", None]}}
REPLIED = {"202": _json("queued", _closed({**_REPLY_FIELDS, "queued": {"const": True}})),
           "200": _json("the citizen left no address to reply to (the reply is on the timeline)",
                        _closed({**_REPLY_FIELDS, "queued": {"const": False}}))}


def _ticket_post(summary: str, body: dict, ok: dict, bad: str, missing: str, conflict: dict | None = None) -> dict:
    """A POST on one complaint that takes a JSON body, and what it answers: `ok`; 400 for a body that is not as
    described or is `bad`; 404 `missing`; the 409 `conflict`, if any; 413 and 415."""
    responses = {**ok, "400": _error(f"{BAD_JSON}; {bad}"), "404": _error(missing)}
    if conflict is not None:
        responses["409"] = conflict
    return {"summary": summary, "parameters": [_code_parameter()], "requestBody": body,
            "responses": {**responses, "413": TOO_LARGE, "415": NOT_JSON}}


def schemas(config: Config, channels: Sequence[str]) -> dict:
    """The components' schemas: the bodies the API takes and the objects it answers with."""
    agencies = sorted(config.agencies)
    ref = _closed({"code": {"type": "string"}, "name": {"type": "string"}})
    reporter = _closed({"name": TEXT_OR_NULL, "phone": TEXT_OR_NULL, "email": TEXT_OR_NULL, "channel_user_id": TEXT_OR_NULL})
    base = {
        "code": {"type": "string"}, "kind": {"enum": list(KINDS)}, "status": COMPLAINT_STATUS,
        "channel": {"enum": list(channels)}, "text": {"type": "string"}, "region": _schema("Ref"),
        "category": TEXT_OR_NULL, "priority": {"enum": list(PRIORITIES)}, "agency": _nullable(_schema("Ref")),
        "rule": TEXT_OR_NULL, "created_at": TIME,
        "waiting": {"type": ["string", "null"], "enum": ["citizen", None],
                    "description": "citizen: the complaint waits for the citizen's answer to a question"},
    }
    worked = {
        "anonymous": {"type": "boolean"}, "confidential": {"type": "boolean"},
        "reporter": _nullable(_schema("Reporter")),
        "location": _nullable(_closed({"lat": {"type": "number"}, "lon": {"type": "number"}})),
        "status_reason": TEXT_OR_NULL,
        **{name: TIME_OR_NULL for name in ("assigned_at", "acknowledged_at", "resolved_at", "closed_at",
                                             "acknowledge_due_at", "resolve_due_at")},
        "overdue": {"type": "boolean"}, "updated_at": TIME,
        "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5}, "rating_comment": TEXT_OR_NULL,
    }
    attachments = {"type": "array", "items": _closed({
        "kind": {"type": "string"}, "content_type": TEXT_OR_NULL, "name": TEXT_OR_NULL,
        "size": {"type": ["integer", "null"]}, "stored": {"type": "boolean"}, "channel_ref": TEXT_OR_NULL})}
    followups = {"type": "array", "items": _closed({"at": TIME, "text": {"type": "string"}})}
    operator_fields = {**base, **worked, "language": {"type": "string"}, "rules_version": TEXT_OR_NULL}
    figures = {
        "received": {"type": "integer", "minimum": 0,
                     "description": "received in the period = resolved + rejected + in_process"},
        "resolved": {"type": "integer", "minimum": 0, "description": "now resolved or closed"},
        "rejected": {"type": "integer", "minimum": 0},
        "in_process": {"type": "integer", "minimum": 0, "description": "new, triage, assigned, acknowledged or in_progress"},
        "overdue": {"type": "integer", "minimum": 0,
                    "description": "in process and at or past a due time, or marked overdue"},
        "within_sla": {"type": ["number", "null"], "minimum": 0, "maximum": 1,
                       "description": "share met among those whose SLA outcome is known"},
        "median_hours_to_acknowledge": {"type": ["number", "null"], "description": "from receipt"},
        "median_hours_to_resolve": {"type": ["number", "null"], "description": "from receipt"},
        "rated": {"type": "integer", "minimum": 0, "description": "how many the citizen rated"},
        "rating_average": {"type": ["number", "null"], "minimum": 1, "maximum": 5,
                           "description": "the citizens' mean rating (1–5, two decimals); null when none rated"},
    }
    group_key = _closed({"code": {"type": ["string", "null"], "description": "null for the group of complaints without "
                                  "an agency (by agency) or without a category (by category)"},
                         "name": {"type": "string"}})
    delivery = {
        "id": {"type": "string"}, "audience": {"enum": ["citizen", "agency"]}, "transport": {"type": "string"},
        "agency": TEXT_OR_NULL, "target": TEXT_OR_NULL, "event": {"type": "string"},
        "state": {"enum": list(DELIVERY_STATES)}, "attempts": {"type": "integer", "minimum": 0},
        "next_attempt_at": TIME, "last_error": TEXT_OR_NULL, "created_at": TIME,
        "attempts_log": {"type": "array", "items": _closed({
            "attempt": {"type": "integer"}, "at": TIME, "outcome": {"type": "string"}, "detail": TEXT_OR_NULL})},
        "provider_message_id": {"type": ["string", "null"],
                                "description": "the provider's id of the message it took (a WhatsApp wamid)"},
        "provider_status": {"type": ["string", "null"],
                            "description": "the provider's latest status report for it (SPEC 16): sent, delivered, "
                                           "read or failed"},
        "fallback_of": {"type": ["string", "null"],
                        "description": "in a complaint's detail, the id of the delivery this one stands in for (an "
                                       "SMS sent because the platform would not carry the notice); null otherwise"},
        "statuses": {"type": "array", "description": "the provider's status reports, in the provider's time order",
                     "items": _closed({
                         "status": {"type": "string", "description": "sent, delivered, read or failed"},
                         "code": {"type": ["integer", "null"], "description": "a failure's error code (131047, ...)"},
                         "title": TEXT_OR_NULL, "at": TIME_OR_NULL, "received_at": TIME})},
    }
    ticket = {
        **base, **worked, "attachments": attachments, "followups": followups,
        "ticket_url": {"type": "string", "format": "uri",
                       "description": "the page a person opens: /agency/tickets/{code} (in a delivery to the "
                                      "triage team, /dashboard/complaints/{code})"},
        "api_url": {"type": "string", "format": "uri", "description": "this ticket in the agency API"},
        "track_url": {"type": "string", "format": "uri"},
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "object", "required": ["code", "message"], "additionalProperties": False,
                                     "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
        },
        "Ref": ref,
        "Reporter": reporter,
        "ComplaintIn": {
            "type": "object",
            "required": ["text"],
            "additionalProperties": False,
            "properties": {
                "text": {"type": "string", "minLength": 1, "maxLength": 10000, "pattern": f"[^{BLANKS}]",
                         "description": "not blank; control characters are dropped"},
                "kind": {"enum": list(KINDS), "description": "default complaint"},
                "region": {"enum": [*config.regions, None], "description": "a region code of regions.yaml; "
                           "default: found in the text, else the root region"},
                "category": {"type": ["string", "null"], "maxLength": 64, "pattern": SINGLE_LINE,
                             "description": "a single line: no control character or line break"},
                "reporter": {"type": ["object", "null"], "additionalProperties": False, "properties": {
                    "name": {"type": ["string", "null"], "maxLength": 200, "pattern": SINGLE_LINE},
                    "phone": {"type": ["string", "null"], "maxLength": 40, "pattern": PHONE,
                              "description": "digits, spaces, ( ) and -, 5 to 40 of them, after an optional +"},
                    "email": {"anyOf": [{"type": "null"}, {"const": ""},
                                        {"type": "string", "maxLength": 254, "pattern": EMAIL}],
                              "description": "an e-mail address; empty is none"}}},
                "anonymous": {"type": "boolean", "description": "identity never shown to agencies"},
                "confidential": {"type": "boolean", "description": "text never shown on public tracking"},
                "location": {"type": ["object", "null"], "required": ["lat", "lon"], "additionalProperties": False,
                             "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                                            "lon": {"type": "number", "minimum": -180, "maximum": 180}}},
                "language": {"enum": ["id", "en", None], "description": "of the replies; default settings.yaml's"},
            },
        },
        "Accepted": _closed({"code": {"type": "string"}, "status": COMPLAINT_STATUS,
                             "agency": _nullable(_schema("Ref")), "track_url": {"type": "string", "format": "uri"}}),
        "PublicComplaint": _closed({
            **{k: v for k, v in base.items() if k != "rule"},
            "category_name": {**TEXT_OR_NULL, "description": "the category as people read it (\"Layanan puskesmas\")"},
            "agency_name": TEXT_OR_NULL, "status_label": {"type": "string"}, "updated_at": TIME,
            "due_at": {**TIME_OR_NULL, "description": "when the current stage is due: the agency's response while "
                                                      "assigned, the resolution while acknowledged or in progress"},
            "due_kind": {"type": ["string", "null"], "enum": ["acknowledge", "resolve", None]},
            "timeline": {"type": "array", "items": _closed({
                "at": TIME, "status": COMPLAINT_STATUS, "label": {"type": "string"}, "event": {"type": "string"},
                "note": {**TEXT_OR_NULL, "description": "a status change's note for the citizen (the resolution, a "
                                                        "rejection's reason); null when confidential"},
                "merged_into": {**TEXT_OR_NULL, "description": "the code of the complaint this one was merged into"}})},
            "replies": {"type": "array", "description": "the replies to the citizen; none when confidential",
                        "items": _closed({"at": TIME, "text": {"type": "string"}, "agency": _schema("Ref"),
                                          "ask": {"type": "boolean", "description": "a question to the citizen"}})},
        }, required=[k for k in base if k not in ("rule", "text")] + ["category_name", "agency_name", "status_label",
                                                                       "updated_at", "due_at", "due_kind", "timeline",
                                                                       "replies"]),
        "OperatorComplaint": _closed(operator_fields),
        "ComplaintDetail": _closed({
            **operator_fields,
            "events": {"type": "array", "items": _closed({
                "at": TIME, "actor": {"type": "string"}, "by": WHO, "type": {"type": "string"}, "status": TEXT_OR_NULL,
                "data": {"type": "object"}})},
            "deliveries": {"type": "array", "items": _schema("Delivery")},
            "attachments": attachments,
            "followups": followups,
            "conversation": CONVERSATION,
        }),
        "Ticket": _closed(ticket),
        "TicketDetail": _closed({**ticket, "conversation": CONVERSATION}),
        "ComplaintPage": _closed({"items": {"type": "array", "items": _schema("OperatorComplaint")},
                                  "next": {"type": ["string", "null"], "description": "the cursor of the next page"}}),
        "Delivery": _closed(delivery),
        "DeliveryPage": _closed({"items": {"type": "array", "items": _closed(
                                     {**delivery, "complaint": {"type": ["string", "null"], "description": "its code"}})},
                                 "next": {"type": ["string", "null"], "description": "the cursor of the next page"}}),
        "StatsFigures": _closed(figures),
        "Stats": _closed({
            "since": {"type": "string", "format": "date"}, "until": {"type": "string", "format": "date"},
            "by": {"enum": list(BY)}, "timezone": {"type": "string"}, "generated_at": TIME,
            "min_count": {"type": "integer", "minimum": 1},
            "reach": _closed({"regions": {"type": "integer", "minimum": 0}, "agencies": {"type": "integer", "minimum": 0}}),
            "total": _schema("StatsFigures"),
            "groups": {"type": "array", "items": _closed({"key": group_key, **figures})},
            "ranking": {"type": "array", "description": "groups with at least min_count resolved, fastest median first",
                        "items": _closed({"rank": {"type": "integer", "minimum": 1}, "key": group_key, **figures})},
        }),
        "Reloaded": _closed({"status": {"const": "reloaded"}, "version": {"type": "string"},
                             "warnings": {"type": "array", "items": {"type": "string"}}}),
        "ReloadRefused": _closed({
            "error": _closed({"code": {"const": "invalid_config"}, "message": {"type": "string"},
                              "details": {"type": "array", "items": {"type": "string"}}}),
            "warnings": {"type": "array", "items": {"type": "string"}}}),
        "ForwardRefused": _closed({"error": _closed({
            "code": {"const": "forward_not_allowed"}, "message": {"type": "string"},
            "allowed": {"type": "array", "items": _schema("Ref"), "description": "the agencies it may forward to"}})}),
        "AgencyCode": {"enum": agencies},
    }


def paths(config: Config, channels: Sequence[str]) -> dict:
    """Every path the API serves, with the answers its handler gives."""
    code = _code_parameter()
    note = {"type": ["string", "null"], "maxLength": MAX_NOTE, "pattern": NO_CONTROL}
    reason = {"type": "string", "maxLength": MAX_NOTE, "pattern": NOT_BLANK}
    return {
        "/healthz": {"get": {"summary": "Health", "responses": {
            "200": _json("the database answers", _closed({"status": {"const": "ok"}})),
            "503": _json("the database is unreachable", _closed({"status": {"const": "unavailable"}}))}}},
        "/api/v1/complaints": {
            "post": {
                "summary": "Submit a complaint",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY},
                                "description": "1 to 200 printable characters; a retried request with the same key and "
                                               "body returns the first result"}],
                "requestBody": _json_body(_schema("ComplaintIn")),
                "responses": {
                    "201": _json("stored (or, with a key already used for this body, the first result again)",
                                 _schema("Accepted"), {
                                     "Location": _header("the public tracking page", {"type": "string", "format": "uri"}),
                                     "Idempotent-Replayed": _header("present on a replay", {"const": "true"}, False)}),
                    "400": _error(f"{BAD_JSON}; an unknown region; a bad Idempotency-Key; a control character or line "
                                  "break in a single-line field (the message names it)"),
                    "401": _error("an Authorization header with a token that is not valid (none is needed: a token "
                                  "only scopes the Idempotency-Key to its caller)", {
                        "WWW-Authenticate": _header('`Bearer error="invalid_token"`', {"type": "string"})}),
                    "405": METHOD_NOT_ALLOWED,
                    "413": TOO_LARGE,
                    "415": NOT_JSON,
                    "422": _error("the Idempotency-Key was already used for a different body"),
                    "429": _error("too many submissions from this address", RATE_LIMITED),
                    "503": UNAVAILABLE,
                },
            },
            "get": _operator({
                "summary": "List complaints, newest first (operator)",
                "parameters": [
                    _query("status", "one status (empty: any)", {"enum": ["", *STATUSES]}),
                    _query("agency", "agency code (empty: any)", {"anyOf": [{"const": ""}, _schema("AgencyCode")]}),
                    _query("region", "region code, and the regions below it (empty: any)",
                           {"enum": ["", *config.regions]}),
                    _query("channel", "channel (empty: any)", {"enum": ["", *channels]}),
                    _query("category", "category"),
                    _bound("since", "a date (from its start in the root region's time zone) or a time, inclusive"),
                    _bound("until", "a date (its whole day included) or a time"),
                    _query("q", "words of the text or of a follow-up, all of them, the last also as a word's start; or a "
                                "tracking code (the first 200 characters are used)"),
                    _query("overdue", "1: only complaints past their due time, still in process", {"enum": ["", "0", "1"]}),
                    _query("waiting", "citizen: only complaints waiting for the citizen's answer",
                           {"enum": ["", "citizen"]}),
                    _cursor("complaint-cursor"),
                    _limit(),
                ],
                "responses": {"200": _json("a page", _schema("ComplaintPage")),
                              "400": _error("a bad filter, limit or cursor, or a control character in any parameter")},
            }),
        },
        "/api/v1/complaints/{code}": {
            "get": _operator({"summary": "One complaint with timeline, deliveries, attachments and follow-ups (operator)",
                              "parameters": [code],
                              "responses": {"200": _json("the complaint", _schema("ComplaintDetail")),
                                            "404": _error(NO_COMPLAINT)}}),
        },
        "/api/v1/complaints/{code}/assign": {"post": _operator(_ticket_post(
            "Assign, or reassign to another agency (operator)",
            _json_body({"type": "object", "required": ["agency"],
                        "properties": {"agency": _schema("AgencyCode"), "note": note}}),
            {"200": _json("the complaint", _schema("OperatorComplaint"))},
            bad="an unknown agency", missing=NO_COMPLAINT,
            conflict=_error("closed or rejected, or already with this agency")))},
        "/api/v1/complaints/{code}/status": {"post": _operator(_ticket_post(
            "Set the status (operator); a rejection needs a note, only a resolved complaint can be closed",
            _json_body({
                "type": "object", "required": ["status"],
                "properties": {"status": {"enum": list(OPERATOR_STATUSES)}, "note": note},
                "if": {"properties": {"status": {"const": "rejected"}}},
                "then": {"required": ["note"], "properties": {"note": {**reason, "description": "why it is rejected"}}},
            }),
            {"200": _json("the complaint", _schema("OperatorComplaint"))},
            bad="a rejection without a note", missing=NO_COMPLAINT,
            conflict=_error("not allowed from the current status")))},
        "/api/v1/complaints/{code}/reply": {"post": _operator(_ticket_post(
            "A message to the citizen on their channel, signed with the triage team's name (operator)",
            _json_body({"type": "object", "required": ["message"], "properties": {"message": reason, "ask": ASK}}),
            REPLIED, bad="no message; ask not a boolean; a control character", missing=NO_COMPLAINT))},
        "/api/v1/stats": {
            "get": _operator({
                "summary": "Statistics of the complaints received in a period (operator); `main.py stats --format json` "
                           "prints the same",
                "parameters": [_bound("since", "first day, in the root region's time zone (a time is read as its day; "
                                               "default: the first of until's month); not after until"),
                               _bound("until", "last day, included (default: today)"),
                               _query("by", "group by (default agency)", {"enum": ["", *BY]}),
                               _query("min_count", "rank groups with at least this many resolved (default 5)",
                                      {"anyOf": [{"const": ""},
                                                 {"type": "integer", "minimum": 1, "maximum": MAX_MIN_COUNT}]})],
                "responses": {"200": _json("the stats", _schema("Stats")),
                              "400": _error("a bad period (since after until, a day out of range), by or min_count")}}),
        },
        "/api/v1/deliveries": {
            "get": _operator({
                "summary": "Deliveries by state, newest first (operator)",
                "parameters": [_query("state", "pending, sending, delivered, failed, dead or refused (empty: any)",
                                      {"enum": ["", *DELIVERY_STATES]}),
                               _cursor("delivery-cursor"), _limit()],
                "responses": {"200": _json("a page", _schema("DeliveryPage")),
                              "400": _error("a bad state, limit or cursor")}}),
        },
        "/api/v1/deliveries/{id}/retry": {
            "post": _operator({
                "summary": "Send a failed or dead delivery again, under the same delivery id (operator)",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}],
                "responses": {"200": _json("back in line", _schema("Delivery")),
                              "404": _error("no delivery has this id"),
                              "409": _error("not failed or dead"),
                              "415": NO_BODY_NOT_JSON}}),
        },
        "/api/v1/track/{code}": {
            "get": {"summary": "Public status and timeline",
                    "parameters": [code, _query("lang", "language of the status labels: id or en (anything else "
                                                        "reads as the complaint's own language)", {"type": "string"})],
                    "responses": {"200": _json("the public view: no reporter, no text when confidential",
                                               _schema("PublicComplaint")),
                                  "404": _error(NO_COMPLAINT),
                                  "405": METHOD_NOT_ALLOWED,
                                  "429": _error("too many lookups from this address (an unknown code weighs four "
                                                "times a known one)", RATE_LIMITED),
                                  "503": UNAVAILABLE}},
        },
        "/api/v1/admin/reload": {
            "post": _operator({"summary": "Reload the configuration (operator)",
                               "responses": {"200": _json("reloaded", _schema("Reloaded")),
                                             "400": _json("the new configuration has errors; the one in force stays",
                                                          _schema("ReloadRefused")),
                                             "415": NO_BODY_NOT_JSON}}),
        },
        "/api/v1/agency/tickets": {
            "get": _agency(works=False, operation={
                "summary": "The agency's own tickets, newest first",
                "parameters": [_query("status", "one status (empty: any)",
                                      {"enum": ["", "assigned", *AGENCY_STATUSES, "closed"]}),
                               _cursor("complaint-cursor"), _limit()],
                "responses": {"200": _json("a page (reporter withheld when anonymous)", _schema("ComplaintPage")),
                              "400": _error("a bad status, limit or cursor")}}),
        },
        "/api/v1/agency/tickets/{code}": {
            "get": _agency(works=False, operation={
                "summary": "One of the agency's tickets, or one it may read: escalated to it, or forwarded by it "
                           "(reporter withheld when anonymous)",
                "parameters": [code],
                "responses": {"200": _json("the ticket, with its conversation", _schema("TicketDetail")),
                              "404": _error("not a ticket this agency may read")}}),
        },
        "/api/v1/agency/tickets/{code}/status": {"post": _agency(_ticket_post(
            "acknowledged, in_progress, resolved or rejected (with a note as the reason); the citizen is told",
            _json_body(_agency_body(
                {"status": {"enum": list(AGENCY_STATUSES)}, "note": note}, ["status"],
                **{"if": {"properties": {"status": {"const": "rejected"}}},
                   "then": {"required": ["note"], "properties": {"note": reason}}})),
            {"200": _json("the ticket", _schema("OperatorComplaint"))},
            bad="a rejection without a note; a control character", missing=NOT_OURS,
            conflict=_error("not allowed from the current status (the message says which are)")))},
        "/api/v1/agency/tickets/{code}/reply": {"post": _agency(_ticket_post(
            "A message to the citizen on their channel",
            _json_body(_agency_body({"message": reason, "ask": ASK}, ["message"])),
            REPLIED, bad="no message; ask not a boolean; a control character", missing=NOT_OURS))},
        "/api/v1/agency/tickets/{code}/forward": {"post": _agency(_ticket_post(
            "Hand the ticket to an agency with authority",
            _json_body(_agency_body({"agency": _schema("AgencyCode"), "note": note}, ["agency"]),
                       "`agency` is another agency than the token's."),
            {"200": _json("forwarded: what the agency may still know of it", _closed({
                "code": {"type": "string"}, "status": {"const": "assigned"}, "agency": _schema("Ref")}))},
            bad="an unknown agency, or the token's own; a control character", missing=NOT_OURS,
            conflict=_json("not assigned, acknowledged or in progress; or an agency this one may not forward to "
                           "(the error lists those it may)", {"anyOf": [_schema("Error"), _schema("ForwardRefused")]})))},
        "/api/v1/agency/tickets/{code}/return": {"post": _agency(_ticket_post(
            "Not our authority (\"bukan wewenang\"): back to triage with the reason",
            _json_body(_agency_body({"reason": reason}, ["reason"])),
            {"200": _json("returned", _closed({
                "code": {"type": "string"}, "status": {"const": "triage"}, "agency": {"type": "null"}}))},
            bad="no reason; a control character", missing=NOT_OURS,
            conflict=_error("not assigned, acknowledged or in progress")))},
        "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {
            "200": _json("OpenAPI 3.1", {"type": "object", "required": ["openapi", "paths"]}),
            "405": METHOD_NOT_ALLOWED}}},
        "/metrics": {"get": {
            "summary": "Prometheus metrics (store-derived gauges at most 30 s old)",
            "description": "From this machine (the TCP peer is loopback; X-Forwarded-For is not read), or with "
                           "`Authorization: Bearer` and ADUAN_OPERATOR_TOKEN, an operator's token or one made with "
                           "`token create --label metrics`.",
            "responses": {
                "200": {"description": "Prometheus text format 0.0.4",
                        "content": {"text/plain": {"schema": {"type": "string"}}}},
                "401": UNAUTHORIZED,
                "403": _error("a valid token, but neither an operator's nor one labelled metrics"),
                "405": METHOD_NOT_ALLOWED}}},
    }


def document(public_url: str, config: Config, channels: Sequence[str]) -> dict:
    """Return the OpenAPI 3.1 document for the configuration in force (its agency, region and channel names are enums)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Aduan API", "version": "1", "description": "Citizens' complaints: submit, track, operate. "
                 "Every error is JSON `{\"error\": {\"code\", \"message\"}}`."},
        "servers": [{"url": public_url}],
        "components": {
            "securitySchemes": {
                "operator": {"type": "http", "scheme": "bearer",
                             "description": "ADUAN_OPERATOR_TOKEN, or a token from `main.py token create`"},
                "agency": {"type": "http", "scheme": "bearer",
                           "description": "a token from `main.py token create --agency CODE`: its own agency's tickets"},
            },
            "schemas": schemas(config, channels),
        },
        "paths": paths(config, channels),
    }
