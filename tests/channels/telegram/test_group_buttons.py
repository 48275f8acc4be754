"""The buttons of a ticket in an agency's Telegram group (SPEC section 15): Terima, Bukan wewenang and Buka, honoured
only for an officer linked with `--telegram-id`, through the real webhook route and a fake Bot API on loopback."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import secrets
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from sqlalchemy import func, select

from app.build import build_runtime
from channels.ladder import Ignored
from channels.telegram.group_updates import Answer, Press
from channels.telegram.inbound import parse
from complaints.group_buttons import MAX_DATA_BYTES, button_data, read_button
from delivery.group_render import edited_message
from delivery.telegram_group import make_telegram_group_deliverer
from delivery.telegram_text import MAX_TEXT, units
from providers.outcome import Delivered, Delivery
from providers.telegram import close_bots
from store import models as m
from store import users
from telegram_fakes import BOT_USERNAME, TOKEN, fixture_bytes
from tests.conftest import with_env
from tests.workbench.helpers import ticket

CODE = "NTB-GRP00001"  # the ticket of the fixtures' group message
OTHER_CODE = "NTB-GRP00002"  # a ticket of another agency
AGENCY, OTHER_AGENCY = "dinkes-mataram", "pupr-lotim"
GROUP = "-1002000000101"  # dinkes-mataram's telegram_chat in the sample agencies.yaml
TICKET_MESSAGE = 5001  # the group message the fixtures' buttons sit on
OFFICER, OFFICER_TG = "Ahmad Zainuddin", 6100001
FOREIGN_OFFICER_TG = 6100002  # linked to an officer of pupr-lotim
DISABLED_TG = 6100003  # linked to a disabled account of dinkes-mataram
STRANGER_TG = 6100009  # linked to no account
OPERATOR_TG = 6100004  # linked to an operator's account
REASON = "Lokasi Puskesmas Ampenan di bawah Dinas Kesehatan Provinsi NTB, bukan Kota Mataram."
DONE_AT = r"\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{2}\.\d{2}"
PAGE = f"http://aduan.test/agency/tickets/{CODE}"


def account(conn, email: str, name: str, role: str, agency: str | None, telegram_id: int) -> int:
    """Store an account linked to a Telegram user id, as `user add --telegram-id` does."""
    return users.add_user(conn, email=email, name=name, role=role, agency=agency, telegram_id=str(telegram_id),
                          link_hash=secrets.token_hex(32), now=datetime.now(timezone.utc))


@pytest.fixture
def seeded(tg_runtime):
    """Two tickets (dinkes-mataram's waiting to be acknowledged, one of pupr-lotim) and the linked accounts."""
    now = datetime.now(timezone.utc)
    with tg_runtime.db.writer.begin() as conn:
        ticket(conn, CODE, now - timedelta(hours=1), acknowledge_due_at=now + timedelta(hours=3),
               region="mataram-ampenan", text="Obat hipertensi untuk lansia di Puskesmas Ampenan kosong")
        ticket(conn, OTHER_CODE, now - timedelta(hours=1), agency=OTHER_AGENCY, region="lombok-timur",
               category="infrastruktur", rule="jalan-dan-jembatan", text="Jembatan gantung di Desa Sembalun putus")
        officer = account(conn, "ahmad.zainuddin@dinkes.mataramkota.example", OFFICER, "agency", AGENCY, OFFICER_TG)
        account(conn, "lalu.fauzi@pupr.lomboktimurkab.example", "Lalu Ahmad Fauzi", "agency", OTHER_AGENCY,
                FOREIGN_OFFICER_TG)
        account(conn, "dewi.kartika@dinkes.mataramkota.example", "Dewi Kartika", "agency", AGENCY, DISABLED_TG)
        users.disable_user(conn, "dewi.kartika@dinkes.mataramkota.example", now)
        account(conn, "siti.hajar@ntbcare.example", "Siti Hajar", "operator", None, OPERATOR_TG)
    return {"officer_id": officer}


def update(fixture: str, update_id: int | None = None, sender: int | None = None, **changes) -> dict:
    """A fixture's update, with another update_id, another sender or other fields of its callback_query or message."""
    body = json.loads(fixture_bytes(fixture))
    if update_id is not None:
        body["update_id"] = update_id
    inner = body.get("callback_query") or body["message"]
    if sender is not None:
        inner["from"] = {**inner["from"], "id": sender}
    inner.update(changes)
    return body


async def post(client, post_update, body: dict):
    """Post an update to the webhook with the secret, as Telegram does; it must be answered 200."""
    resp = await post_update(client, json.dumps(body).encode())
    assert resp.status == 200, await resp.text()
    return resp


def stored(runtime, code: str = CODE) -> dict:
    """A complaint's row as stored."""
    with runtime.db.reader.connect() as conn:
        return dict(conn.execute(select(m.Complaint.__table__).where(m.Complaint.code == code)).mappings().one())


def steps(runtime, code: str = CODE) -> list[dict]:
    """A complaint's timeline as stored, in order."""
    with runtime.db.reader.connect() as conn:
        cid = conn.execute(select(m.Complaint.id).where(m.Complaint.code == code)).scalar_one()
        return [dict(e) for e in conn.execute(select(m.Event.__table__).where(m.Event.complaint_id == cid)
                                              .order_by(m.Event.id)).mappings()]


def complaints_count(runtime) -> int:
    """How many complaints the store holds."""
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(func.count()).select_from(m.Complaint)).scalar_one()


