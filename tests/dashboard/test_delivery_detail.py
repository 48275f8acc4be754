"""Delivery detail on the operator's complaint page (issue 14 part 5, SPEC 16): for each delivery, in order, the
channel and the notice in words, its state, the provider's message id, each attempt, the status callbacks, what a
failure means and the fallback taken; the same data in the operator API. The rows are written as the outbox, the
status callbacks and the SMS fallback leave them (tests/dashboard/reach_seed.py).
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from complaints.delivery_meaning import failure_meaning, meaning_key
from complaints.views import delivery_view
from store import models as m
from tests.conftest import OPERATOR_TOKEN
from tests.dashboard import reach_seed as data
from tests.dashboard.people import signed_in_client
from tests.workbench.helpers import text_of

PAGE = f"/dashboard/complaints/{data.DELIVERY_CODE}"


@pytest.fixture
def history(runtime) -> dict[str, int]:
    """NTB-KRM00001 and its nine deliveries, written now."""
    with runtime.db.writer.begin() as conn:
        return data.delivery_history(conn, datetime.now(timezone.utc))


@pytest.fixture
async def page(client, runtime, history) -> str:
    """The complaint page's HTML as the operator Rina Wulandari reads it."""
    await signed_in_client(client, runtime, "rina@ntbcare.example", "Rina Wulandari")
    resp = await client.get(PAGE)
    assert resp.status == 200, await resp.text()
    return await resp.text()


def delivery_ids(runtime, history) -> dict[str, str]:
    """The delivery ids of the rows, by the seed's names."""
    with runtime.db.reader.connect() as conn:
        found = dict(conn.execute(select(m.Outbox.id, m.Outbox.delivery_id)).all())
    return {name: found[row] for name, row in history.items() if name != "complaint"}


def section(html: str) -> str:
    """The deliveries card of the page."""
    return html.split('aria-labelledby="h-deliveries"', 1)[1].split("</section>", 1)[0]


def card(html: str, delivery_id: str) -> str:
    """One delivery's card (its HTML), found by its anchor."""
    for part in section(html).split('<li class="delivery delivery-')[1:]:
        if f'id="delivery-{delivery_id}"' in part:
            return part
    raise AssertionError(f"no card for delivery {delivery_id}")


async def test_each_delivery_is_a_card_in_outbox_order_with_no_wide_table(page, runtime, history):
    ids = delivery_ids(runtime, history)
    anchors = [part.split('id="delivery-', 1)[1].split('"', 1)[0]
               for part in section(page).split('<li class="delivery delivery-')[1:]]
    assert anchors == [ids[name] for name in ("ack", "wa_resolved", "sms_resolved", "telegram", "messenger", "webhook",
                                              "wa_own", "sms_refused", "messenger_window")]
    assert "<table" not in section(page)


async def test_an_undeliverable_whatsapp_notice_says_why_and_points_to_its_sms(page, runtime, history):
    ids = delivery_ids(runtime, history)
    html = card(page, ids["wa_resolved"])
    text = text_of(html)
    assert "Perubahan status: Selesai" in text
    assert "Tidak dapat dikirim" in text
    assert data.WAMID_RESOLVED in text
    assert "Artinya: Di luar jendela 24 jam WhatsApp" in text
    assert "Dialihkan ke SMS (terkirim)" in text
    assert f'href="#delivery-{ids["sms_resolved"]}"' in html
    # The status callbacks: sent, then failed with its code and title.
    statuses = text_of(html.split('data-field="statuses"', 1)[1].split("</ol>", 1)[0])
    assert "Terkirim" in statuses and "Gagal kode 131047 Re-engagement message" in statuses
    assert "Percobaan 1: Diterima penyedia" in text


async def test_the_sms_fallback_says_what_it_stands_in_for(page, runtime, history):
    ids = delivery_ids(runtime, history)
    html = card(page, ids["sms_resolved"])
    text = text_of(html)
    assert "Lewat SMS" in text and data.CITIZEN_PHONE in text
    assert "Terkirim" in text
    assert "Pengganti pengiriman WhatsApp yang tidak dapat dikirim" in text
    assert f'href="#delivery-{ids["wa_resolved"]}"' in html


