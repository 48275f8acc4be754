"""Reaching the citizen within each platform's rules (SPEC 16, issue 14 parts 1-3), end to end: the citizen writes
through the real webhook (signed as Meta signs), an operator or an agency acts through the API, and the real outbox
worker sends at a fixed time to fake Graph, Twilio and Bot API servers on loopback.

Windows are counted from the provider's `timestamp` of the citizen's last message; every outbox round runs at a time
it is given (`run_once(now=...)`), so which side of a window a notice falls on never depends on the machine's clock.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from api.auth import token_hash
from app.build import build_runtime
from app.server import create_app
from store import models as m
from store.queries import add_token
from tests.channels.facebook.facebook_channel import FACEBOOK, PAGE_TOKEN
from tests.channels.instagram.instagram_channel import INSTAGRAM
from tests.channels.instagram.instagram_channel import TOKEN as INSTAGRAM_TOKEN
from tests.channels.meta.meta_helpers import MetaChannel
from tests.channels.telegram.telegram_fakes import SECRET, TOKEN, FakeBotApi, fixture_bytes
from tests.channels.whatsapp.whatsapp_channel import ACCESS_TOKEN, PHONE_ID, WHATSAPP
from tests.conftest import OPERATOR_TOKEN, with_env
from tests.dashboard.people import signed_in_client
from tests.e2e.platform_helpers import (IGSID, PSID, ROAD, ROAD_AGENCY, ROAD_AGENCY_NAME, TWILIO_FROM, TWILIO_SID,
                                        WA_ID, FakeTwilio, Graph, citizen_rows, delivery_statuses, messaging_message,
                                        operator_deliveries, start_graph, start_twilio, status,
                                        twilio_settings, whatsapp_message, whatsapp_statuses)
from tests.workbench.helpers import text_of

OPERATOR = {"Authorization": f"Bearer {OPERATOR_TOKEN}"}
AGENCY = {"Authorization": f"Bearer token-{ROAD_AGENCY}"}
WAMID_SENT = "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQxQTdCRjQ5RTVGQjNBMzU0AA=="
TELEGRAM_HEADERS = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET}
BLOCKED = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
REPLY = "Petugas kami sudah menjadwalkan perbaikan jalan di Selong minggu depan."


def written_at() -> datetime:
    """When the citizen wrote, by the platform's clock: a minute ago, in whole seconds (WhatsApp counts seconds)."""
    return datetime.fromtimestamp(int(time.time()) - 60, timezone.utc)


@dataclass
class Service:
    """The whole app on a fresh database, its outbox worker driven by the test, and the fakes it talks to."""

    runtime: object
    client: object
    graph: Graph | None
    twilio: FakeTwilio | None
    channel: MetaChannel | None

    async def post(self, body: bytes):
        """POST a body to the channel's webhook, signed with its app secret as Meta signs it; must answer 200."""
        resp = await self.channel.post(self.client, body)
        assert resp.status == 200, await resp.text()
        return resp

    async def send(self, at: datetime) -> int:
        """Run one outbox round as if at `at`; return how many deliveries it sent."""
        return await self.runtime.outbox.run_once(now=at)

    def code(self) -> str:
        """The tracking code of the one complaint the citizen opened."""
        with self.runtime.db.reader.connect() as conn:
            [code] = conn.execute(select(m.Complaint.code)).scalars().all()
        return code

    async def set_status(self, code: str, to: str) -> None:
        """An operator sets the complaint's status through the operator API."""
        resp = await self.client.post(f"/api/v1/complaints/{code}/status", json={"status": to}, headers=OPERATOR)
        assert resp.status == 200, await resp.text()

    async def operator_reply(self, code: str, message: str = REPLY) -> None:
        """An operator answers the citizen through the operator API."""
        resp = await self.client.post(f"/api/v1/complaints/{code}/reply", json={"message": message}, headers=OPERATOR)
        assert resp.status in (200, 202), await resp.text()

    async def agency_reply(self, code: str, message: str = REPLY) -> None:
        """The agency answers the citizen through the agency API with its own token."""
        resp = await self.client.post(f"/api/v1/agency/tickets/{code}/reply", json={"message": message},
                                      headers=AGENCY)
        assert resp.status == 202, await resp.text()

    def rows(self, code: str) -> list[dict]:
        """The citizen's notices of the complaint, oldest first."""
        return citizen_rows(self.runtime, code)


