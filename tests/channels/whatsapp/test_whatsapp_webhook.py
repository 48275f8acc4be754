"""What only WhatsApp's webhook does: take a whole 3 MB notification, and store nothing for status callbacks.

The contract every Meta webhook keeps runs for each channel in tests/channels/meta/test_meta_webhooks.py.
"""

from __future__ import annotations

import json

from store import models
from tests.channels.meta.meta_helpers import MAX_BODY
from tests.channels.whatsapp.whatsapp_channel import PHONE_ID, notification
from tests.channels.whatsapp.whatsapp_events import WA


def padded_notification(size: int) -> bytes:
    """Return a real-shaped notification of at least `size` bytes: one message and many status callbacks."""
    message = {"from": WA, "id": "wamid.BIG0001", "timestamp": "1764028800", "type": "text",
               "text": {"body": "Jembatan gantung di Désa Aikmel putus"}}
    status = {"id": "wamid.HBgNNjI4MTIzNDU2Nzg5MBUCABEYEjQ0QTc1RjE3QkU5RTAwMDAwMA==", "status": "delivered",
              "timestamp": "1764028800", "recipient_id": WA,
              "conversation": {"id": "c0ffee0000000001", "origin": {"type": "service"}},
              "pricing": {"billable": False, "pricing_model": "PMP", "category": "service"}}
    per = len(json.dumps(status)) + 2
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881",
             "phone_number_id": PHONE_ID}, "messages": [message], "statuses": [status] * (size // per + 1)}
    return notification(value)


async def test_three_megabyte_payload_is_accepted(channel, channel_client, count):
    """A 3 MB notification (over 3 MiB even) is read whole, verified and stored; the 1 MiB default would refuse it."""
    body = padded_notification(3 * 1024 * 1024 + 1000)
    assert 3 * 1024 * 1024 < len(body) <= MAX_BODY
    assert (await channel.post(channel_client, body)).status == 200
    assert count(models.InboundMessage) == 1


async def test_a_real_shaped_notification_over_the_cap_is_413(channel, channel_client, count):
    """The same notification a little over the cap is refused with 413 and stores nothing."""
    body = padded_notification(MAX_BODY + 10)
    assert len(body) > MAX_BODY
    assert (await channel.post(channel_client, body)).status == 413 and count(models.InboundMessage) == 0


async def test_statuses_alone_store_nothing(channel, channel_client, count):
    """Delivery and read callbacks of our own replies answer 200 and write nothing."""
    for name in ("statuses__delivered", "statuses__failed"):
        assert (await channel.post(channel_client, channel.fixture(name))).status == 200
    assert count(models.InboundMessage) == 0 and count(models.Complaint) == 0