async def test_statuses_of_a_read_message_are_shown_in_order(page, runtime, history):
    ids = delivery_ids(runtime, history)
    html = card(page, ids["ack"])
    assert "Tanda terima aduan" in text_of(html)
    assert "Status terakhir dari penyedia Dibaca" in text_of(html)
    statuses = text_of(html.split('data-field="statuses"', 1)[1].split("</ol>", 1)[0])
    assert [w for w in ("Terkirim", "Diterima", "Dibaca") if w in statuses] == ["Terkirim", "Diterima", "Dibaca"]
    assert statuses.index("Terkirim") < statuses.index("Diterima") < statuses.index("Dibaca")


async def test_a_blocked_bot_and_a_human_agent_reply_are_told_apart(page, runtime, history):
    ids = delivery_ids(runtime, history)
    blocked = text_of(card(page, ids["telegram"]))
    assert "Balasan instansi" in blocked and "Lewat Telegram" in blocked
    assert "Gagal permanen" in blocked
    assert "Artinya: Warga memblokir bot Telegram layanan ini." in blocked
    assert data.TELEGRAM_BLOCKED in blocked  # the provider's own words stay beside the meaning
    tagged = text_of(card(page, ids["messenger"]))
    assert "Lewat Facebook Messenger" in tagged and "Terkirim" in tagged
    assert "HUMAN_AGENT" in tagged and "Artinya" not in tagged


async def test_our_own_refusals_are_explained(page, runtime, history):
    ids = delivery_ids(runtime, history)
    own = text_of(card(page, ids["wa_own"]))
    assert "Tidak dapat dikirim" in own
    assert "Artinya: Tidak dikirim lewat WhatsApp: di luar jendela 24 jam dan tidak ada templat" in own
    assert "Tidak dialihkan ke SMS: tidak ada gateway SMS yang terpasang." in own
    limited = text_of(card(page, ids["sms_refused"]))
    assert "Ditolak batas kirim" in limited
    assert "tujuan ini sudah menerima pesan sebanyak batas hariannya" in limited
    window = text_of(card(page, ids["messenger_window"]))
    assert "Perubahan status: Ditutup" in window
    assert "Artinya: Di luar jendela pesan Messenger/Instagram" in window


async def test_an_agency_delivery_names_its_agency(page, runtime, history):
    ids = delivery_ids(runtime, history)
    text = text_of(card(page, ids["webhook"]))
    assert "Untuk Dinas Kesehatan Kota Mataram" in text
    assert "Webhook instansi" in text and "Tiket ditugaskan" in text


async def test_an_agency_officer_never_sees_the_delivery_detail(client, runtime, history):
    await signed_in_client(client, runtime, "nurul@dinkes.example", "Baiq Nurul", "agency", "dinkes-mataram")
    resp = await client.get(PAGE, allow_redirects=False)
    assert resp.status == 404
    assert data.WAMID_RESOLVED not in await resp.text()


async def test_the_operator_api_gives_the_provider_id_status_and_fallback(client, runtime, history):
    ids = delivery_ids(runtime, history)
    resp = await client.get(f"/api/v1/complaints/{data.DELIVERY_CODE}",
                            headers={"Authorization": f"Bearer {OPERATOR_TOKEN}"})
    assert resp.status == 200
    deliveries = {d["id"]: d for d in (await resp.json())["deliveries"]}
    whatsapp, sms = deliveries[ids["wa_resolved"]], deliveries[ids["sms_resolved"]]
    assert (whatsapp["provider_message_id"], whatsapp["provider_status"], whatsapp["state"]) == (
        data.WAMID_RESOLVED, "failed", "undeliverable")
    assert whatsapp["fallback_of"] is None
    assert sms["fallback_of"] == ids["wa_resolved"]
    assert sms["provider_message_id"] is None