@pytest.fixture
async def service(aiohttp_client, aiohttp_server, env, sample_config):
    """Build a Service: a Meta channel (its Graph API faked) or Telegram, Twilio on or off, templates as given."""
    built = []

    async def build(channel: MetaChannel | None, *, sms: bool = True, templates: dict | None = None,
                    bot: FakeBotApi | None = None) -> Service:
        changes: dict = {"outbox_worker": False}
        graph = None
        if channel is not None:
            graph = await start_graph(aiohttp_server, channel.graph_ok)
            changes.update(channel.settings, **{channel.api_url_setting: graph.url})
        if bot is not None:
            changes.update(telegram_token=TOKEN, telegram_secret=SECRET, telegram_api_url=bot.url)
        twilio = await start_twilio(aiohttp_server) if sms else None
        if twilio is not None:
            changes.update(twilio_settings(twilio))
        config = sample_config if templates is None else replace(
            sample_config, settings=sample_config.settings.model_copy(update={"whatsapp_templates": templates}))
        runtime = build_runtime(with_env(env, **changes), config)
        built.append(runtime)
        with runtime.db.writer.begin() as conn:
            add_token(conn, token_hash(f"token-{ROAD_AGENCY}"), "agency", ROAD_AGENCY, None, datetime.now(timezone.utc))
        client = await aiohttp_client(create_app(runtime))
        return Service(runtime, client, graph, twilio, channel)

    yield build
    for runtime in built:
        runtime.readers.shutdown(wait=True)
        runtime.db.dispose()


async def whatsapp_complaint(svc: Service, t: datetime) -> str:
    """The citizen writes on WhatsApp at `t`; her acknowledgement goes out at once (as text); return the code."""
    await svc.post(whatsapp_message("wamid.CITIZEN0001", ROAD, t))
    code = svc.code()
    assert await svc.send(t + timedelta(minutes=5)) == 1
    [ack] = svc.graph.requests
    assert ack["json"]["type"] == "text" and code in ack["json"]["text"]["body"]
    svc.graph.requests.clear()
    return code


def template_request(code: str) -> dict:
    """The Cloud API request of the resolution notice as the sample's `status` template, its four parameters filled:
    the code, the status in the template's language, the agency's name, the tracking link."""
    return {"method": "POST", "path": f"/v26.0/{PHONE_ID}/messages", "query": {},
            "authorization": f"Bearer {ACCESS_TOKEN}",
            "json": {"messaging_product": "whatsapp", "to": WA_ID, "type": "template",
                     "template": {"name": "aduan_status", "language": {"code": "id"}, "components": [
                         {"type": "body", "parameters": [
                             {"type": "text", "text": code}, {"type": "text", "text": "Selesai ditindaklanjuti"},
                             {"type": "text", "text": ROAD_AGENCY_NAME},
                             {"type": "text", "text": f"http://aduan.test/track/{code}"}]}]}}}


# --- 1. WhatsApp: the template outside 24 hours, text inside ---------------------------------------------------


async def test_resolution_three_days_after_the_citizens_message_goes_as_the_template(service):
    """Resolved at T+3 days: the Cloud API gets the configured template with code, status, agency and link, in order."""
    svc = await service(WHATSAPP)
    t = written_at()
    code = await whatsapp_complaint(svc, t)
    await svc.set_status(code, "resolved")
    assert await svc.send(t + timedelta(days=3)) == 1
    assert svc.graph.requests == [template_request(code)]
    notice = svc.rows(code)[-1]
    assert (notice["event"], notice["state"], notice["provider_message_id"]) == \
        ("citizen.status.resolved", "delivered", "wamid.SENT0001")
    assert svc.twilio.sent == []


async def test_resolution_within_24_hours_goes_as_text(service):
    """Resolved at T+23 h: the same notice goes as a free-text message, its words those the citizen would read."""
    svc = await service(WHATSAPP)
    t = written_at()
    code = await whatsapp_complaint(svc, t)
    await svc.set_status(code, "resolved")
    assert await svc.send(t + timedelta(hours=23)) == 1
    [sent] = svc.graph.requests
    notice = svc.rows(code)[-1]
    assert sent["json"] == {"messaging_product": "whatsapp", "to": WA_ID, "type": "text",
                            "text": {"body": notice["payload"]["text"]}}
    assert code in notice["payload"]["text"] and "Selesai ditindaklanjuti" in notice["payload"]["text"]
    assert notice["state"] == "delivered"


async def test_window_counts_from_the_citizens_timestamp_not_from_receipt(service):
    """A message Meta delivers 2 days after the citizen wrote it: a notice at once is already outside the window."""
    svc = await service(WHATSAPP)
    t = written_at() - timedelta(days=2)
    await svc.post(whatsapp_message("wamid.LATE0001", ROAD, t))
    code = svc.code()
    assert await svc.send(datetime.now(timezone.utc) + timedelta(minutes=1)) == 1
    [ack] = svc.graph.requests
    assert ack["json"]["type"] == "template" and ack["json"]["template"]["name"] == "aduan_status"
    assert ack["json"]["template"]["components"][0]["parameters"][0] == {"type": "text", "text": code}