def answers(fake_api) -> list[tuple[str, str, bool]]:
    """Every answerCallbackQuery: (callback_query_id, text, shown as an alert)."""
    return [(c.params["callback_query_id"], c.params.get("text"), c.params.get("show_alert") in (True, "true", "True"))
            for c in fake_api.calls("answerCallbackQuery")]


def keyboard_of(params: dict) -> list[list[dict]] | None:
    """The inline keyboard a Bot API call carried (sent as JSON), or None without one."""
    markup = params.get("reply_markup")
    return json.loads(markup)["inline_keyboard"] if markup else None


# --- the sent message carries the buttons -----------------------------------------------------------


async def send_ticket(runtime, fake_api, event: str = "ticket.assigned", agency: str = AGENCY, target: str = GROUP,
                      code: str = CODE):
    """Deliver a ticket's message to a group through the "telegram_chat" deliverer; return sendMessage's params."""
    deliver = make_telegram_group_deliverer(TOKEN, fake_api.url, runtime.tickets)
    async with aiohttp.ClientSession() as session:
        outcome = await deliver(Delivery("d-1", "telegram_chat", target, event, {"code": code}, 1, agency), session)
    assert isinstance(outcome, Delivered)
    return fake_api.calls("sendMessage")[-1].params


async def test_the_ticket_message_carries_terima_bukan_wewenang_and_buka(tg_client, tg_runtime, fake_api, seeded):
    """sendMessage to the agency's group carries the inline keyboard as JSON: the two moves, then Buka, a URL button
    to the ticket's page in the inbox."""
    sent = await send_ticket(tg_runtime, fake_api)
    assert str(sent["chat_id"]) == GROUP and CODE in sent["text"]
    assert keyboard_of(sent) == [
        [{"text": "Terima", "callback_data": f"ack:{CODE}"}, {"text": "Bukan wewenang", "callback_data": f"ret:{CODE}"}],
        [{"text": "Buka", "url": PAGE}],
    ]


async def test_the_buttons_speak_english_with_language_en(tg_env, sample_config, fake_api):
    """With `language: en` the labels are English; the data stays the same."""
    config = replace(sample_config, settings=sample_config.settings.model_copy(update={"language": "en"}))
    runtime = build_runtime(tg_env, config)
    try:
        with runtime.db.writer.begin() as conn:
            ticket(conn, CODE, datetime.now(timezone.utc))
        sent = await send_ticket(runtime, fake_api)
        assert keyboard_of(sent) == [
            [{"text": "Acknowledge", "callback_data": f"ack:{CODE}"},
             {"text": "Not our authority", "callback_data": f"ret:{CODE}"}],
            [{"text": "Open", "url": PAGE}],
        ]
    finally:
        await close_bots()
        runtime.readers.shutdown(wait=True)
        runtime.db.dispose()


