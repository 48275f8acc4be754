"""Parts of long Vonage messages: kept on disk before the 200, joined once, handed over cut after five minutes."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from channels.sms.http import HANDLERS
from channels.sms.parts import PartSpool
from channels.sms.vonage import Part
from sms_helpers import counts, inbound_rows, load, vonage_params
from store.db import StoreUnavailable

PATH = "/webhooks/sms/vonage"
PART1, PART2 = load("vonage_inbound__concat_part1.json")["text"], load("vonage_inbound__concat_part2.json")["text"]


async def send_part(client, n, **changes):
    """Send part n of the long fixture message, signed and fresh."""
    return await client.get(f"{PATH}?{urlencode(vonage_params(f'vonage_inbound__concat_part{n}.json', **changes))}")


def texts(runtime) -> list[str]:
    """The texts of the stored inbound messages, in order."""
    return [row["normalized"]["text"] for row in inbound_rows(runtime)]


async def test_a_part_is_on_disk_before_its_200(sms_client, sms_env):
    """Once a part is answered 200 it is in the spool under var/, where a restarted service finds it."""
    assert (await send_part(sms_client, 2)).status == 200
    spool = PartSpool(f"{sms_env.var_dir}/sms/vonage-parts")
    [key] = spool.keys()
    group = spool.load(key)
    assert list(group.parts) == [2] and group.parts[2].text == PART2 and not group.complete()


async def test_parts_survive_a_restart(client_with):
    """A part kept by one process is joined with its sibling arriving after a restart."""
    first, runtime = await client_with()
    assert (await send_part(first, 2)).status == 200
    await first.close()
    second, runtime = await client_with()
    assert (await send_part(second, 1)).status == 200
    assert counts(runtime) == (1, 1)
    assert texts(runtime) == [PART1 + PART2]


async def test_incomplete_message_is_handed_over_after_five_minutes(sms_client, sms_runtime):
    """A part whose sibling never comes is not lost: the sweep hands it over with "[…]" for the gap."""
    assert (await send_part(sms_client, 1)).status == 200
    handlers = sms_client.app[HANDLERS]
    assert await handlers.sweep(time.time() + 60) == 0 and counts(sms_runtime) == (0, 0)
    assert await handlers.sweep(time.time() + 301) == 1
    assert texts(sms_runtime) == [PART1 + " […]"]  # PART1 ends with its space
    [row] = inbound_rows(sms_runtime)
    assert row["provider_message_id"] == "vonage:concat:6281234567890:108:0A0000001234AD01"
    assert (await send_part(sms_client, 1)).status == 200  # Vonage retrying part 1: already handed over
    assert counts(sms_runtime) == (1, 1)
    assert await handlers.sweep(time.time() + 90000) == 0
    assert handlers.spool.keys() == []  # the record of handed-over ids is dropped after a day


async def test_store_down_when_the_last_part_arrives_keeps_the_parts(sms_client, sms_runtime, monkeypatch):
    """If the joined message cannot be stored the last part gets 503; Vonage's retry completes it."""
    assert (await send_part(sms_client, 1)).status == 200
    accept = sms_runtime.intake.accept

    async def down(_msg):
        raise StoreUnavailable("database is locked")

    monkeypatch.setattr(sms_runtime.intake, "accept", down)
    assert (await send_part(sms_client, 2)).status == 503
    monkeypatch.setattr(sms_runtime.intake, "accept", accept)
    assert (await send_part(sms_client, 2)).status == 200
    assert texts(sms_runtime) == [PART1 + PART2]


async def test_a_new_message_may_reuse_the_concat_ref(sms_client, sms_runtime):
    """Phones reuse the one-byte ref: a later long message with new ids is joined as a new message."""
    assert (await send_part(sms_client, 1)).status == 200
    assert (await send_part(sms_client, 2)).status == 200
    assert (await send_part(sms_client, 1, messageId="0A0000001234AE01", text="Kedua: ")).status == 200
    assert (await send_part(sms_client, 2, messageId="0A0000001234AE02", text="lampu mati lagi.")).status == 200
    assert texts(sms_runtime) == [PART1 + PART2, "Kedua: lampu mati lagi."]
    ids = [row["provider_message_id"] for row in inbound_rows(sms_runtime)]
    assert ids == ["vonage:concat:6281234567890:108:0A0000001234AD01", "vonage:concat:6281234567890:108:0A0000001234AE01"]


async def test_a_part_arriving_after_the_window_flushes_the_old_group_first(sms_client, sms_runtime):
    """A part whose group has expired unswept: the old parts are handed over, the new part starts afresh."""
    handlers = sms_client.app[HANDLERS]
    old = Part("6281234567890", "6281100001708", "108", 2, 1, "0A0000001234AF01", "Lama ", "raw")
    await handlers._part(old, time.time() - 400)
    assert (await send_part(sms_client, 2)).status == 200
    assert texts(sms_runtime) == ["Lama  […]"]
    assert [p.number for p in handlers.spool.load(handlers.spool.keys()[0]).parts.values()] == [2]


async def test_a_part_that_cannot_be_kept_is_503(sms_client, sms_runtime, monkeypatch):
    """A full or read-only disk: the part gets 503 so Vonage sends it again, never a 200 for a lost part."""
    spool = sms_client.app[HANDLERS].spool

    def full(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(spool, "keep", full)
    assert (await send_part(sms_client, 1)).status == 503
    assert counts(sms_runtime) == (0, 0)


async def test_a_part_spooled_before_numbers_had_plus_still_joins(sms_client, sms_runtime):
    """A part kept by the release that stored "6281…" joins its sibling; the message is stored as "+6281…"."""
    handlers = sms_client.app[HANDLERS]
    # As the previous release wrote it: the msisdn as Vonage sent it names the group and is kept in the part.
    handlers.spool.keep(Part("6281234567890", "6281100001708", "108", 2, 1, "0A0000001234AD01", PART1, "raw"), time.time())
    assert (await send_part(sms_client, 2)).status == 200
    assert texts(sms_runtime) == [PART1 + PART2]
    [row] = inbound_rows(sms_runtime)
    assert row["provider_message_id"] == "vonage:concat:6281234567890:108:0A0000001234AD01"
    assert row["sender_id"] == "+6281234567890"