async def test_a_later_message_from_the_citizen_opens_the_window_again(service):
    """The citizen writes again 2 days 2 hours later: a notice on day 3 is 22 h after her last message: text."""
    svc = await service(WHATSAPP)
    t = written_at() - timedelta(days=2, hours=2)
    await svc.post(whatsapp_message("wamid.FIRST0001", ROAD, t))
    code = svc.code()
    await svc.post(whatsapp_message("wamid.AGAIN0001", f"STATUS {code}", t + timedelta(days=2, hours=2)))
    assert await svc.send(datetime.now(timezone.utc) + timedelta(minutes=1)) == 2  # both answered, as text
    assert [r["json"]["type"] for r in svc.graph.requests] == ["text", "text"]
    svc.graph.requests.clear()
    await svc.set_status(code, "resolved")
    assert await svc.send(t + timedelta(days=3)) == 1
    [sent] = svc.graph.requests
    assert sent["json"]["type"] == "text" and code in sent["json"]["text"]["body"]


async def test_a_timestamp_ahead_of_receipt_does_not_stretch_the_window(service):
    """A citizen's phone clock 2 days ahead: the window runs from when the message reached us, not from its stamp."""
    svc = await service(WHATSAPP)
    received = datetime.now(timezone.utc)
    await svc.post(whatsapp_message("wamid.AHEAD0001", ROAD, received + timedelta(days=2)))
    code = svc.code()
    await svc.set_status(code, "resolved")
    assert await svc.send(received + timedelta(hours=25)) == 2  # the acknowledgement and the resolution
    assert [r["json"]["type"] for r in svc.graph.requests] == ["template", "template"]


async def test_a_template_whatsapp_refuses_goes_by_sms_with_the_refusal_recorded(service):
    """The Cloud API refuses the template (132001, not registered in that language): undeliverable, SMS instead."""
    svc = await service(WHATSAPP)
    t = written_at()
    code = await whatsapp_complaint(svc, t)
    svc.graph.fail(404, 132001, "(#132001) Template name does not exist in the translation", type="OAuthException")
    await svc.set_status(code, "resolved")
    assert await svc.send(t + timedelta(days=3)) == 1
    assert [r["json"]["type"] for r in svc.graph.requests] == ["template"]
    notice, sms = svc.rows(code)[-2:]
    assert notice["state"] == "undeliverable"
    assert notice["last_error"] == ("HTTP 404: OAuthException 132001: (#132001) Template name does not exist in the "
                                    "translation; sent by SMS instead")
    assert (sms["transport"], sms["target"], sms["fallback_of"]) == ("sms", f"+{WA_ID}", notice["id"])
    assert await svc.send(t + timedelta(days=3, minutes=1)) == 1
    assert [s["To"] for s in svc.twilio.sent] == [f"+{WA_ID}"]


# --- 2. WhatsApp without a template: by SMS, or the reason ---------------------------------------------------


async def test_without_a_template_the_notice_goes_by_sms_to_the_citizens_number(service):
    """No template: nothing goes to WhatsApp; the row is undeliverable naming the window; Twilio sends the SMS."""
    svc = await service(WHATSAPP, templates={})
    t = written_at()
    code = await whatsapp_complaint(svc, t)
    await svc.set_status(code, "resolved")
    assert await svc.send(t + timedelta(days=3)) == 1
    assert svc.graph.requests == []
    notice, sms = svc.rows(code)[-2:]
    assert notice["transport"] == "whatsapp" and notice["state"] == "undeliverable"
    assert notice["last_error"] == ("outside WhatsApp's 24-hour window (the citizen's last message was 3 days ago) "
                                    "and no template for this notice; sent by SMS instead")
    assert (sms["transport"], sms["target"], sms["fallback_of"], sms["state"]) == \
        ("sms", f"+{WA_ID}", notice["id"], "pending")
    assert await svc.send(t + timedelta(days=3, minutes=1)) == 1
    assert svc.twilio.sent == [{"path": f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json", "To": f"+{WA_ID}",
                                "From": TWILIO_FROM, "Body": notice["payload"]["sms_text"]}]
    seen = {d["transport"]: d for d in await operator_deliveries(svc.client, OPERATOR, code)
            if d["event"] == "citizen.status.resolved"}
    assert seen["whatsapp"]["state"] == "undeliverable" and "24-hour window" in seen["whatsapp"]["last_error"]
    assert seen["sms"]["state"] == "delivered" and seen["sms"]["fallback_of"] == notice["delivery_id"]


async def resolution_by_sms(service) -> tuple[Service, str]:
    """A resolution notice 3 days after her WhatsApp message, no template: it reached her by SMS."""
    svc = await service(WHATSAPP, templates={})
    t = written_at()
    code = await whatsapp_complaint(svc, t)
    await svc.set_status(code, "resolved")
    assert await svc.send(t + timedelta(days=3)) == 1
    assert await svc.send(t + timedelta(days=3, minutes=1)) == 1
    assert len(svc.twilio.sent) == 1
    return svc, code