async def test_messages_not_for_the_holding_agency_carry_only_buka(tg_client, tg_runtime, fake_api, seeded):
    """An escalation to another agency and a ticket sent to the triage team get no moves; the team's Buka opens the
    console."""
    escalated = await send_ticket(tg_runtime, fake_api, event="ticket.escalated", agency="dinkes-ntb",
                                  target="-1001000000010")
    assert keyboard_of(escalated) == [[{"text": "Buka", "url": PAGE}]]
    triage = tg_runtime.config.triage
    to_triage = await send_ticket(tg_runtime, fake_api, event="ticket.triage", agency=triage, target="-1001000000001")
    assert keyboard_of(to_triage) == [[{"text": "Buka", "url": f"http://aduan.test/dashboard/complaints/{CODE}"}]]


async def test_an_acknowledged_ticket_offers_only_bukan_wewenang(tg_client, tg_runtime, fake_api, seeded):
    """A follow-up of a ticket already acknowledged offers the return and Buka, not Terima."""
    with tg_runtime.db.writer.begin() as conn:
        conn.execute(m.Complaint.__table__.update().where(m.Complaint.code == CODE).values(status="acknowledged"))
    sent = await send_ticket(tg_runtime, fake_api, event="ticket.updated")
    assert keyboard_of(sent) == [[{"text": "Bukan wewenang", "callback_data": f"ret:{CODE}"}],
                                 [{"text": "Buka", "url": PAGE}]]


async def test_a_public_address_telegram_refuses_on_a_button_leaves_out_buka(tg_env, sample_config, fake_api):
    """With a public address Telegram will not put on a button (a host without a dot), the ticket goes with its
    moves and without Buka: the link in its text stays."""
    runtime = build_runtime(with_env(tg_env, public_url="http://localhost:8080"), sample_config)
    try:
        with runtime.db.writer.begin() as conn:
            ticket(conn, CODE, datetime.now(timezone.utc))
        local = await send_ticket(runtime, fake_api)
        assert [[b["text"] for b in row] for row in keyboard_of(local)] == [["Terima", "Bukan wewenang"]]
        assert "http://localhost:8080/agency/tickets/" in local["text"]
    finally:
        await close_bots()
        runtime.readers.shutdown(wait=True)
        runtime.db.dispose()


async def test_a_button_link_refused_by_telegram_is_sent_again_without_it(tg_client, tg_runtime, fake_api, seeded):
    """Telegram's BUTTON_URL_INVALID for Buka: the same message goes again with the moves only."""
    fake_api.script("sendMessage", 400, {"ok": False, "error_code": 400, "description": "Bad Request: BUTTON_URL_INVALID"})
    sent = await send_ticket(tg_runtime, fake_api)
    first, second = fake_api.calls("sendMessage")
    assert [b["text"] for row in keyboard_of(first.params) for b in row] == ["Terima", "Bukan wewenang", "Buka"]
    assert keyboard_of(second.params) == [[{"text": "Terima", "callback_data": f"ack:{CODE}"},
                                           {"text": "Bukan wewenang", "callback_data": f"ret:{CODE}"}]]
    assert second.params["text"] == first.params["text"] == sent["text"]


# --- Terima ---------------------------------------------------------------------------------------


async def test_a_linked_officers_terima_acknowledges_in_their_name(tg_client, tg_runtime, fake_api, post_update, seeded):
    """The press acknowledges the ticket, one timeline step with the officer's name, the callback is answered and
    the group message is edited to say who did it, with Terima gone."""
    await post(tg_client, post_update, update("callback_query__ack"))

    row = stored(tg_runtime)
    assert row["status"] == "acknowledged" and row["acknowledged_at"] is not None
    last = steps(tg_runtime)[-1]
    assert (last["type"], last["status"], last["actor"]) == ("status", "acknowledged", f"user:{seeded['officer_id']}")
    assert last["by"] == {"type": "user", "name": OFFICER, "role": "agency", "agency": AGENCY}
    assert answers(fake_api) == [("6201843709183746001", f"Diterima atas nama {OFFICER}.", False)]

    [edit] = fake_api.calls("editMessageText")
    assert (str(edit.params["chat_id"]), int(edit.params["message_id"])) == (GROUP, TICKET_MESSAGE)
    original = json.loads(fixture_bytes("callback_query__ack"))["callback_query"]["message"]
    head, _, line = edit.params["text"].rpartition("\n\n")
    assert head == original["text"]
    assert re.fullmatch(f"Diterima oleh {OFFICER}, {DONE_AT}", line)
    entities = json.loads(edit.params["entities"])
    assert entities[:3] == original["entities"]
    assert entities[3] == {"type": "bold", "offset": units(head + "\n\n"), "length": units(line)}
    assert keyboard_of(edit.params) == [[{"text": "Bukan wewenang", "callback_data": f"ret:{CODE}"}],
                                        [{"text": "Buka", "url": PAGE}]]


