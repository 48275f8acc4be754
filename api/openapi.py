"""The OpenAPI document served at /api/v1/openapi.json."""

from __future__ import annotations


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def _ok(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}, "description": "tracking code, e.g. NTB-7K3QX9P2"}
OPERATOR = [{"bearer": []}]
REF = {"type": ["object", "null"], "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}


def document(public_url: str) -> dict:
    """Return the OpenAPI 3.1 document."""
    query = lambda name, desc, schema=None: {"name": name, "in": "query", "required": False, "description": desc, "schema": schema or {"type": "string"}}  # noqa: E731
    return {
        "openapi": "3.1.0",
        "info": {"title": "Aduan API", "version": "1", "description": "Citizens' complaints: submit, track, operate."},
        "servers": [{"url": public_url}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "object", "required": ["code", "message"],
                                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
                },
                "Ref": REF,
                "ComplaintIn": {
                    "type": "object",
                    "required": ["text"],
                    "additionalProperties": False,
                    "properties": {
                        "text": {"type": "string", "minLength": 1, "maxLength": 10000},
                        "kind": {"enum": ["complaint", "aspiration", "inquiry"]},
                        "region": {"type": "string"},
                        "category": {"type": "string"},
                        "reporter": {"type": "object", "additionalProperties": False,
                                     "properties": {"name": {"type": "string"}, "phone": {"type": "string"}, "email": {"type": "string"}}},
                        "anonymous": {"type": "boolean"},
                        "confidential": {"type": "boolean"},
                        "location": {"type": "object", "required": ["lat", "lon"], "additionalProperties": False,
                                     "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90},
                                                    "lon": {"type": "number", "minimum": -180, "maximum": 180}}},
                        "language": {"enum": ["id", "en"]},
                    },
                },
                "Accepted": {
                    "type": "object",
                    "required": ["code", "status", "agency", "track_url"],
                    "properties": {"code": {"type": "string"}, "status": {"type": "string"},
                                   "agency": {"$ref": "#/components/schemas/Ref"}, "track_url": {"type": "string"}},
                },
                "Complaint": {
                    "type": "object",
                    "required": ["code", "kind", "status", "channel", "region", "category", "priority", "agency", "created_at"],
                    "properties": {
                        "code": {"type": "string"}, "kind": {"type": "string"}, "status": {"type": "string"},
                        "channel": {"type": "string"}, "text": {"type": "string"},
                        "region": {"$ref": "#/components/schemas/Ref"}, "category": {"type": ["string", "null"]},
                        "priority": {"type": "string"}, "agency": {"$ref": "#/components/schemas/Ref"},
                        "rule": {"type": ["string", "null"]}, "created_at": {"type": "string", "format": "date-time"},
                        "reporter": {"type": ["object", "null"]}, "anonymous": {"type": "boolean"},
                        "confidential": {"type": "boolean"}, "events": {"type": "array"}, "deliveries": {"type": "array"},
                        "timeline": {"type": "array"},
                    },
                },
                "StatsFigures": {
                    "type": "object",
                    "required": ["received", "resolved", "rejected", "in_process", "overdue", "within_sla",
                                 "median_hours_to_acknowledge", "median_hours_to_resolve"],
                    "properties": {
                        "received": {"type": "integer", "description": "received in the period = resolved + rejected + in_process"},
                        "resolved": {"type": "integer", "description": "now resolved or closed"},
                        "rejected": {"type": "integer"},
                        "in_process": {"type": "integer", "description": "new, triage, assigned, acknowledged or in_progress"},
                        "overdue": {"type": "integer", "description": "in process and at or past a due time, or marked overdue"},
                        "within_sla": {"type": ["number", "null"], "minimum": 0, "maximum": 1,
                                       "description": "share met among those whose SLA outcome is known"},
                        "median_hours_to_acknowledge": {"type": ["number", "null"], "description": "from receipt"},
                        "median_hours_to_resolve": {"type": ["number", "null"], "description": "from receipt"},
                    },
                },
                "Stats": {
                    "type": "object",
                    "required": ["since", "until", "by", "timezone", "generated_at", "min_count", "reach", "total", "groups", "ranking"],
                    "properties": {
                        "since": {"type": "string", "format": "date"}, "until": {"type": "string", "format": "date"},
                        "by": {"enum": ["region", "agency", "category", "channel", "kind"]},
                        "timezone": {"type": "string"}, "generated_at": {"type": "string", "format": "date-time"},
                        "min_count": {"type": "integer"},
                        "reach": {"type": "object", "properties": {"regions": {"type": "integer"}, "agencies": {"type": "integer"}},
                                  "description": "regencies/cities the complaints came from, agencies they went to"},
                        "total": {"$ref": "#/components/schemas/StatsFigures"},
                        "groups": {"type": "array", "items": {"allOf": [
                            {"$ref": "#/components/schemas/StatsFigures"},
                            {"type": "object", "required": ["key"], "properties": {"key": {"$ref": "#/components/schemas/Ref"}}}]}},
                        "ranking": {"type": "array", "description": "groups with at least min_count resolved, fastest median first",
                                    "items": {"allOf": [
                                        {"$ref": "#/components/schemas/StatsFigures"},
                                        {"type": "object", "required": ["rank", "key"],
                                         "properties": {"rank": {"type": "integer"}, "key": {"$ref": "#/components/schemas/Ref"}}}]}},
                    },
                },
                "ComplaintPage": {
                    "type": "object",
                    "required": ["items", "next"],
                    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Complaint"}},
                                   "next": {"type": ["string", "null"]}},
                },
            },
        },
        "paths": {
            "/healthz": {"get": {"summary": "Health", "responses": {"200": {"description": "ok"}, "503": {"description": "database unreachable"}}}},
            "/api/v1/complaints": {
                "post": {
                    "summary": "Submit a complaint",
                    "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 200},
                                    "description": "a retried request with the same key returns the first result"}],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ComplaintIn"}}}},
                    "responses": {"201": _ok("stored", "Accepted"), "400": _error("bad input"), "413": _error("body too large"),
                                  "429": _error("rate limited"), "503": _error("not stored: try again")},
                },
                "get": {
                    "summary": "List complaints (operator)",
                    "security": OPERATOR,
                    "parameters": [query(n, d) for n, d in (
                        ("status", "status"), ("agency", "agency code"), ("region", "region code (and below)"),
                        ("channel", "channel"), ("category", "category"), ("since", "date or time, inclusive"),
                        ("until", "date (inclusive day) or time"), ("q", "text search"), ("cursor", "from `next`"))]
                    + [query("limit", "1–500, default 50", {"type": "integer", "minimum": 1, "maximum": 500})],
                    "responses": {"200": _ok("a page", "ComplaintPage"), "400": _error("bad filter"),
                                  "401": _error("no or bad token"), "403": _error("not an operator token")},
                },
            },
            "/api/v1/complaints/{code}": {
                "get": {"summary": "One complaint with timeline and deliveries (operator)", "security": OPERATOR, "parameters": [CODE],
                        "responses": {"200": _ok("the complaint", "Complaint"), "401": _error("no or bad token"),
                                      "403": _error("not an operator token"), "404": _error("unknown code")}},
            },
            "/api/v1/complaints/{code}/assign": {
                "post": {"summary": "Assign or reassign to an agency (operator)", "security": OPERATOR, "parameters": [CODE],
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "object", "required": ["agency"],
                             "properties": {"agency": {"type": "string"}, "note": {"type": "string"}}}}}},
                         "responses": {"200": _ok("the complaint", "Complaint"), "400": _error("unknown agency"),
                                       "404": _error("unknown code"), "409": _error("closed or rejected")}},
            },
            "/api/v1/complaints/{code}/status": {
                "post": {"summary": "Set the status (operator): acknowledged, in_progress, resolved, closed, rejected (with a note)",
                         "security": OPERATOR, "parameters": [CODE],
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "object", "required": ["status"],
                             "properties": {"status": {"type": "string"}, "note": {"type": "string"}}}}}},
                         "responses": {"200": _ok("the complaint", "Complaint"), "400": _error("bad input"),
                                       "404": _error("unknown code"), "409": _error("not allowed from the current status")}},
            },
            "/api/v1/stats": {
                "get": {"summary": "Statistics of the complaints received in a period (operator); `main.py stats --format json` prints the same",
                        "security": OPERATOR,
                        "parameters": [query("since", "first day, YYYY-MM-DD in the root region's zone (default: the first of until's month)"),
                                       query("until", "last day, included (default: today)"),
                                       query("by", "group by (default agency)", {"enum": ["region", "agency", "category", "channel", "kind"]}),
                                       query("min_count", "rank groups with at least this many resolved, default 5",
                                             {"type": "integer", "minimum": 1, "maximum": 1000000})],
                        "responses": {"200": _ok("the stats", "Stats"), "400": _error("bad period, by or min_count"),
                                      "401": _error("no or bad token"), "403": _error("not an operator token")}},
            },
            "/api/v1/deliveries": {
                "get": {"summary": "Deliveries by state, newest first (operator)", "security": OPERATOR,
                        "parameters": [query("state", "pending | sending | delivered | failed | dead"), query("cursor", "from `next`"),
                                       query("limit", "1–500, default 50", {"type": "integer", "minimum": 1, "maximum": 500})],
                        "responses": {"200": {"description": "a page"}, "400": _error("bad filter"), "401": _error("no or bad token")}},
            },
            "/api/v1/deliveries/{id}/retry": {
                "post": {"summary": "Send a failed or dead delivery again, under the same delivery id (operator)", "security": OPERATOR,
                         "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                         "responses": {"200": {"description": "back in line"}, "404": _error("unknown id"),
                                       "409": _error("not failed or dead")}},
            },
            "/api/v1/track/{code}": {
                "get": {"summary": "Public status and timeline", "parameters": [CODE],
                        "responses": {"200": _ok("public view", "Complaint"), "404": _error("unknown code")}},
            },
            "/api/v1/admin/reload": {
                "post": {"summary": "Reload the configuration (operator)", "security": OPERATOR,
                         "responses": {"200": {"description": "reloaded"}, "400": _error("invalid config; the old stays"),
                                       "401": _error("no or bad token")}},
            },
            "/api/v1/agency/tickets": {
                "get": {"summary": "The agency's own tickets", "security": OPERATOR,
                        "parameters": [query("status", "status"), query("cursor", "from `next`"),
                                       query("limit", "1–500, default 50", {"type": "integer", "minimum": 1, "maximum": 500})],
                        "responses": {"200": _ok("a page", "ComplaintPage"), "401": _error("no or bad token"),
                                      "403": _error("not an agency token")}},
            },
            "/api/v1/agency/tickets/{code}": {
                "get": {"summary": "One of the agency's tickets, or one escalated to it (reporter withheld when anonymous)", "security": OPERATOR,
                        "parameters": [CODE], "responses": {"200": _ok("the ticket", "Complaint"), "404": _error("not this agency's")}},
            },
            "/api/v1/agency/tickets/{code}/status": {
                "post": {"summary": "acknowledged | in_progress | resolved | rejected (with a note as the reason)", "security": OPERATOR,
                         "parameters": [CODE],
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "object", "required": ["status"],
                             "properties": {"status": {"enum": ["acknowledged", "in_progress", "resolved", "rejected"]},
                                            "note": {"type": "string"}}}}}},
                         "responses": {"200": _ok("the ticket", "Complaint"), "400": _error("bad input"),
                                       "404": _error("not this agency's"), "409": _error("not allowed from the current status")}},
            },
            "/api/v1/agency/tickets/{code}/reply": {
                "post": {"summary": "A message to the citizen on their channel", "security": OPERATOR, "parameters": [CODE],
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}}}},
                         "responses": {"202": {"description": "queued"}, "200": {"description": "the citizen left no address"},
                                       "404": _error("not this agency's")}},
            },
            "/api/v1/agency/tickets/{code}/forward": {
                "post": {"summary": "Hand the ticket to an agency with authority", "security": OPERATOR, "parameters": [CODE],
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "object", "required": ["agency"],
                             "properties": {"agency": {"type": "string"}, "note": {"type": "string"}}}}}},
                         "responses": {"200": {"description": "forwarded"}, "400": _error("unknown agency"),
                                       "404": _error("not this agency's"), "409": _error("not open")}},
            },
            "/api/v1/agency/tickets/{code}/return": {
                "post": {"summary": "Not our authority: back to triage with the reason", "security": OPERATOR, "parameters": [CODE],
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}}}},
                         "responses": {"200": {"description": "returned"}, "400": _error("no reason"),
                                       "404": _error("not this agency's"), "409": _error("not open")}},
            },
            "/api/v1/openapi.json": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text format"}}}},
        },
    }
