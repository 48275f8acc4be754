"""The platforms' reply windows (SPEC 16): what each notice goes as, decided from the citizen's last message by the
platform's clock, and the requests the deliverers make of each decision, as Meta documents them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import aiohttp
import pytest

from channels.messenger import send_api_deliverer
from channels.meta import sent_time
from channels.whatsapp.send import whatsapp_deliverer
from providers import windows
from providers.outcome import Delivered, Delivery, Permanent
from tests.channels.meta.fake_graph import graph_error, start_graph

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)
TEMPLATE = {"name": "aduan_status", "language": "id",
            "parameters": ["NTB-7K3QX9P2", "Selesai", "Dinas PUPR Kabupaten Lombok Timur",
                           "https://aduan.example/track/NTB-7K3QX9P2"]}


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


@pytest.mark.parametrize(("last", "template", "expected"), [
    (ago(hours=23, minutes=59), TEMPLATE, windows.Free()),
    (ago(hours=24), TEMPLATE, windows.AsTemplate(TEMPLATE)),
    (ago(days=3), TEMPLATE, windows.AsTemplate(TEMPLATE)),
    (None, TEMPLATE, windows.AsTemplate(TEMPLATE)),
])
def test_whatsapp_text_inside_24_hours_else_the_template(last, template, expected):
    """Text within 24 h of the citizen's last message; from the 24th hour on, the template."""
    assert windows.whatsapp(last, NOW, template) == expected


def test_whatsapp_outside_without_a_template_says_why():
    """Outside 24 h with no template, nothing can go on WhatsApp, and the reason names the window and the age."""
    plan = windows.whatsapp(ago(days=3), NOW, None)
    assert isinstance(plan, windows.Outside)
    assert plan.reason == ("outside WhatsApp's 24-hour window (the citizen's last message was 3 days ago) and no "
                           "template for this notice")


@pytest.mark.parametrize(("event", "last", "expected"), [
    ("citizen.status.resolved", ago(hours=2), windows.Free()),
    ("citizen.agency_reply", ago(hours=2), windows.Free()),
    ("citizen.agency_reply", ago(days=5), windows.Tagged()),
    ("citizen.operator_reply", ago(days=6, hours=23), windows.Tagged()),
    ("citizen.agency_reply", ago(days=7), None),
    ("citizen.agency_reply", ago(days=9), None),
    ("citizen.status.resolved", ago(days=2), None),
    ("citizen.ack", ago(hours=25), None),
    ("citizen.agency_reply", None, None),
])
def test_messenger_response_in_24_hours_a_persons_reply_tagged_for_7_days(event, last, expected):
    """RESPONSE within 24 h; a person's reply HUMAN_AGENT within 7 days; automatic notices nothing after 24 h."""
    plan = windows.messenger(event, last, NOW)
    if expected is None:
        assert isinstance(plan, windows.Outside) and plan.reason.startswith("outside Messenger's window")
    else:
        assert plan == expected


@pytest.mark.parametrize(("event", "uses", "expected"), [
    ("citizen.ack", {"ack", "status"}, "ack"),
    ("citizen.ack", {"status"}, "status"),
    ("citizen.agency_reply", {"reply", "status"}, "reply"),
    ("citizen.status.closed", {"ack", "reply", "status"}, "status"),
    ("citizen.followup", {"ack"}, None),
])
def test_a_notice_takes_its_own_template_else_the_status_one(event, uses, expected):
    """`status` stands in for a use without a template of its own; with neither, there is none."""
    templates = {use: {"name": f"aduan_{use}"} for use in uses}
    chosen = windows.choose_template(templates, event)
    assert (chosen["name"] if chosen else None) == (f"aduan_{expected}" if expected else None)


def test_the_providers_timestamp_never_stretches_a_window():
    """Seconds (WhatsApp) and milliseconds (Messenger) read as times; a clock ahead of ours is taken as ours; junk
    is no time at all."""
    assert sent_time("1764028800", NOW) == datetime(2025, 11, 25, tzinfo=timezone.utc)
    assert sent_time(1764028800000, NOW, 1000) == datetime(2025, 11, 25, tzinfo=timezone.utc)
    assert sent_time(str(int((NOW + timedelta(hours=5)).timestamp())), NOW) == NOW
    for junk in (None, "", "soon", -5, True, "1e400", {"t": 1}):
        assert sent_time(junk, NOW) is None


def notice(transport: str, event: str, last: datetime | None, template=None) -> Delivery:
    return Delivery("d-1", transport, "6281234567890" if transport == "whatsapp" else "24483992114520001", event,
                    {"text": "Aduan NTB-7K3QX9P2 selesai.", "code": "NTB-7K3QX9P2", "language": "id"},
                    claimed_at=NOW, window_checked=True, last_inbound_at=last, template=template)


WHATSAPP_OK = {"messaging_product": "whatsapp", "contacts": [{"input": "6281234567890", "wa_id": "6281234567890"}],
               "messages": [{"id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ0QTc1"}]}