async def test_a_redelivered_press_is_a_no_op_answered_already(tg_client, tg_runtime, fake_api, post_update, seeded):
    """Telegram sending the press again, or the officer pressing twice at once, acknowledges once; every later
    press is answered "Sudah diterima" and edits nothing."""
    body = update("callback_query__ack")
    await post(tg_client, post_update, body)
    await post(tg_client, post_update, body)
    again = [update("callback_query__ack", update_id=820000100 + i, id=f"6201843709183746{100 + i}") for i in range(3)]
    await asyncio.gather(*(post(tg_client, post_update, b) for b in again))

    assert [s["status"] for s in steps(tg_runtime) if s["type"] == "status"] == ["acknowledged"]
    said = [text for _, text, _ in answers(fake_api)]
    assert said == [f"Diterima atas nama {OFFICER}."] + ["Sudah diterima."] * 4
    assert len(fake_api.calls("editMessageText")) == 1


@pytest.mark.parametrize(("label", "sender", "answer"), [
    ("a Telegram user linked to no account", STRANGER_TG,
     "Akun Telegram Anda belum ditautkan ke akun instansi di Aduan. Minta admin menautkannya (user add --telegram-id)."),
    ("an officer whose account is disabled", DISABLED_TG,
     "Akun Telegram Anda belum ditautkan ke akun instansi di Aduan. Minta admin menautkannya (user add --telegram-id)."),
    ("an operator, not an agency's officer", OPERATOR_TG,
     "Akun Telegram Anda belum ditautkan ke akun instansi di Aduan. Minta admin menautkannya (user add --telegram-id)."),
    ("an officer of another agency", FOREIGN_OFFICER_TG, "Tiket ini bukan milik instansi Anda."),
])
async def test_a_press_not_from_the_holding_agencys_officer_changes_nothing(label, sender, answer, tg_client, tg_runtime,
                                                                           fake_api, post_update, seeded):
    """The press is answered with why (as an alert), and the ticket, its timeline and the message stay as they were."""
    before = steps(tg_runtime)
    for fixture in ("callback_query__ack", "callback_query__return"):
        await post(tg_client, post_update, update(fixture, sender=sender))
    assert stored(tg_runtime)["status"] == "assigned" and steps(tg_runtime) == before
    assert [(text, alert) for _, text, alert in answers(fake_api)] == [(answer, True)] * 2
    assert fake_api.calls("editMessageText") == [] and fake_api.calls("sendMessage") == []


async def test_a_press_on_another_agencys_ticket_changes_nothing(tg_client, tg_runtime, fake_api, post_update, seeded):
    """A linked officer pressing a button naming a ticket their agency does not hold (a message of that ticket shown
    in their group) is answered "not yours"; that ticket is unchanged."""
    message = copy.deepcopy(json.loads(fixture_bytes("callback_query__ack"))["callback_query"]["message"])
    message["text"] = message["text"].replace(CODE, OTHER_CODE)
    await post(tg_client, post_update, update("callback_query__ack", data=f"ack:{OTHER_CODE}", message=message))
    assert stored(tg_runtime, OTHER_CODE)["status"] == "assigned"
    assert [s["type"] for s in steps(tg_runtime, OTHER_CODE)] == ["received", "assigned"]
    assert answers(fake_api) == [("6201843709183746001", "Tiket ini bukan milik instansi Anda.", True)]
    assert fake_api.calls("editMessageText") == []


