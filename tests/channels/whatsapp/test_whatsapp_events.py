"""What a WhatsApp document leaves behind: its media id, type and name, the raw body, a reply to the wa_id.

The table of every documented notification runs for each Meta channel in tests/channels/meta/test_meta_events.py.
"""

from __future__ import annotations

from sqlalchemy import select

from store import models
from tests.channels.whatsapp.whatsapp_events import WA


async def test_media_id_is_kept_and_the_reply_goes_to_the_wa_id(channel, channel_client, channel_runtime):
    """A document is kept as its media id, type and name; the acknowledgement goes to the sender's wa_id."""
    body = channel.fixture("messages__document")
    assert (await channel.post(channel_client, body)).status == 200
    with channel_runtime.db.reader.connect() as conn:
        attachment = conn.execute(select(models.Attachment.kind, models.Attachment.content_type,
                                         models.Attachment.channel_ref, models.Attachment.name)).one()
        raw = conn.execute(select(models.InboundMessage.raw)).scalar_one()
        reply = conn.execute(select(models.Outbox.transport, models.Outbox.target)
                             .where(models.Outbox.audience == "citizen")).one()
    assert tuple(attachment) == ("document", "application/pdf", "1003383421387260", "surat_désa.pdf")
    assert raw == body.decode()
    assert tuple(reply) == ("whatsapp", WA)