async def test_the_sms_standing_in_leaves_out_the_answers_only_whatsapp_takes(service):
    """The resolution on WhatsApp asks her to object with KEBERATAN or to rate 1-5 by replying there; an answer by
    SMS would not reach her complaint, so the SMS standing in says the status and the link, and neither of those."""
    svc, code = await resolution_by_sms(service)
    [notice] = [r for r in svc.rows(code) if r["event"] == "citizen.status.resolved" and r["transport"] == "whatsapp"]
    assert f"KEBERATAN {code}" in notice["payload"]["text"] and "1 sampai 5" in notice["payload"]["text"]
    body = svc.twilio.sent[0]["Body"]
    assert code in body and "Selesai ditindaklanjuti" in body and f"/track/{code}" in body
    assert "KEBERATAN" not in body and "1 sampai 5" not in body


async def test_without_a_template_or_an_sms_gateway_the_row_says_why(service):
    """No template and no SMS gateway: undeliverable, and the reason names the window and the missing gateway."""
    svc = await service(WHATSAPP, templates={}, sms=False)
    t = written_at()
    code = await whatsapp_complaint(svc, t)
    await svc.set_status(code, "resolved")
    assert await svc.send(t + timedelta(days=3)) == 1
    assert svc.graph.requests == []
    notice = svc.rows(code)[-1]
    assert notice["state"] == "undeliverable" and notice["fallback_of"] is None
    assert notice["last_error"] == ("outside WhatsApp's 24-hour window (the citizen's last message was 3 days ago) "
                                    "and no template for this notice; no SMS gateway is configured to fall back to")
    assert [r["transport"] for r in svc.rows(code)] == ["whatsapp", "whatsapp"]


# --- 3. WhatsApp status callbacks ------------------------------------------------------------------------------


async def sent_as_text(svc: Service, t: datetime) -> tuple[str, dict]:
    """A resolution notice sent inside the window, the Cloud API answering with WAMID_SENT; return code and row."""
    code = await whatsapp_complaint(svc, t)
    svc.graph.answer(200, {"messaging_product": "whatsapp", "contacts": [{"input": WA_ID, "wa_id": WA_ID}],
                           "messages": [{"id": WAMID_SENT}]})
    await svc.set_status(code, "resolved")
    assert await svc.send(t + timedelta(hours=2)) == 1
    notice = svc.rows(code)[-1]
    assert (notice["state"], notice["provider_message_id"]) == ("delivered", WAMID_SENT)
    return code, notice


async def test_failed_callback_131047_makes_the_notice_undeliverable_and_sends_the_sms(service):
    """A signed `failed` status with 131047 for the wamid we got: undeliverable, kept, and the SMS goes instead."""
    svc = await service(WHATSAPP)
    t = written_at()
    code, notice = await sent_as_text(svc, t)
    failed = whatsapp_statuses(status(WAMID_SENT, "failed", t + timedelta(hours=2, minutes=1), code=131047,
                                      title="Re-engagement message"))
    await svc.post(failed)
    notice, sms = svc.rows(code)[-2:]
    assert (notice["state"], notice["provider_status"]) == ("undeliverable", "failed")
    assert notice["last_error"] == "reported failed by whatsapp: 131047 Re-engagement message; sent by SMS instead"
    [kept] = delivery_statuses(svc.runtime)
    assert (kept["outbox_id"], kept["status"], kept["code"], kept["title"]) == \
        (notice["id"], "failed", 131047, "Re-engagement message")
    assert (sms["transport"], sms["target"], sms["fallback_of"]) == ("sms", f"+{WA_ID}", notice["id"])
    assert await svc.send(t + timedelta(hours=2, minutes=2)) == 1
    assert [s["To"] for s in svc.twilio.sent] == [f"+{WA_ID}"]
    assert svc.twilio.sent[0]["Body"] == notice["payload"]["sms_text"]

    await svc.post(failed)  # Meta posts a callback again when it did not see our 200 in time
    assert len(delivery_statuses(svc.runtime)) == 1
    assert [r["transport"] for r in svc.rows(code)].count("sms") == 1
    assert await svc.send(t + timedelta(hours=2, minutes=3)) == 0
    assert len(svc.twilio.sent) == 1


async def failed_after_sending(svc: Service, t: datetime) -> tuple[str, dict]:
    """A resolution notice sent as text, then reported `failed` with 131047; return the code and the notice's row."""
    code, notice = await sent_as_text(svc, t)
    await svc.post(whatsapp_statuses(status(WAMID_SENT, "failed", t + timedelta(hours=2, minutes=1), code=131047,
                                            title="Re-engagement message")))
    return code, notice


