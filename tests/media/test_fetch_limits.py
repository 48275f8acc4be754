"""What the media fetcher refuses and retries (SPEC 16): a file over `max_attachment_bytes` is refused while it
streams, a host no setting names is never requested, a failure worth retrying is retried, a final one is kept with
its reason; an anonymous reporter's photo loses its metadata, and the attachments quota holds."""

from __future__ import annotations

import asyncio
import tracemalloc
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app.build import collect_fetchers, media_hosts
from channels import REGISTRY
from config.models import Settings
from media.worker import MediaFetcher
from store.models import Attachment
from tests.media import payloads
from tests.media.conftest import attachment
from tests.media.fakes import MB, gps_of, jpeg


async def fetch_one(runtime, msg, now=None) -> dict:
    """Take the message in, run one round of the fetcher, return the attachment row."""
    await runtime.intake.accept(msg)
    await runtime.media.run_once(now)
    return attachment(runtime)


@pytest.mark.parametrize("chunked", [False, True], ids=["announced", "chunked"])
async def test_a_30_mb_file_is_refused_at_the_cap_without_reading_it_all(media_client, media_runtime, provider,
                                                                         chunked):
    cap = media_runtime.config.settings.max_attachment_bytes
    url = f"{provider.url}/big/jalan.jpg" + ("?chunked=1" if chunked else "")
    tracemalloc.start()
    try:
        row = await fetch_one(media_runtime, payloads.messenger_image(url))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    async with asyncio.timeout(10):
        await provider.big.done.wait()  # the fake's handler has seen the client go
    assert (row["fetch_state"], row["fetch_error"]) == ("dead", f"over the size limit of {cap} bytes")
    assert row["stored_path"] is None
    assert not provider.big.complete and provider.big.sent < 30 * MB
    assert peak < 30 * MB  # the whole body was never held
    assert not list((Path(media_runtime.env.var_dir) / "attachments").rglob("*.*"))


async def test_a_payload_naming_an_unconfigured_host_is_never_requested(media_client, media_runtime, provider,
                                                                        elsewhere):
    elsewhere.files["jalan.jpg"] = jpeg()
    row = await fetch_one(media_runtime, payloads.messenger_image(f"{elsewhere.url}/cdn/jalan.jpg"))
    assert (row["fetch_state"], row["fetch_error"]) == ("dead", "host not allowed")
    assert row["channel_ref"] == f"{elsewhere.url}/cdn/jalan.jpg"  # kept as the reference
    assert elsewhere.seen == [] and provider.media_requests() == []


async def test_a_redirect_to_an_unconfigured_host_is_not_followed(media_client, media_runtime, provider, elsewhere):
    elsewhere.files[payloads.TWILIO_MEDIA] = jpeg()
    provider.redirect_to = f"{elsewhere.url}/twilio-media/{payloads.TWILIO_MEDIA}"
    row = await fetch_one(media_runtime, payloads.twilio_mms(provider.url))
    assert (row["fetch_state"], row["fetch_error"]) == ("dead", "host not allowed")
    assert len(provider.media_requests()) == 1 and elsewhere.seen == []


async def test_a_server_error_is_retried_and_the_file_stored_at_the_next_try(media_client, media_runtime, provider):
    provider.files["jalan.jpg"] = jpeg()
    provider.fail_first["jalan.jpg"] = 1
    row = await fetch_one(media_runtime, payloads.messenger_image(f"{provider.url}/cdn/jalan.jpg"))
    assert (row["fetch_state"], row["fetch_attempts"]) == ("failed", 1)
    assert row["fetch_error"].startswith("HTTP 500") and row["fetch_next_at"] > row["created_at"]
    assert await media_runtime.media.run_once(row["fetch_next_at"] - timedelta(milliseconds=1)) == 0  # not due yet
    assert await media_runtime.media.run_once(row["fetch_next_at"]) == 1
    row = attachment(media_runtime)
    assert (row["fetch_state"], row["fetch_attempts"], row["fetch_error"]) == ("stored", 2, None)