async def test_a_button_naming_another_ticket_than_its_message_is_refused(tg_client, tg_runtime, fake_api, post_update,
                                                                         seeded):
    """Data changed on the way (the message shows one ticket, the button names another) changes nothing."""
    await post(tg_client, post_update, update("callback_query__ack", data=f"ack:{OTHER_CODE}"))
    assert stored(tg_runtime, OTHER_CODE)["status"] == "assigned" and stored(tg_runtime)["status"] == "assigned"
    assert answers(fake_api) == [("6201843709183746001", "Tombol ini tidak berlaku untuk pesan ini.", True)]


async def test_a_press_on_a_message_telegram_no_longer_shows_still_acknowledges(tg_client, tg_runtime, fake_api,
                                                                               post_update, seeded):
    """An inaccessible message (date 0) cannot be edited, but the press is honoured and answered."""
    await post(tg_client, post_update, json.loads(fixture_bytes("callback_query__inaccessible_message")))
    assert stored(tg_runtime)["status"] == "acknowledged"
    assert answers(fake_api) == [("6201843709183746003", f"Diterima atas nama {OFFICER}.", False)]
    assert fake_api.calls("editMessageText") == []


# --- Bukan wewenang -----------------------------------------------------------------------------------


async def ask(client, runtime, post_update, fake_api) -> int:
    """Press Bukan wewenang as the linked officer; return the message id of the bot's question."""
    await post(client, post_update, update("callback_query__return"))
    assert len(fake_api.calls("sendMessage")) == 1
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(m.TelegramQuestion.message_id)).scalar_one()


def reply(question_id: int, sender: int = OFFICER_TG, update_id: int = 820000004, text: str = REASON) -> dict:
    """The officer's message in the group replying to the bot's message `question_id`."""
    body = update("message__group_reply_reason", update_id=update_id, sender=sender, text=text)
    body["message"]["reply_to_message"]["message_id"] = question_id
    return body


async def test_bukan_wewenang_asks_and_the_reply_returns_the_ticket_with_its_reason(tg_client, tg_runtime, fake_api,
                                                                                    post_update, seeded):
    """The press makes the bot ask (a selective ForceReply naming the ticket); the officer's reply to that question
    returns the ticket to triage with the reply as its reason, in their name, and the group message says so."""
    question_id = await ask(tg_client, tg_runtime, post_update, fake_api)
    [question] = fake_api.calls("sendMessage")
    assert str(question.params["chat_id"]) == GROUP and question.params["parse_mode"] == "HTML"
    assert f'<a href="tg://user?id={OFFICER_TG}">{OFFICER}</a>' in question.params["text"]
    assert f"<code>{CODE}</code>" in question.params["text"]
    assert json.loads(question.params["reply_markup"]) == {
        "force_reply": True, "selective": True, "input_field_placeholder": "Alasan bukan wewenang"}
    assert json.loads(question.params["reply_parameters"])["message_id"] == TICKET_MESSAGE
    assert answers(fake_api) == [("6201843709183746002", "Balas pertanyaan bot dengan alasannya.", False)]
    assert stored(tg_runtime)["status"] == "assigned"

    await post(tg_client, post_update, reply(question_id))

    row = stored(tg_runtime)
    assert (row["status"], row["agency"], row["status_reason"]) == ("triage", None, REASON)
    last = steps(tg_runtime)[-1]
    assert (last["type"], last["status"], last["data"]) == ("returned", "triage", {"from": AGENCY, "reason": REASON})
    assert last["by"] == {"type": "user", "name": OFFICER, "role": "agency", "agency": AGENCY}
    [edit] = fake_api.calls("editMessageText")
    assert (str(edit.params["chat_id"]), int(edit.params["message_id"])) == (GROUP, TICKET_MESSAGE)
    line = edit.params["text"].rpartition("\n\n")[2]
    assert re.fullmatch(f"Dikembalikan ke tim verifikasi \\(bukan wewenang\\) oleh {OFFICER}, {DONE_AT}\\. "
                        f"Alasan: {re.escape(REASON)}", line)
    assert "reply_markup" not in edit.params  # no buttons left: the ticket is no longer the agency's
    with tg_runtime.db.reader.connect() as conn:
        told = conn.execute(select(m.Outbox.agency).where(m.Outbox.event == "ticket.triage")).scalars().all()
    assert told and set(told) == {tg_runtime.config.triage}  # the operators are told, on each of their targets
    assert complaints_count(tg_runtime) == 2