async def test_operators_see_the_failure_and_the_fallback(service):
    """After a `failed` callback the operator API and the complaint page show the notice undeliverable, WhatsApp's
    report and the SMS standing in for it."""
    svc = await service(WHATSAPP)
    code, notice = await failed_after_sending(svc, written_at())
    seen = {d["transport"]: d for d in await operator_deliveries(svc.client, OPERATOR, code)
            if d["event"] == "citizen.status.resolved"}
    assert (seen["whatsapp"]["state"], seen["whatsapp"]["provider_message_id"], seen["whatsapp"]["provider_status"]) \
        == ("undeliverable", WAMID_SENT, "failed")
    assert seen["whatsapp"]["last_error"].startswith("reported failed by whatsapp: 131047 Re-engagement message")
    assert seen["sms"]["fallback_of"] == notice["delivery_id"]
    await signed_in_client(svc.client, svc.runtime, "rina@ntbcare.example", "Rina Wulandari")
    resp = await svc.client.get(f"/dashboard/complaints/{code}")
    assert resp.status == 200
    html = await resp.text()
    statuses = html.split('data-field="statuses"', 1)[1].split("</ol>", 1)[0]
    assert "Gagal kode 131047 Re-engagement message" in text_of(statuses)
    assert WAMID_SENT in html


async def test_the_operator_api_lists_the_status_callbacks_of_a_delivery(service):
    """The operator API's delivery carries the status reports the provider sent for it."""
    svc = await service(WHATSAPP)
    code, _notice = await failed_after_sending(svc, written_at())
    [whatsapp] = [d for d in await operator_deliveries(svc.client, OPERATOR, code)
                  if d["event"] == "citizen.status.resolved" and d["transport"] == "whatsapp"]
    assert [(s["status"], s["code"], s["title"]) for s in whatsapp["statuses"]] == \
        [("failed", 131047, "Re-engagement message")]


async def test_failed_callback_arriving_before_the_send_is_recorded_still_falls_back(service):
    """Meta's `failed` webhook can outrun our write of the send's wamid: it must still flip the notice and fall back."""
    svc = await service(WHATSAPP)
    t = written_at()
    code = await whatsapp_complaint(svc, t)
    svc.graph.answer(200, {"messaging_product": "whatsapp", "contacts": [{"input": WA_ID, "wa_id": WA_ID}],
                           "messages": [{"id": WAMID_SENT}]})

    async def callback_first() -> None:
        await svc.post(whatsapp_statuses(status(WAMID_SENT, "failed", t + timedelta(hours=2), code=131047,
                                                title="Re-engagement message")))

    svc.graph.before_answer = callback_first
    await svc.set_status(code, "resolved")
    assert await svc.send(t + timedelta(hours=2)) == 1
    notice = [r for r in svc.rows(code) if r["event"] == "citizen.status.resolved" and r["transport"] == "whatsapp"]
    assert [r["state"] for r in notice] == ["undeliverable"]
    assert [r["transport"] for r in svc.rows(code)].count("sms") == 1


async def test_delivered_and_read_callbacks_update_the_provider_status(service):
    """`sent`, `delivered`, then `read` for our wamid: each kept, the row's provider status moves forward."""
    svc = await service(WHATSAPP)
    t = written_at()
    code, notice = await sent_as_text(svc, t)
    for state, minutes in (("sent", 1), ("delivered", 2)):
        await svc.post(whatsapp_statuses(status(WAMID_SENT, state, t + timedelta(hours=2, minutes=minutes))))
        assert svc.rows(code)[-1]["provider_status"] == state
    await svc.post(whatsapp_statuses(status(WAMID_SENT, "read", t + timedelta(hours=2, minutes=3))))
    notice = svc.rows(code)[-1]
    assert (notice["state"], notice["provider_status"]) == ("delivered", "read")
    assert [s["status"] for s in delivery_statuses(svc.runtime)] == ["sent", "delivered", "read"]
    assert svc.twilio.sent == [] and svc.rows(code)[-1]["transport"] == "whatsapp"


async def test_status_of_an_unknown_wamid_changes_nothing(service):
    """A `failed` status for a message we never sent answers 200 and touches no delivery."""
    svc = await service(WHATSAPP)
    t = written_at()
    code, notice = await sent_as_text(svc, t)
    await svc.post(whatsapp_statuses(status("wamid.NOTOURS0001", "failed", t + timedelta(hours=3), code=131026,
                                            title="Message undeliverable")))
    assert svc.rows(code)[-1] == notice
    assert delivery_statuses(svc.runtime) == []