async def test_a_fetch_failing_past_the_retry_horizon_is_given_up(media_client, media_runtime, provider):
    provider.files["jalan.jpg"] = jpeg()
    provider.fail_first["jalan.jpg"] = 1
    await media_runtime.intake.accept(payloads.messenger_image(f"{provider.url}/cdn/jalan.jpg"))
    created = attachment(media_runtime)["created_at"]
    await media_runtime.media.run_once(created + timedelta(hours=72))
    row = attachment(media_runtime)
    assert row["fetch_state"] == "dead" and row["fetch_error"].startswith("gave up: HTTP 500")


@pytest.mark.parametrize(("served", "reason"), [
    (None, "HTTP 404: Not Found"),  # Meta's link expired: final
    (b"PK\x03\x04" + bytes(200), "type not accepted"),  # a zip, not a photo
    (b"\xff\xd8\xff\xe0 not really a jpeg", "image refused: cannot "),  # a JPEG's first bytes, then nothing
])
async def test_a_final_failure_is_dead_with_its_reason(media_client, media_runtime, provider, served, reason):
    if served is not None:
        provider.files["jalan.jpg"] = served
    row = await fetch_one(media_runtime, payloads.messenger_image(f"{provider.url}/cdn/jalan.jpg"))
    assert (row["fetch_state"], row["stored_path"]) == ("dead", None)
    assert row["fetch_error"].startswith(reason), row["fetch_error"]


async def test_media_of_a_gateway_without_a_fetcher_is_dead_with_the_reason(media_client, media_runtime, provider):
    provider.files[payloads.TWILIO_MEDIA] = jpeg()
    msg = replace(payloads.twilio_mms(provider.url), reply_via="sms-vonage")
    row = await fetch_one(media_runtime, msg)
    assert (row["fetch_state"], row["fetch_error"]) == ("dead", "no fetcher for sms-vonage")
    assert provider.media_requests() == []


@pytest.mark.parametrize("anonymous", [True, False], ids=["anonymous", "named"])
async def test_an_anonymous_reporters_photo_is_stored_without_its_exif(media_client, media_runtime, provider,
                                                                       anonymous):
    provider.files["jalan.jpg"] = jpeg(gps=True)
    assert gps_of(provider.files["jalan.jpg"])  # the photo as sent says where it was taken
    msg = payloads.messenger_image(f"{provider.url}/cdn/jalan.jpg", anonymous=anonymous)
    row = await fetch_one(media_runtime, msg)
    assert (row["fetch_state"], row["anonymous"]) == ("stored", anonymous)
    stored = (Path(media_runtime.env.var_dir) / row["stored_path"]).read_bytes()
    # An anonymous reporter's photo keeps only its pixels; a named reporter's keeps where it was taken (SPEC 4).
    assert bool(gps_of(stored)) is (not anonymous)


async def test_past_the_attachments_quota_a_file_is_not_kept(media_client, media_runtime, media_env, provider):
    provider.files["jalan.jpg"] = jpeg()
    fetcher = MediaFetcher(media_runtime.db, collect_fetchers(media_env, REGISTRY), media_hosts(media_env),
                           media_env.var_dir, lambda: Settings(attachments_quota_bytes=100))
    await media_runtime.intake.accept(payloads.messenger_image(f"{provider.url}/cdn/jalan.jpg"))
    assert await fetcher.run_once() == 1
    row = attachment(media_runtime)
    assert (row["fetch_state"], row["fetch_error"], row["stored_path"]) == ("dead", "attachments quota reached", None)
    assert not list((Path(media_env.var_dir) / "attachments").rglob("*.*"))


async def test_a_fetch_whose_lease_ran_out_is_claimed_again(media_client, media_runtime, provider):
    provider.files["jalan.jpg"] = jpeg()
    await media_runtime.intake.accept(payloads.messenger_image(f"{provider.url}/cdn/jalan.jpg"))
    now = attachment(media_runtime)["created_at"]
    with media_runtime.db.writer.begin() as conn:  # as a fetcher that stopped mid-fetch left it
        conn.execute(update(Attachment).values(fetch_state="fetching", fetch_attempts=1,
                                               fetch_lease_until=now + timedelta(minutes=5)))
    assert await media_runtime.media.run_once(now + timedelta(minutes=1)) == 0  # still leased
    assert await media_runtime.media.run_once(now + timedelta(minutes=6)) == 1
    row = attachment(media_runtime)
    assert (row["fetch_state"], row["fetch_attempts"]) == ("stored", 2)
