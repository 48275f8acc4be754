"""The agency webhook tests' fake agency, constants and outbox helpers (importable, unlike a conftest)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import replace

import orjson
from aiohttp import web
from sqlalchemy import select

from config.loader import agency_secret_variable
from providers.outcome import Delivery
from store.models import Complaint, Outbox

AGENCY = "puskesmas-aikmel"
VARIABLE = agency_secret_variable(AGENCY)
SECRET = "agency-webhook-secret-5d1e9a77c0"
# The sample config's line this test config puts the webhook target before.
AGENCY_EMAIL_LINE = "      - email: pkm.aikmel@dinkes.lomboktimurkab.example\n"
ROUTED_TO_AGENCY = "Obat di puskesmas Aikmel kosong sudah 2 minggu"


class FakeAgency:
    """An agency's webhook endpoint: checks the signature over the raw body, drops a delivery id it has seen."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.requests: list[dict] = []  # every request, duplicates and bad signatures included
        self.tickets: dict[str, dict] = {}  # delivery id -> body, the first time it was accepted
        self.duplicates = 0
        self.status = 200
        self.answer_headers: dict[str, str] = {}
        self.answer_text = "ok"
        self.delay = 0.0

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        expected = "sha256=" + hmac.new(self.secret.encode(), body, hashlib.sha256).hexdigest()
        signed = hmac.compare_digest(expected, request.headers.get("X-Aduan-Signature", ""))
        self.requests.append({"method": request.method, "path": request.path, "headers": dict(request.headers),
                              "body": body, "signed": signed})
        if self.delay:
            await asyncio.sleep(self.delay)
        if not signed:
            return web.Response(status=401, text="bad signature")
        if self.status < 300:
            delivery_id = request.headers["X-Aduan-Delivery"]
            if delivery_id in self.tickets:
                self.duplicates += 1
            else:
                self.tickets[delivery_id] = orjson.loads(body)
        return web.Response(status=self.status, text=self.answer_text, headers=self.answer_headers)


def webhook_row(runtime, code: str):
    """Return the complaint's webhook row in the outbox."""
    with runtime.db.reader.connect() as conn:
        return conn.execute(
            select(Outbox.__table__).join(Complaint, Complaint.id == Outbox.complaint_id)
            .where(Complaint.code == code, Outbox.transport == "webhook")
        ).one()


def delivery_from(row, **changes) -> Delivery:
    """Build the Delivery the outbox worker would hand over for this row."""
    return replace(Delivery(delivery_id=row.delivery_id, transport=row.transport, target=row.target, event=row.event,
                            payload=row.payload, attempts=row.attempts, agency=row.agency), **changes)