@pytest.mark.parametrize("item", [
    {"status": "failed", "timestamp": "1764028800", "errors": [{"code": 131047}]},  # no id
    {"id": WAMID_SENT, "timestamp": "1764028800"},  # no status
    {"id": WAMID_SENT, "status": "exploded", "timestamp": "1764028800"},
    {"id": 131047, "status": "read"},
    {"id": "", "status": "failed"},
    "failed",
], ids=["no id", "no status", "unknown status", "numeric id", "empty id", "not an object"])
async def test_status_with_a_missing_or_odd_field_is_200_and_changes_nothing(service, item):
    """A status callback Meta's shape does not explain is answered 200 (Meta would only retry it), and ignored."""
    svc = await service(WHATSAPP)
    t = written_at()
    code, notice = await sent_as_text(svc, t)
    await svc.post(whatsapp_statuses(item))
    assert svc.rows(code) == [*svc.rows(code)[:-1], notice]
    assert delivery_statuses(svc.runtime) == []


async def test_failed_status_with_odd_errors_still_falls_back(service):
    """`failed` for our wamid with an unreadable timestamp and errors: still a failure, kept without a code."""
    svc = await service(WHATSAPP)
    t = written_at()
    code, _notice = await sent_as_text(svc, t)
    await svc.post(whatsapp_statuses({"id": WAMID_SENT, "status": "failed", "timestamp": "soon", "errors": "131047"}))
    notice, sms = svc.rows(code)[-2:]
    assert notice["state"] == "undeliverable"
    assert notice["last_error"] == "reported failed by whatsapp: no reason given; sent by SMS instead"
    assert sms["fallback_of"] == notice["id"]
    [kept] = delivery_statuses(svc.runtime)
    assert (kept["status"], kept["code"], kept["title"]) == ("failed", None, None)


# --- 4. Messenger and Instagram: RESPONSE, HUMAN_AGENT, or the fallback -----------------------------------------


async def messaging_complaint(svc: Service, t: datetime) -> str:
    """The citizen writes on Messenger or Instagram at `t`; her acknowledgement goes at once as RESPONSE."""
    await svc.post(messaging_message(svc.channel, "m_CITIZEN0001", ROAD, t))
    code = svc.code()
    assert await svc.send(t + timedelta(minutes=5)) == 1
    [ack] = svc.graph.requests
    assert ack["json"]["messaging_type"] == "RESPONSE" and "tag" not in ack["json"]
    svc.graph.requests.clear()
    return code


def send_api_request(channel: MetaChannel, text: str, **kind) -> dict:
    """The Send API request of a text to the citizen, as each platform takes it: RESPONSE unless `kind` says."""
    recipient = PSID if channel is FACEBOOK else IGSID
    auth = ({"query": {"access_token": PAGE_TOKEN}, "authorization": None} if channel is FACEBOOK
            else {"query": {}, "authorization": f"Bearer {INSTAGRAM_TOKEN}"})
    return {"method": "POST", "path": "/v26.0/me/messages", **auth,
            "json": {"recipient": {"id": recipient}, "messaging_type": "RESPONSE", "message": {"text": text}, **kind}}


@pytest.mark.parametrize("channel", [FACEBOOK, INSTAGRAM], ids=["messenger", "instagram"])
async def test_agency_reply_on_day_5_goes_with_the_human_agent_tag(service, channel):
    """The agency answers through its API 5 days after the citizen wrote: MESSAGE_TAG with HUMAN_AGENT."""
    svc = await service(channel)
    t = written_at()
    code = await messaging_complaint(svc, t)
    await svc.agency_reply(code)
    assert await svc.send(t + timedelta(days=5)) == 1
    reply = svc.rows(code)[-1]
    assert svc.graph.requests == [send_api_request(channel, reply["payload"]["text"], messaging_type="MESSAGE_TAG",
                                                   tag="HUMAN_AGENT")]
    assert REPLY in reply["payload"]["text"]
    assert (reply["event"], reply["state"]) == ("citizen.agency_reply", "delivered")


async def test_agency_reply_within_24_hours_is_a_response(service):
    """The agency answers 3 hours after the citizen wrote: a plain RESPONSE, no tag."""
    svc = await service(FACEBOOK)
    t = written_at()
    code = await messaging_complaint(svc, t)
    await svc.agency_reply(code)
    assert await svc.send(t + timedelta(hours=3)) == 1
    assert svc.graph.requests == [send_api_request(FACEBOOK, svc.rows(code)[-1]["payload"]["text"])]


async def test_agency_reply_on_day_9_is_not_sent_and_falls_back(service):
    """Past the 7-day human-agent window: no Send API call; undeliverable, and the reason says why no SMS either."""
    svc = await service(FACEBOOK)
    t = written_at()
    code = await messaging_complaint(svc, t)
    await svc.agency_reply(code)
    assert await svc.send(t + timedelta(days=9)) == 1
    assert svc.graph.requests == []
    reply = svc.rows(code)[-1]
    assert (reply["transport"], reply["state"]) == ("facebook", "undeliverable")
    assert reply["last_error"] == ("outside Messenger's window: a person's reply, past the 7-day human-agent window "
                                   "(the citizen's last message was 9 days ago); "
                                   "the citizen's phone number is not known, so no SMS either")
    [seen] = [d for d in await operator_deliveries(svc.client, OPERATOR, code) if d["event"] == "citizen.agency_reply"]
    assert seen["state"] == "undeliverable" and "7-day human-agent window" in seen["last_error"]


