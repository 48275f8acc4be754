"""POST /webhooks/telegram: only Telegram gets in, every update is stored once, replies go out through the Bot API."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import aiohttp
import pytest
from sqlalchemy import select
from telegram import Chat, Location, Message, Update, User, Venue

from app.build import build_runtime
from channels.telegram import deliverers
from providers.outcome import Delivered, Delivery
from store import models
from store.db import StoreUnavailable
from telegram_fakes import SECRET, TOKEN, fixture_bytes
from tests.conftest import channel_settings, with_env


def update(update_id: int, chat_id: int, message_id: int, text: str) -> bytes:
    """Return a private text update as Telegram posts it."""
    return json.dumps({
        "update_id": update_id,
        "message": {"message_id": message_id, "date": 1767225600, "text": text,
                    "from": {"id": chat_id, "is_bot": False, "first_name": "Warga"},
                    "chat": {"id": chat_id, "first_name": "Warga", "type": "private"}},
    }).encode()


@pytest.mark.parametrize(
    ("label", "header"),
    [("missing", None), ("empty", ""), ("wrong", "not-the-secret"), ("other case", SECRET.upper()), ("prefix", SECRET[:10])],
)
async def test_wrong_or_missing_secret_is_refused(label, header, tg_client, tg_runtime, post_update, rows):
    """Without the exact secret-token header the webhook answers 403 and stores nothing."""
    resp = await post_update(tg_client, fixture_bytes("message__text"), secret=header)
    assert resp.status == 403
    assert rows(tg_runtime) == (0, 0, 0)


async def test_channel_off_without_token(make_app, aiohttp_client, runtime, post_update, rows):
    """With no bot token the route does not exist for anyone: 404, nothing stored."""
    app_client = await aiohttp_client(make_app(runtime))
    resp = await post_update(app_client, fixture_bytes("message__text"))
    assert resp.status == 404
    assert rows(runtime) == (0, 0, 0)


async def test_token_without_secret_refuses_every_update(aiohttp_client, tg_env, sample_config, make_app, post_update, rows):
    """A bot token with no webhook secret cannot authenticate Telegram: every update is refused."""
    runtime = build_runtime(with_env(tg_env, telegram_secret=None), sample_config)
    try:
        client = await aiohttp_client(make_app(runtime))
        for header in (None, "", SECRET):
            assert (await post_update(client, fixture_bytes("message__text"), secret=header)).status == 403
        assert rows(runtime) == (0, 0, 0)
    finally:
        runtime.readers.shutdown(wait=True)
        runtime.db.dispose()


async def test_body_over_the_cap_answers_413(tg_client, post_update, tg_runtime, rows):
    """A body far larger than any update is refused before it is parsed."""
    resp = await post_update(tg_client, b"{" + b" " * (300 * 1024) + b"}")
    assert resp.status == 413
    assert rows(tg_runtime) == (0, 0, 0)


async def test_redelivered_update_creates_one_complaint(tg_client, tg_runtime, post_update, rows):
    """The same update ten times in a row and twenty times at once: one complaint, one acknowledgement."""
    body = fixture_bytes("message__text")
    for _ in range(10):
        assert (await post_update(tg_client, body)).status == 200
    resps = await asyncio.gather(*(post_update(tg_client, body) for _ in range(20)))
    assert {r.status for r in resps} == {200}
    assert rows(tg_runtime) == (1, 1, 1)


async def test_concurrent_storm_of_a_new_update_creates_one_complaint(tg_client, tg_runtime, post_update, rows):
    """Twenty concurrent deliveries of an update never seen before still make one complaint."""
    body = fixture_bytes("message__photo_caption")
    resps = await asyncio.gather(*(post_update(tg_client, body) for _ in range(20)))
    assert {r.status for r in resps} == {200}
    assert rows(tg_runtime) == (1, 1, 1)


VENUE_TEXT = "[lokasi] Kantor Camat Suralaga, Jl. Raya Suralaga No. 1, Lombok Timur"


def stored_complaint(runtime):
    """Return the one complaint stored (failing if there is not exactly one)."""
    with runtime.db.reader.connect() as conn:
        [complaint] = conn.execute(select(models.Complaint)).all()
    return complaint


async def test_venue_becomes_one_complaint_with_its_place(tg_client, tg_runtime, post_update, rows):
    """A shared venue is one complaint at the venue's coordinates, its title and address in the text."""
    assert (await post_update(tg_client, fixture_bytes("message__venue"))).status == 200
    assert rows(tg_runtime) == (1, 1, 1)
    complaint = stored_complaint(tg_runtime)
    assert (complaint.text, complaint.lat, complaint.lon) == (VENUE_TEXT, -8.583212, 116.591877)


async def test_redelivered_venue_creates_one_complaint(tg_client, tg_runtime, post_update, rows):
    """The same venue update delivered again answers 200 and still makes one complaint."""
    body = fixture_bytes("message__venue")
    for _ in range(3):
        assert (await post_update(tg_client, body)).status == 200
    assert rows(tg_runtime) == (1, 1, 1)
    assert stored_complaint(tg_runtime).text == VENUE_TEXT