async def test_whatsapp_outside_the_window_sends_the_template_with_its_parameters(aiohttp_server):
    """Three days after the citizen's last message the notice is the template: name, language code, the body's four
    text parameters in order; the wamid is kept."""
    graph = await start_graph(aiohttp_server, WHATSAPP_OK)
    deliver = whatsapp_deliverer(graph.url, "106540352242922", "EAAtoken")
    async with aiohttp.ClientSession() as session:
        outcome = await deliver(notice("whatsapp", "citizen.status.resolved", ago(days=3), TEMPLATE), session)
    assert outcome == Delivered("HTTP 200, as template aduan_status", "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ0QTc1")
    [request] = graph.requests
    assert request["path"] == "/v26.0/106540352242922/messages"
    assert request["json"] == {
        "messaging_product": "whatsapp", "to": "6281234567890", "type": "template",
        "template": {"name": "aduan_status", "language": {"code": "id"}, "components": [
            {"type": "body", "parameters": [{"type": "text", "text": value} for value in TEMPLATE["parameters"]]}]}}


async def test_whatsapp_refusing_the_template_falls_back(aiohttp_server):
    """A template WhatsApp does not know (132001) is its last word on this notice: final, marked for the fallback."""
    graph = await start_graph(aiohttp_server, WHATSAPP_OK)
    graph.fail(404, 132001, "(#132001) Template name does not exist in the translation")
    deliver = whatsapp_deliverer(graph.url, "106540352242922", "EAAtoken")
    async with aiohttp.ClientSession() as session:
        outcome = await deliver(notice("whatsapp", "citizen.status.resolved", ago(days=3), TEMPLATE), session)
    assert type(outcome) is Permanent and outcome.fallback and "132001" in outcome.detail


async def test_whatsapp_outside_the_window_without_a_template_sends_nothing(aiohttp_server):
    graph = await start_graph(aiohttp_server, WHATSAPP_OK)
    deliver = whatsapp_deliverer(graph.url, "106540352242922", "EAAtoken")
    async with aiohttp.ClientSession() as session:
        outcome = await deliver(notice("whatsapp", "citizen.status.resolved", ago(days=3)), session)
    assert type(outcome) is Permanent and outcome.fallback and "24-hour window" in outcome.detail
    assert graph.requests == []


@pytest.mark.parametrize(("event", "last", "body"), [
    ("citizen.agency_reply", ago(days=5), {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}),
    ("citizen.status.resolved", ago(hours=3), {"messaging_type": "RESPONSE"}),
])
async def test_messenger_sends_a_persons_late_reply_with_the_human_agent_tag(aiohttp_server, event, last, body):
    """Day 5: a person's reply goes tagged HUMAN_AGENT; inside 24 h any notice is a RESPONSE."""
    graph = await start_graph(aiohttp_server, {"recipient_id": "24483992114520001", "message_id": "m_SENT0001"})
    deliver = send_api_deliverer(f"{graph.url}/me/messages", ("PAGEtoken",), params={"access_token": "PAGEtoken"})
    async with aiohttp.ClientSession() as session:
        outcome = await deliver(notice("facebook", event, last), session)
    assert isinstance(outcome, Delivered) and outcome.message_id == "m_SENT0001"
    [request] = graph.requests
    assert request["json"] == {"recipient": {"id": "24483992114520001"}, **body,
                               "message": {"text": "Aduan NTB-7K3QX9P2 selesai."}}


async def test_messenger_outside_its_windows_sends_nothing_and_falls_back(aiohttp_server):
    """Day 9 for a person's reply, day 2 for a status notice: nothing is sent to the Graph API; both fall back."""
    graph = await start_graph(aiohttp_server, {"recipient_id": "24483992114520001", "message_id": "m_SENT0001"})
    deliver = send_api_deliverer(f"{graph.url}/me/messages", ("IGtoken",), platform="Instagram")
    async with aiohttp.ClientSession() as session:
        for event, last in (("citizen.agency_reply", ago(days=9)), ("citizen.status.assigned", ago(days=2))):
            outcome = await deliver(notice("instagram", event, last), session)
            assert type(outcome) is Permanent and outcome.fallback
            assert outcome.detail.startswith("outside Instagram's window")
    assert graph.requests == []


async def test_messengers_own_outside_window_error_is_final_with_its_subcode(aiohttp_server):
    """Should Meta count differently from us, its "(#10) outside of allowed window" (subcode 2018278) is final,
    marked for the fallback, with code and subcode in the detail for the operators."""
    graph = await start_graph(aiohttp_server, {})
    graph.fail(400, 10, "(#10) This message is sent outside of allowed window.", subcode=2018278)
    deliver = send_api_deliverer(f"{graph.url}/me/messages", ("PAGEtoken",), params={"access_token": "PAGEtoken"})
    async with aiohttp.ClientSession() as session:
        outcome = await deliver(notice("facebook", "citizen.agency_reply", ago(days=5)), session)
    assert type(outcome) is Permanent and outcome.fallback
    assert "10/2018278" in outcome.detail and "PAGEtoken" not in outcome.detail


def test_graph_error_bodies_name_their_subcode():
    """A retired tag answers code 100 without a subcode: the detail names the code alone."""
    from channels.meta import classify_graph_answer
    import json
    outcome = classify_graph_answer(400, json.dumps(graph_error(100, "(#100) Invalid parameter")), None, ())
    assert type(outcome) is Permanent and "OAuthException 100:" in outcome.detail