def test_a_delivery_view_lists_its_status_reports():
    at = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    row = {"id": 7, "delivery_id": "d-7", "audience": "citizen", "transport": "whatsapp", "agency": None,
           "target": data.CITIZEN_PHONE, "event": "citizen.status.resolved", "state": "undeliverable", "attempts": 1,
           "next_attempt_at": at, "last_error": data.WA_FAILED, "created_at": at, "provider_message_id": "wamid.X",
           "provider_status": "failed", "fallback_of": 3,
           "statuses": [{"status": "failed", "code": 131047, "title": "Re-engagement message", "at": at,
                         "received_at": at}]}
    view = delivery_view(row, named={3: "d-3"})
    assert view["fallback_of"] == "d-3"
    assert view["statuses"] == [{"status": "failed", "code": 131047, "title": "Re-engagement message",
                                 "at": at.isoformat(), "received_at": at.isoformat()}]


@pytest.mark.parametrize(("transport", "detail", "code", "state", "key"), [
    ("whatsapp", "reported failed by whatsapp: 131047 Re-engagement message", None, "undeliverable", "whatsapp_window"),
    ("whatsapp", None, 131047, None, "whatsapp_window"),
    ("whatsapp", "HTTP 400: OAuthException 131026: Message Undeliverable", None, "dead", "whatsapp_not_on_whatsapp"),
    ("whatsapp", None, 131049, None, "whatsapp_engagement"),
    ("whatsapp", "reported failed by whatsapp: 131050", None, "undeliverable", "whatsapp_marketing_stopped"),
    ("facebook", data.GRAPH_WINDOW, None, "dead", "meta_window"),
    ("instagram", "HTTP 400: OAuthException 10/2018278: (#10) outside of allowed window", None, "dead", "meta_window"),
    ("facebook", "HTTP 400: OAuthException 100: (#100) Invalid parameter: tag", None, "dead", "meta_tag_retired"),
    ("facebook", "HTTP 400: OAuthException 551: This person isn't available right now.", None, "dead",
     "meta_unavailable"),
    ("telegram", data.TELEGRAM_BLOCKED, None, "dead", "telegram_blocked"),
    ("telegram", "Forbidden: bot can't initiate conversation with a user", None, "dead", "telegram_not_started"),
    ("telegram", "BadRequest: Chat not found", None, "dead", "telegram_not_started"),
    ("telegram_chat", "BadRequest: Chat not found", None, "dead", "telegram_group_gone"),
    ("telegram", "flood control: retry in 5 s", None, "failed", "telegram_flood"),
    ("sms", data.LIMIT_REFUSAL, None, "refused", "limit_destination"),
    ("email", "ditolak (send_limits.per_hour): sudah 1000 SMS dan e-mail", None, "refused", "limit_hour"),
    ("sms-twilio", "ditolak (send_limits.sms_countries): kode negara", None, "refused", "limit_country"),
    ("whatsapp", data.OWN_DECISION, None, "undeliverable", "own_whatsapp_window"),
    ("facebook", "outside Messenger's window: a person's reply, past the 7-day human-agent window (9 days ago)", None,
     "undeliverable", "own_meta_human_agent"),
    ("instagram", "outside Instagram's window: an automatic notice, past the 24-hour window (30 h ago)", None,
     "undeliverable", "own_meta_window"),
])
def test_known_failures_have_a_meaning(transport, detail, code, state, key):
    assert meaning_key(transport, detail, code, state) == key
    assert failure_meaning(transport, detail, code, state, "id") != failure_meaning(transport, detail, code, state, "en")


@pytest.mark.parametrize(("transport", "detail"), [
    ("webhook", "HTTP 410 Gone from the agency's webhook"),
    ("whatsapp", "HTTP 500: internal error 1310470"),  # a longer number is not the code
    ("telegram", "BadRequest: message is too long"),
    ("sms", "HTTP 400: 131047"),  # WhatsApp's codes mean nothing on another transport
])
def test_unknown_failures_have_no_meaning(transport, detail):
    assert failure_meaning(transport, detail, state="dead") is None