async def test_a_reply_to_anything_else_is_ignored(tg_client, tg_runtime, fake_api, post_update, seeded):
    """A reply to another of the bot's messages, a reply to the question by someone else, a plain group message: the
    ticket stays, nothing is opened, nothing is said in the group."""
    question_id = await ask(tg_client, tg_runtime, post_update, fake_api)
    before = steps(tg_runtime)
    group_talk = update("message__group_reply_reason", update_id=820000010)
    del group_talk["message"]["reply_to_message"]
    for body in (reply(TICKET_MESSAGE, update_id=820000011), reply(question_id, sender=FOREIGN_OFFICER_TG,
                                                                    update_id=820000012),
                 reply(question_id, sender=STRANGER_TG, update_id=820000013), group_talk):
        await post(tg_client, post_update, body)
    assert stored(tg_runtime)["status"] == "assigned" and steps(tg_runtime) == before
    assert complaints_count(tg_runtime) == 2
    assert len(fake_api.calls("sendMessage")) == 1 and fake_api.calls("editMessageText") == []

    await post(tg_client, post_update, reply(question_id, update_id=820000014))
    assert stored(tg_runtime)["status"] == "triage"  # the question still takes its officer's answer


async def test_a_redelivered_reply_and_press_act_once(tg_client, tg_runtime, fake_api, post_update, seeded):
    """The press delivered again asks no second question; the reply delivered again returns the ticket once."""
    question_id = await ask(tg_client, tg_runtime, post_update, fake_api)
    await post(tg_client, post_update, update("callback_query__return"))
    assert len(fake_api.calls("sendMessage")) == 1
    assert answers(fake_api)[-1][1] == "Pertanyaan sudah dikirim: balas pesan bot itu dengan alasannya."
    body = reply(question_id)
    await post(tg_client, post_update, body)
    await post(tg_client, post_update, body)
    assert [s["type"] for s in steps(tg_runtime)].count("returned") == 1
    assert len(fake_api.calls("editMessageText")) == 1


async def test_a_reply_after_the_ticket_moved_on_is_refused_in_the_group(tg_client, tg_runtime, fake_api, post_update,
                                                                        seeded):
    """When the ticket was resolved between the question and the answer, it is not returned, and the officer is
    told why in a reply."""
    question_id = await ask(tg_client, tg_runtime, post_update, fake_api)
    with tg_runtime.db.writer.begin() as conn:
        conn.execute(m.Complaint.__table__.update().where(m.Complaint.code == CODE).values(status="resolved"))
    await post(tg_client, post_update, reply(question_id))
    assert stored(tg_runtime)["status"] == "resolved"
    told = fake_api.calls("sendMessage")[-1].params
    assert told["text"] == f"Tiket {CODE} tidak dikembalikan: Tiket ini berstatus Selesai ditindaklanjuti: tidak " \
                           "dapat diubah dari sini"
    assert json.loads(told["reply_parameters"])["message_id"] == 5003


async def test_the_question_that_telegram_refused_is_asked_again_on_the_next_press(tg_client, tg_runtime, fake_api,
                                                                                   post_update, seeded):
    """When sendMessage fails the press is answered so and the next press asks again."""
    fake_api.script("sendMessage", 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})
    await post(tg_client, post_update, update("callback_query__return"))
    assert answers(fake_api)[-1][1:] == ("Pertanyaan tidak terkirim. Coba tekan lagi.", True)
    await post(tg_client, post_update, update("callback_query__return", update_id=820000020, id="6201843709183746020"))
    assert answers(fake_api)[-1][1] == "Balas pertanyaan bot dengan alasannya."
    assert len(fake_api.calls("sendMessage")) == 2


# --- polling --------------------------------------------------------------------------------------