async def test_an_undeliverable_reply_goes_once_the_citizen_writes_again_and_an_operator_retries(service):
    """Day 9: the reply is undeliverable; she writes again, an operator retries it: it goes as RESPONSE."""
    svc = await service(FACEBOOK, sms=False)
    t = written_at() - timedelta(days=9, hours=1)  # her message reached us only now (Meta retried it)
    await svc.post(messaging_message(FACEBOOK, "m_CITIZEN0001", ROAD, t))
    code = svc.code()
    await svc.agency_reply(code)
    assert await svc.send(datetime.now(timezone.utc) + timedelta(seconds=1)) == 2
    ack, reply = svc.rows(code)
    assert (ack["state"], reply["state"], reply["event"]) == ("undeliverable", "undeliverable", "citizen.agency_reply")
    assert svc.graph.requests == []
    await svc.post(messaging_message(FACEBOOK, "m_CITIZEN0002", "Kapan diperbaiki?", t + timedelta(days=9, minutes=30)))
    resp = await svc.client.post(f"/api/v1/deliveries/{reply['delivery_id']}/retry", headers=OPERATOR)
    assert resp.status == 200, await resp.text()
    await svc.send(datetime.now(timezone.utc) + timedelta(minutes=1))
    assert send_api_request(FACEBOOK, reply["payload"]["text"]) in svc.graph.requests
    assert [r["state"] for r in svc.rows(code) if r["delivery_id"] == reply["delivery_id"]] == ["delivered"]


async def test_agency_reply_on_day_9_goes_by_sms_when_the_number_is_known(service):
    """A reporter whose phone number is on record: the reply past the window goes to it by SMS."""
    svc = await service(FACEBOOK)
    t = written_at()
    code = await messaging_complaint(svc, t)
    with svc.runtime.db.writer.begin() as conn:  # the number the citizen gave the desk on the phone
        reporter = conn.execute(select(m.Complaint.reporter_id).where(m.Complaint.code == code)).scalar_one()
        conn.execute(m.Reporter.__table__.update().where(m.Reporter.id == reporter).values(phone="+6281999000111"))
    await svc.agency_reply(code)
    assert await svc.send(t + timedelta(days=9)) == 1
    reply, sms = svc.rows(code)[-2:]
    assert reply["state"] == "undeliverable" and reply["last_error"].endswith("; sent by SMS instead")
    assert (sms["transport"], sms["target"], sms["fallback_of"]) == ("sms", "+6281999000111", reply["id"])
    assert await svc.send(t + timedelta(days=9, minutes=1)) == 1
    assert [(s["To"], s["Body"]) for s in svc.twilio.sent] == [("+6281999000111", reply["payload"]["text"])]
    assert svc.graph.requests == []


async def test_messenger_refusing_outside_its_window_is_final_with_its_meaning(service):
    """The Send API answers 10/2018278 (outside the allowed window): undeliverable at once, never retried."""
    svc = await service(FACEBOOK)
    t = written_at()
    code = await messaging_complaint(svc, t)
    svc.graph.fail(400, 10, "(#10) This message is sent outside of allowed window.", subcode=2018278)
    await svc.agency_reply(code)
    assert await svc.send(t + timedelta(hours=3)) == 1
    reply = svc.rows(code)[-1]
    assert reply["state"] == "undeliverable"
    assert reply["last_error"].startswith(
        "HTTP 400: OAuthException 10/2018278: (#10) This message is sent outside of allowed window.")
    assert await svc.send(t + timedelta(hours=4)) == 0


async def test_status_change_on_day_2_is_not_sent_on_messenger(service):
    """An automatic notice (a status change) 2 days after the citizen wrote: no Send API call, undeliverable."""
    svc = await service(FACEBOOK)
    t = written_at()
    code = await messaging_complaint(svc, t)
    await svc.set_status(code, "acknowledged")
    assert await svc.send(t + timedelta(days=2)) == 1
    assert svc.graph.requests == []
    notice = svc.rows(code)[-1]
    assert (notice["event"], notice["state"]) == ("citizen.status.acknowledged", "undeliverable")
    assert notice["last_error"] == ("outside Messenger's window: an automatic notice, past the 24-hour window "
                                    "(the citizen's last message was 48 h ago); "
                                    "the citizen's phone number is not known, so no SMS either")


