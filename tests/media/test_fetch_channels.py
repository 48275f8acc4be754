"""A Telegram photo, a WhatsApp image, a Messenger image and a Twilio MMS each end as a stored file that an operator
can open at /files/{id} and a member of another agency cannot (SPEC sections 14 and 16)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import structlog
from sqlalchemy import select

from app.build import build_runtime, collect_fetchers, media_hosts
from app.server import create_app
from channels import REGISTRY
from media.worker import MediaFetcher
from store.models import Attachment

from tests.media import payloads
from tests.media.conftest import agency_token, attachment, other_agency
from tests.media.fakes import BOT_TOKEN, WA_TOKEN, jpeg
from tests.media.payloads import TWILIO_MEDIA, TWILIO_MESSAGE


async def fetched_and_served(client, runtime, msg, operator_auth, photo: bytes) -> dict:
    """Take the message in, fetch its media once, and check who may open the stored file; return its row."""
    await runtime.intake.accept(msg)
    assert attachment(runtime)["fetch_state"] == "pending"
    assert await runtime.media.run_once() == 1
    row = attachment(runtime)
    assert (row["fetch_state"], row["fetch_error"], row["content_type"]) == ("stored", None, "image/jpeg")
    stored = (Path(runtime.env.var_dir) / row["stored_path"]).read_bytes()
    assert stored.startswith(b"\xff\xd8\xff") and row["size"] == len(stored)
    resp = await client.get(f"/files/{row['id']}", headers=operator_auth)
    assert resp.status == 200 and resp.headers["Content-Type"] == "image/jpeg"
    assert await resp.read() == stored
    if row["agency"] is not None:
        own = await client.get(f"/files/{row['id']}", headers=agency_token(runtime, row["agency"]))
        assert own.status == 200
    other = await client.get(f"/files/{row['id']}", headers=agency_token(runtime, other_agency(runtime, row["agency"])))
    assert other.status == 404
    assert photo != stored  # decoded and written anew, never the bytes as sent
    return row


async def test_a_telegram_photo_is_fetched_with_getfile_and_served(media_client, media_runtime, provider,
                                                                   operator_auth):
    photo = provider.files[payloads.TELEGRAM_FILE_ID] = jpeg()
    row = await fetched_and_served(media_client, media_runtime, payloads.telegram_photo(), operator_auth, photo)
    assert row["channel_ref"] == payloads.TELEGRAM_FILE_ID
    paths = provider.paths()
    assert any(p.endswith("/getFile") for p in paths)
    assert any(p.startswith("/file/bot") and p.endswith(f"photos/{payloads.TELEGRAM_FILE_ID}.jpg") for p in paths)
    assert "bot" not in (row["fetch_error"] or "") and "/file/" not in str(row)


async def test_a_whatsapp_image_is_fetched_with_the_bearer_token_on_both_requests(media_client, media_runtime,
                                                                                  provider, operator_auth):
    photo = provider.files[payloads.WHATSAPP_MEDIA_ID] = jpeg()
    await fetched_and_served(media_client, media_runtime, payloads.whatsapp_image(), operator_auth, photo)
    asked = [(s.path, s.authorization) for s in provider.media_requests()]
    assert asked == [(f"/v26.0/{payloads.WHATSAPP_MEDIA_ID}", f"Bearer {WA_TOKEN}"),
                     ("/lookaside/whatsapp_business/attachments/", f"Bearer {WA_TOKEN}")]


async def test_a_messenger_image_is_fetched_from_its_cdn_url_without_credentials(media_client, media_runtime,
                                                                                 provider, operator_auth):
    photo = provider.files["jalan.jpg"] = jpeg()
    msg = payloads.messenger_image(f"{provider.url}/cdn/jalan.jpg?_nc_cat=1")
    await fetched_and_served(media_client, media_runtime, msg, operator_auth, photo)
    assert [(s.path, s.authorization) for s in provider.media_requests()] == [("/cdn/jalan.jpg", None)]


async def test_a_twilio_mms_follows_the_redirect_to_the_media_host_without_the_credentials(
        media_client, media_runtime, provider, operator_auth):
    photo = provider.files[TWILIO_MEDIA] = jpeg()
    msg = payloads.twilio_mms(provider.url)
    row = await fetched_and_served(media_client, media_runtime, msg, operator_auth, photo)
    assert row["channel_ref"].endswith(f"/Messages/{TWILIO_MESSAGE}/Media/{TWILIO_MEDIA}")
    first, second = provider.media_requests()
    assert first.path.endswith(f"/Media/{TWILIO_MEDIA}") and first.authorization.startswith("Basic ")
    assert (second.path, second.authorization) == (f"/twilio-media/{TWILIO_MEDIA}", None)


async def test_an_mms_without_a_content_type_gets_the_kind_its_bytes_show(media_client, media_runtime, provider):
    provider.files[TWILIO_MEDIA] = jpeg()
    await media_runtime.intake.accept(payloads.twilio_mms(provider.url, content_type=None))
    assert attachment(media_runtime)["kind"] == "unknown"
    await media_runtime.media.run_once()
    row = attachment(media_runtime)
    assert (row["fetch_state"], row["kind"], row["content_type"]) == ("stored", "image", "image/jpeg")


async def test_the_background_fetcher_is_woken_by_intake(aiohttp_client, media_env, sample_config, provider):
    """With the background workers on (ADUAN_OUTBOX_WORKER), a stored message's media is fetched unasked."""
    runtime = build_runtime(replace(media_env, outbox_worker=True), sample_config)
    try:
        await aiohttp_client(create_app(runtime))
        provider.files["jalan.jpg"] = jpeg()
        await runtime.intake.accept(payloads.messenger_image(f"{provider.url}/cdn/jalan.jpg"))
        async with asyncio.timeout(10):
            while attachment(runtime)["fetch_state"] != "stored":
                await asyncio.sleep(0.02)
    finally:
        runtime.readers.shutdown(wait=True)
        runtime.db.dispose()