async def test_a_press_fetched_by_polling_is_honoured_and_confirmed(aiohttp_client, tg_env, sample_config, make_app,
                                                                    fake_api):
    """getUpdates asks for callback_query updates too; a press it serves acknowledges the ticket, then is confirmed."""
    runtime = build_runtime(with_env(tg_env, telegram_mode="polling"), sample_config)
    try:
        with runtime.db.writer.begin() as conn:
            ticket(conn, CODE, datetime.now(timezone.utc))
            account(conn, "ahmad.zainuddin@dinkes.mataramkota.example", OFFICER, "agency", AGENCY, OFFICER_TG)
        fake_api.pending = [json.loads(fixture_bytes("callback_query__ack"))]
        await aiohttp_client(make_app(runtime))
        deadline = asyncio.get_running_loop().time() + 10
        while fake_api.pending or not fake_api.calls("editMessageText"):
            assert asyncio.get_running_loop().time() < deadline, "timed out"
            await asyncio.sleep(0.02)
        assert stored(runtime)["status"] == "acknowledged"
        assert "callback_query" in json.loads(fake_api.calls("getUpdates")[0].params["allowed_updates"])
    finally:
        runtime.readers.shutdown(wait=True)
        runtime.db.dispose()


# --- the pieces, without a server -----------------------------------------------------------------


def test_the_fixtures_read_as_a_press_and_an_answer():
    """The documented callback_query becomes a Press with its message; the reply to the bot an Answer."""
    pressed = parse(fixture_bytes("callback_query__ack"), BOT_USERNAME)
    assert isinstance(pressed, Press)
    assert (pressed.query_id, pressed.user_id, pressed.action, pressed.code, pressed.chat_id, pressed.message_id) == (
        "6201843709183746001", str(OFFICER_TG), "ack", CODE, int(GROUP), TICKET_MESSAGE)
    assert pressed.text.startswith(f"Aduan baru · {CODE}") and len(pressed.entities) == 3
    gone = parse(fixture_bytes("callback_query__inaccessible_message"), BOT_USERNAME)
    assert (gone.chat_id, gone.message_id, gone.text) == (int(GROUP), 4001, None)
    replied = parse(fixture_bytes("message__group_reply_reason"), BOT_USERNAME)
    assert replied == Answer(820000004, int(GROUP), 5003, 1001, str(OFFICER_TG), REASON)
    # A reply to another bot's message is group talk, as before.
    other_bot = json.loads(fixture_bytes("message__group_reply_reason"))
    other_bot["message"]["reply_to_message"]["from"]["username"] = "SomeOtherBot"
    assert parse(json.dumps(other_bot).encode(), BOT_USERNAME) == Ignored("group message not addressed to the bot",
                                                                          ref=820000004)


@pytest.mark.parametrize("data", ["ack:", "ack:NTB-GRP0000", "del:NTB-GRP00001", "ack:NTB-GRP00001:x", "ack" * 30,
                                  "ack NTB-GRP00001", ""])
def test_data_that_is_not_one_of_our_buttons_is_not_read(data):
    """Only "<action>:<code>" with one of our actions and a well-formed code is a button."""
    assert read_button(data) is None


def test_button_data_fits_telegrams_limit():
    """The longest code there can be still fits callback_data's 64 bytes, and reads back as written."""
    longest = "ABCDEFGH-0123ABCD"
    for action in ("ack", "ret"):
        assert len(button_data(action, longest).encode()) <= MAX_DATA_BYTES
        assert read_button(button_data(action, longest)) == (action, longest)


def test_the_edited_message_keeps_within_4096_units_and_its_entities():
    """A message already at the limit is cut to make room for the line; entities past the cut go, one across it is
    shortened, the line is bold."""
    text = "😀" * 2000 + "x" * 96  # 4,096 UTF-16 units
    entities = [{"type": "bold", "offset": 0, "length": 4}, {"type": "italic", "offset": 3990, "length": 100},
                {"type": "code", "offset": 4094, "length": 2}]
    line = f"Diterima oleh {OFFICER}, 3 Des 14.05"
    new_text, new_entities = edited_message(text, entities, line)
    assert units(new_text) <= MAX_TEXT and new_text.endswith("…\n\n" + line)
    kept = units(new_text) - units("…\n\n" + line)
    assert new_entities[:2] == [{"type": "bold", "offset": 0, "length": 4},
                                {"type": "italic", "offset": 3990, "length": kept - 3990}]
    assert new_entities[2] == {"type": "bold", "offset": units(new_text) - units(line), "length": units(line)}
    assert len(new_entities) == 3
