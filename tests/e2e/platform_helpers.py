"""Helpers of the platform-rules scenarios (SPEC 16): a citizen's messages and the status callbacks as Meta sends them,
a fake Twilio on loopback, and the deliveries of a complaint as the store and the operators' API hold them.

Shapes: https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/status/,
https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages and
https://www.twilio.com/docs/messaging/api/message-resource (create: 201 with the Message resource).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from sqlalchemy import select

from store import models as m
from tests.channels.meta.fake_graph import VERSION, FakeGraph
from tests.channels.meta.meta_helpers import MetaChannel

WA_ID = "6281234567890"  # the citizen's wa_id: her number without the "+"
PSID = "7400000000000001"  # her page-scoped id on Messenger
IGSID = "1234000000000001"  # her Instagram-scoped id
PAGE_ID = "104500000000001"
IG_ACCOUNT = "17841400000000001"
ROAD = "Jalan rusak parah dan berlubang di Selong, motor warga sering jatuh"
# Where the sample rules send ROAD: the regency's public works office.
ROAD_AGENCY = "pupr-lotim"
ROAD_AGENCY_NAME = "Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Lombok Timur"
TWILIO_SID = "AC00000000000000000000000000000000"
TWILIO_TOKEN = "twilio-auth-token-7f3a9c"
TWILIO_FROM = "+6281100001708"


def whatsapp_message(wamid: str, text: str, at: datetime, wa_id: str = WA_ID) -> bytes:
    """A Cloud API notification of one text message the citizen wrote at `at` (its `timestamp`, in seconds)."""
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
             "contacts": [{"profile": {"name": "Baiq Nurul Aini"}, "wa_id": wa_id}],
             "messages": [{"from": wa_id, "id": wamid, "timestamp": str(int(at.timestamp())), "type": "text",
                           "text": {"body": text}}]}
    return _whatsapp(value)


def whatsapp_statuses(*statuses: dict) -> bytes:
    """A Cloud API notification carrying status callbacks (`value.statuses[]`) of messages we sent."""
    return _whatsapp({"messaging_product": "whatsapp",
                      "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
                      "statuses": list(statuses)})


def status(wamid: str, state: str, at: datetime, *, code: int | None = None, title: str | None = None) -> dict:
    """One status callback as Meta writes it; a `failed` one carries `errors[0]` with Meta's code and title."""
    item: dict = {"id": wamid, "status": state, "timestamp": str(int(at.timestamp())), "recipient_id": WA_ID}
    if code is not None:
        item["errors"] = [{"code": code, "title": title, "message": title,
                           "error_data": {"details": "Message failed to send because more than 24 hours have passed "
                                                     "since the customer last replied to this number."}}]
    return item


def _whatsapp(value: dict) -> bytes:
    change = {"field": "messages", "value": value}
    return json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": "102290129340398", "changes": [change]}]}).encode()


def messaging_message(channel: MetaChannel, mid: str, text: str, at: datetime) -> bytes:
    """A Messenger (`page`) or Instagram (`instagram`) webhook of one text message written at `at` (milliseconds)."""
    account, sender = (PAGE_ID, PSID) if channel.object == "page" else (IG_ACCOUNT, IGSID)
    millis = int(at.timestamp() * 1000)
    return json.dumps({"object": channel.object, "entry": [{"id": account, "time": millis, "messaging": [
        {"sender": {"id": sender}, "recipient": {"id": account}, "timestamp": millis,
         "message": {"mid": mid, "text": text}}]}]}).encode()


class Graph(FakeGraph):
    """The fake Graph API, able to run something before it answers a send: Meta's status webhook reaching the service
    while the send's answer is still on its way back (`before_answer`)."""

    def __init__(self, ok: dict) -> None:
        super().__init__(ok)
        self.before_answer: Callable[[], Awaitable[None]] | None = None

    async def handle(self, request: web.Request) -> web.Response:
        """Run `before_answer` once (when set), then record and answer as the fake Graph API does."""
        hook, self.before_answer = self.before_answer, None
        if hook is not None:
            await hook()
        return await super().handle(request)


async def start_graph(aiohttp_server, ok: dict) -> Graph:
    """Start the fake Graph API on 127.0.0.1; its `url` is the root the deliverers take (version path included)."""
    fake = Graph(ok)
    app = web.Application()
    app.router.add_post(VERSION + "/{path:.*}", fake.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    fake.url = str(server.make_url(VERSION))
    return fake


class FakeTwilio:
    """Twilio's Messages resource on loopback: records each SMS sent and answers 201 with the queued Message."""

    def __init__(self) -> None:
        self.sent: list[dict] = []  # each request's form fields, with its path
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        """Record the form (To, From, Body) and answer as Twilio does when it queues the message."""
        form = dict(await request.post())
        self.sent.append({"path": request.path, **form})
        sid = f"SM{len(self.sent):032d}"
        return web.json_response({"sid": sid, "account_sid": request.match_info["sid"], "to": form.get("To"),
                                  "from": form.get("From"), "body": form.get("Body"), "status": "queued",
                                  "direction": "outbound-api", "api_version": "2010-04-01", "error_code": None,
                                  "error_message": None}, status=201)


async def start_twilio(aiohttp_server) -> FakeTwilio:
    """Start the fake Twilio on 127.0.0.1; its `url` is the API root the SMS deliverer takes."""
    fake = FakeTwilio()
    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", fake.handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


def twilio_settings(fake: FakeTwilio) -> dict[str, str]:
    """The `with_env` changes that configure Twilio (ADUAN_TWILIO_*) against the fake."""
    return {"twilio_account_sid": TWILIO_SID, "twilio_auth_token": TWILIO_TOKEN, "twilio_from": TWILIO_FROM,
            "twilio_api_url": fake.url}


def citizen_rows(runtime, code: str) -> list[dict]:
    """The notices to the citizen of one complaint, in the order they were queued."""
    o = m.Outbox.__table__
    with runtime.db.reader.connect() as conn:
        found = conn.execute(select(o).join(m.Complaint.__table__, m.Complaint.id == o.c.complaint_id)
                             .where(m.Complaint.code == code, o.c.audience == "citizen").order_by(o.c.id))
        return [dict(r) for r in found.mappings()]


def delivery_statuses(runtime) -> list[dict]:
    """Every status callback kept, in the order received."""
    t = m.DeliveryStatus.__table__
    with runtime.db.reader.connect() as conn:
        return [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()]


async def operator_deliveries(client, headers: dict[str, str], code: str) -> list[dict]:
    """The complaint's deliveries as an operator reads them from the API (GET /api/v1/complaints/{code})."""
    resp = await client.get(f"/api/v1/complaints/{code}", headers=headers)
    assert resp.status == 200, await resp.text()
    return [d for d in (await resp.json())["deliveries"] if d["audience"] == "citizen"]
