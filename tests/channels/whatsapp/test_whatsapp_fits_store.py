"""A WhatsApp notification of odd bytes (a lone surrogate escape, ids past their columns) is stored once and answered
200, never a 503 Meta would retry for ever (intake/fit.py)."""

from __future__ import annotations

from sqlalchemy import func, select

from intake.fit import SENDER_ID
from store import models
from tests.channels.whatsapp.whatsapp_channel import notification


async def test_a_whatsapp_message_of_odd_bytes_is_stored_and_a_redelivery_is_one_row(channel, channel_client,
                                                                                    channel_runtime):
    """A lone surrogate escape in the text and name and a wa_id past its column: 200, one complaint; the same
    notification again is a duplicate, not a second complaint and not a 503."""
    wa_id, wamid = "6" * 180, "wamid." + "A" * 190
    body = notification({"contacts": [{"wa_id": wa_id, "profile": {"name": "Nurul \ud800"}}],
                         "messages": [{"from": wa_id, "id": wamid, "timestamp": "1764028800", "type": "text",
                                       "text": {"body": "Jembatan \ud800 putus di Aikmel"}}]})
    assert b"\\ud800" in body
    for _ in range(2):
        assert (await channel.post(channel_client, body)).status == 200
    with channel_runtime.db.reader.connect() as conn:
        rows = conn.execute(select(models.InboundMessage.provider_message_id, models.InboundMessage.sender_id)).all()
        text = conn.execute(select(models.Complaint.text)).scalar_one()
        complaints = conn.execute(select(func.count()).select_from(models.Complaint)).scalar_one()
    assert complaints == 1 and len(rows) == 1
    assert rows[0].provider_message_id == wamid and len(rows[0].sender_id) == SENDER_ID
    assert text == "Jembatan \ufffd putus di Aikmel"