async def test_status_change_within_24_hours_is_a_response(service):
    """The same status change 2 hours after the citizen wrote goes as RESPONSE."""
    svc = await service(FACEBOOK)
    t = written_at()
    code = await messaging_complaint(svc, t)
    await svc.set_status(code, "acknowledged")
    assert await svc.send(t + timedelta(hours=2)) == 1
    assert svc.graph.requests == [send_api_request(FACEBOOK, svc.rows(code)[-1]["payload"]["text"])]


async def test_instagram_status_change_on_day_2_is_not_sent(service):
    """On Instagram too an automatic notice past 24 hours is undeliverable there, named as Instagram's window."""
    svc = await service(INSTAGRAM)
    t = written_at()
    code = await messaging_complaint(svc, t)
    await svc.set_status(code, "acknowledged")
    assert await svc.send(t + timedelta(days=2)) == 1
    assert svc.graph.requests == []
    notice = svc.rows(code)[-1]
    assert notice["state"] == "undeliverable"
    assert notice["last_error"].startswith("outside Instagram's window: an automatic notice, past the 24-hour window")


# --- 5. Telegram: blocked, and flood control -------------------------------------------------------------------


@pytest.fixture
async def bot(aiohttp_server) -> FakeBotApi:
    """A fake Bot API on 127.0.0.1."""
    fake = FakeBotApi()
    server = await aiohttp_server(fake.app, host="127.0.0.1")
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


async def telegram_complaint(svc: Service) -> str:
    """The citizen writes to the bot (the webhook, with its secret); return the code."""
    resp = await svc.client.post("/webhooks/telegram", data=fixture_bytes("message__text"),
                                 headers=TELEGRAM_HEADERS)
    assert resp.status == 200, await resp.text()
    return svc.code()


async def test_telegram_403_is_undeliverable_with_the_blocked_reason(service, bot):
    """The citizen blocked the bot: 403 from the Bot API, the row undeliverable, the reason says so."""
    svc = await service(None, sms=False, bot=bot)
    code = await telegram_complaint(svc)
    bot.script("sendMessage", 403, BLOCKED)
    now = datetime.now(timezone.utc) + timedelta(minutes=1)
    assert await svc.send(now) == 1
    [ack] = svc.rows(code)
    assert ack["state"] == "undeliverable"
    assert ack["last_error"].startswith("Telegram refused (403): the citizen blocked the bot or never started it: ")
    assert "bot was blocked by the user" in ack["last_error"]
    assert ack["last_error"].endswith("; no SMS gateway is configured to fall back to")
    assert [str(c.params["chat_id"]) for c in bot.calls("sendMessage")] == ["5550001"]


async def test_telegram_403_goes_by_sms_to_the_number_she_shared(service, bot):
    """She shared her number with the bot, then blocked it: the operator's reply goes to that number by SMS."""
    svc = await service(None, bot=bot)
    code = await telegram_complaint(svc)
    resp = await svc.client.post("/webhooks/telegram", data=fixture_bytes("message__contact_own"),
                                 headers=TELEGRAM_HEADERS)
    assert resp.status == 200
    now = datetime.now(timezone.utc) + timedelta(minutes=1)
    await svc.send(now)  # the acknowledgements, while she still takes the bot's messages
    bot.script("sendMessage", 403, BLOCKED)
    await svc.operator_reply(code)
    assert await svc.send(now + timedelta(minutes=1)) == 1
    notice, sms = svc.rows(code)[-2:]
    assert (notice["transport"], notice["state"]) == ("telegram", "undeliverable")
    assert notice["last_error"].endswith("; sent by SMS instead")
    assert (sms["transport"], sms["target"], sms["fallback_of"]) == ("sms", "+6281234567890", notice["id"])
    assert await svc.send(now + timedelta(minutes=2)) == 1
    assert [(s["To"], s["Body"]) for s in svc.twilio.sent] == [("+6281234567890", notice["payload"]["text"])]


async def test_telegram_flood_control_waits_as_long_as_telegram_asks(service, bot):
    """429 with retry_after 30: the row is failed, due again no sooner than 30 s later, and nothing else is sent."""
    svc = await service(None, sms=False, bot=bot)
    code = await telegram_complaint(svc)
    bot.script("sendMessage", 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 30",
                                    "parameters": {"retry_after": 30}})
    now = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(minutes=1)
    assert await svc.send(now) == 1
    [ack] = svc.rows(code)
    assert ack["state"] == "failed" and ack["last_error"] == "flood control: retry in 30 s"
    due = ack["next_attempt_at"].replace(tzinfo=timezone.utc) if ack["next_attempt_at"].tzinfo is None \
        else ack["next_attempt_at"]
    assert due >= now + timedelta(seconds=30)
    assert await svc.send(now + timedelta(seconds=29)) == 0
    assert await svc.send(due) == 1
    assert svc.rows(code)[0]["state"] == "delivered"
