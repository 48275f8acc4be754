"""The OpenAPI document tells the truth: schemathesis sends generated requests to the live app, checks each answer."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from app.server import create_app
from api.auth import token_hash
from api.openapi import document
from app.build import build_runtime, channel_names
from config.loader import load_config
from store import models as m
from store.queries import add_token, encode_cursor
from tests.conftest import OPERATOR_TOKEN, SAMPLE_CONFIG, with_env

CONFIG = load_config(SAMPLE_CONFIG, env={}).config
PUBLIC_URL = "http://aduan.test"  # the `env` fixture's
AGENCY = "pupr-loteng"
AGENCY_TOKEN = "test-agency-token-0123456789"
SEED = 20261203
# Per operation and generation mode; with the coverage phase's fixed cases about 700 requests in all.
EXAMPLES_PER_OPERATION = 10
# schemathesis' default for positive_data_acceptance.
ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
# One complaint per operation that takes a code, so that each works on a real one of its own: the agency's are all
# routed to it, and "Saya mau tanya saja" goes to triage (the stats' group without an agency).
AGENCY_TICKETS = {
    "/api/v1/agency/tickets/{code}": "Jalan rusak parah di Praya",
    "/api/v1/agency/tickets/{code}/status": "Jembatan putus di Praya",
    "/api/v1/agency/tickets/{code}/reply": "Jalan berlubang di Praya",
    "/api/v1/agency/tickets/{code}/forward": "Saluran air tersumbat di Praya",
    "/api/v1/agency/tickets/{code}/return": "Jalan rusak di Pujut",
}
OPERATED = {
    "/api/v1/complaints/{code}": "Jalan berlubang di Mataram",
    "/api/v1/complaints/{code}/assign": "Jalan longsor di Praya",
    "/api/v1/complaints/{code}/status": "Saya mau tanya saja",
    "/api/v1/complaints/{code}/reply": "Lampu jalan di Mataram mati",
    "/api/v1/track/{code}": "Jalan rusak di Praya",
}

# Cursors are opaque to clients; these make the kind the API gives out, so that valid data is valid.
schemathesis.openapi.format("complaint-cursor", st.builds(
    encode_cursor,
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(timezone.utc)),
    st.integers(min_value=1, max_value=2**31)))
schemathesis.openapi.format("delivery-cursor", st.integers(min_value=1, max_value=2**62).map(str))


class LiveServer:
    """The app on a loopback port, its event loop in a thread of its own (schemathesis calls it with requests)."""

    def __init__(self, app: web.Application) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-server", daemon=True)
        self.runner = web.AppRunner(app)

    def start(self) -> str:
        """Serve on 127.0.0.1 and return the base URL."""
        self.thread.start()
        return asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=30)

    async def _start(self) -> str:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        host, port = self.runner.addresses[0][:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        """Shut the app down (its cleanup contexts included) and end the thread."""
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)
        self.loop.close()


@dataclass(frozen=True)
class Live:
    """The live app's base URL, and the path parameters of a real resource for each operation that takes some."""

    url: str
    resources: dict[str, dict[str, str]]


def _submit(url: str, text: str) -> dict:
    answer = requests.post(f"{url}/api/v1/complaints", json={"text": text}, timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.fixture
def live(env, sample_config):
    """The whole app served on loopback with an agency token, complaints to work on and a dead delivery."""
    runtime = build_runtime(with_env(env, outbox_worker=False), sample_config)
    runtime.limiter.per_minute = 100_000  # the generated submissions are not abuse
    server = LiveServer(create_app(runtime))
    url = server.start()
    try:
        assert requests.get(f"{url}/api/v1/openapi.json", timeout=10).json() == document(PUBLIC_URL, CONFIG, channel_names())
        accepted = {path: _submit(url, text) for path, text in {**AGENCY_TICKETS, **OPERATED}.items()}
        assert {accepted[path]["agency"]["code"] for path in AGENCY_TICKETS} == {AGENCY}
        resources = {path: {"code": answer["code"]} for path, answer in accepted.items()}
        with runtime.db.writer.begin() as conn:
            add_token(conn, token_hash(AGENCY_TOKEN), "agency", AGENCY, "conformance", datetime.now(timezone.utc))
            first = conn.execute(select(m.Outbox.id, m.Outbox.delivery_id).order_by(m.Outbox.id).limit(1)).one()
            conn.execute(update(m.Outbox).where(m.Outbox.id == first.id).values(state="dead"))
        resources["/api/v1/deliveries/{id}/retry"] = {"id": first.delivery_id}
        yield Live(url, resources)
    finally:
        server.stop()
        runtime.readers.shutdown(wait=True)
        runtime.db.dispose()


def _schema() -> schemathesis.BaseSchema:
    """The document as the app builds it for the sample config, with the tokens, a fixed seed and a budget.

    Built at collection: schemathesis' lazy `from_fixture` reads a pytest node attribute that pytest 9.2 removed.
    The `live` fixture checks that the app serves exactly this document.
    """
    config = schemathesis.Config.from_dict({
        "seed": SEED,
        "generation": {"max-examples": EXAMPLES_PER_OPERATION, "deterministic": True, "database": "none"},
        # The coverage phase's valid cases would try every agency and region code of the config; its invalid ones stay.
        "phases": {"coverage": {"generation": {"mode": "negative"}}},
        "auth": {"openapi": {"operator": {"bearer": OPERATOR_TOKEN}, "agency": {"bearer": AGENCY_TOKEN}}},
        "operations": [{
            # A key reused for another body is 422 however well formed the body: that is state, not shape.
            "include-path": "/api/v1/complaints", "include-method": "POST",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
        }, {
            # since after until is 400: a JSON Schema cannot say that one parameter must not pass another.
            "include-path": "/api/v1/stats", "include-method": "GET",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}},
        }, {
            # A reload is 400 when the files on disk have errors: the answer is the folder's, not the request's.
            "include-path": "/api/v1/admin/reload", "include-method": "POST",
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "400"]}},
        }],
    })
    return schemathesis.openapi.from_dict(document(PUBLIC_URL, CONFIG, channel_names()), config=config)


schema = _schema()


@schema.hook
def filter_case(_context, case) -> bool:
    """Leave out the cases whose answer the document cannot foretell, each for the reason below."""
    query = case.query or {}
    if case.meta.generation.mode.is_negative:
        # A parameter sent twice is read from its first value (aiohttp's `query.get`): a bad second one goes unseen.
        return not any(isinstance(value, (list, dict)) for value in query.values())
    if case.operation.path.endswith("/forward") and isinstance(case.body, dict) and case.body.get("agency") == AGENCY:
        return False  # forwarding to the token's own agency is 400; the document says so but cannot know the token
    # A day of year 1 or 9999 may fall off the calendar once moved to UTC (400); the document says years 2 to 9998.
    return not any(str(query.get(name, "")).startswith(("0001-", "9999-")) for name in ("since", "until"))


@schema.parametrize()
# One live app for all the cases: they are requests to it, and none needs a fresh one.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_answer_conforms_to_the_document(case, live):
    """Every generated request gets an answer the document declares: status, content type, headers and body."""
    if case.path_parameters and case.meta.generation.mode.is_positive:
        # A generated code never names a complaint: valid requests work on a real one, invalid ones get 404.
        case.path_parameters.update(live.resources[case.operation.path])
    case.call_and_validate(base_url=live.url, timeout=10)