async def test_venue_update_built_by_python_telegram_bot(tg_client, tg_runtime, post_update, rows):
    """A venue update serialized by python-telegram-bot itself (venue without the top-level location) keeps its place."""
    citizen = User(id=5550031, is_bot=False, first_name="Baiq", last_name="Nurul", language_code="id")
    venue = Venue(location=Location(latitude=-8.724417, longitude=116.2771), title="Puskesmas Kediri",
                  address="Jl. Raya Kediri, Lombok Barat", google_place_id="ChIJScrubbedPlaceId000001")
    message = Message(message_id=7, date=datetime(2026, 1, 1, 3, 0, tzinfo=timezone.utc),
                      chat=Chat(id=5550031, type=Chat.PRIVATE, first_name="Baiq"), from_user=citizen, venue=venue)
    body = Update(update_id=810000031, message=message).to_json().encode()
    assert (await post_update(tg_client, body)).status == 200
    assert rows(tg_runtime) == (1, 1, 1)
    complaint = stored_complaint(tg_runtime)
    assert (complaint.text, complaint.lat, complaint.lon, complaint.sender_id) == (
        "[lokasi] Puskesmas Kediri, Jl. Raya Kediri, Lombok Barat", -8.724417, 116.2771, "5550031")


@pytest.mark.parametrize(
    "fixture",
    ["inline_query__old_client", "poll__stopped", "chosen_inline_result__article", "unknown__future_update",
     "callback_query__without_chat_instance", "message__location_as_strings"],
)
async def test_update_we_do_not_take_is_never_refused(fixture, tg_client, tg_runtime, post_update, rows):
    """Update types we ignore, including shapes PTB cannot build, and a message we cannot read answer 200 and store nothing."""
    for _ in range(2):
        assert (await post_update(tg_client, fixture_bytes(fixture))).status == 200
    assert rows(tg_runtime) == (0, 0, 0)


async def test_out_of_order_updates_are_both_kept(tg_client, tg_runtime, post_update, rows):
    """Update N+1 arriving before N is no reason to drop N: ids are never compared as "old"."""
    later = update(900000002, 6660002, 5, "Lampu jalan di Praya mati sejak seminggu")
    earlier = update(900000001, 6660001, 9, "Air PDAM di Selong tidak mengalir tiga hari")
    assert (await post_update(tg_client, later)).status == 200
    assert (await post_update(tg_client, earlier)).status == 200
    assert rows(tg_runtime) == (2, 2, 2)


async def test_same_message_id_in_two_chats_is_two_messages(tg_client, tg_runtime, post_update, rows):
    """message_id is unique only inside a chat: message 1 of two citizens is two complaints."""
    assert (await post_update(tg_client, update(900000011, 6660011, 1, "Jembatan di Lingsar retak"))).status == 200
    assert (await post_update(tg_client, update(900000012, 6660012, 1, "Sekolah di Gerung bocor"))).status == 200
    assert rows(tg_runtime) == (2, 2, 2)


async def test_store_down_answers_503_so_telegram_retries(tg_client, tg_runtime, post_update, rows, monkeypatch):
    """When intake cannot store the message the webhook answers 503, never 200."""

    async def unavailable(_msg):
        raise StoreUnavailable("database is locked")

    monkeypatch.setattr(tg_runtime.intake, "accept", unavailable)
    resp = await post_update(tg_client, fixture_bytes("message__text"))
    assert resp.status == 503
    assert resp.headers["Retry-After"] == "5"
    monkeypatch.undo()
    assert (await post_update(tg_client, fixture_bytes("message__text"))).status == 200
    assert rows(tg_runtime) == (1, 1, 1)


async def test_update_in_acknowledgement_out_through_the_bot_api(tg_client, tg_runtime, fake_api, post_update):
    """End to end: an update is stored as a complaint, and its acknowledgement reaches the chat through sendMessage."""
    resp = await post_update(tg_client, fixture_bytes("message__text"))
    assert resp.status == 200
    with tg_runtime.db.reader.connect() as conn:
        complaint = conn.execute(select(models.Complaint)).one()
        [row] = conn.execute(select(models.Outbox).where(models.Outbox.transport == "telegram")).all()
    assert (complaint.channel, complaint.sender_id, complaint.reply_to) == ("telegram", "5550001", "5550001")
    delivery = Delivery(row.delivery_id, row.transport, row.target, row.event, row.payload, row.attempts, row.agency)
    deliver = deliverers(channel_settings(tg_runtime.env, "telegram"))["telegram"]
    async with aiohttp.ClientSession() as session:
        outcome = await deliver(delivery, session)
    assert isinstance(outcome, Delivered)
    [sent] = fake_api.calls("sendMessage")
    assert sent.path == f"/bot{TOKEN}/sendMessage"
    assert sent.params["chat_id"] == "5550001"
    assert complaint.code in sent.params["text"]
    assert "parse_mode" not in sent.params