async def test_two_fetchers_share_the_queue_and_fetch_each_file_once(media_client, media_runtime, media_env, provider):
    """Two instances claiming at once take different rows (a claim's lease keeps the other away)."""
    names = [f"foto-{i}.jpg" for i in range(6)]
    for i, name in enumerate(names):
        provider.files[name] = jpeg()
        await media_runtime.intake.accept(payloads.messenger_image(f"{provider.url}/cdn/{name}", mid=f"m_IMG{i}"))
    other = MediaFetcher(media_runtime.db, collect_fetchers(media_env, REGISTRY), media_hosts(media_env),
                         media_env.var_dir, concurrency=3)
    mine = MediaFetcher(media_runtime.db, collect_fetchers(media_env, REGISTRY), media_hosts(media_env),
                        media_env.var_dir, concurrency=3)
    assert sum(await asyncio.gather(mine.run_once(), other.run_once())) == 6
    assert sorted(s.path for s in provider.media_requests()) == sorted(f"/cdn/{name}" for name in names)
    with media_runtime.db.reader.connect() as conn:
        states = conn.execute(select(Attachment.fetch_state, Attachment.fetch_attempts)).all()
    assert sorted(states) == [("stored", 1)] * 6


async def test_no_bot_token_reaches_a_row_or_a_log_line(media_client, media_runtime, provider):
    """A Telegram file URL holds the bot token: neither a failure's reason nor the log ever shows it."""
    provider.files[payloads.TELEGRAM_FILE_ID] = jpeg()
    provider.fail_first[payloads.TELEGRAM_FILE_ID] = 1
    await media_runtime.intake.accept(payloads.telegram_photo())
    with structlog.testing.capture_logs() as logs:
        await media_runtime.media.run_once()
    row = attachment(media_runtime)
    assert row["fetch_state"] == "failed" and row["fetch_error"].startswith("HTTP 500")
    secret = BOT_TOKEN.partition(":")[2]
    assert secret not in str(row) and secret not in str(logs)
    assert any(line["event"] == "media.retry_scheduled" for line in logs)
