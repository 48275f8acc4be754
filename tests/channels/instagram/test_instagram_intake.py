"""What Instagram Direct messages leave behind: a photo kept as its URL, the raw body, the reply to the IGSID.

The table of every documented event runs for each Meta channel in tests/channels/meta/test_meta_events.py.
"""

from __future__ import annotations

from sqlalchemy import select

from store import models
from tests.channels.instagram.instagram_events import CDN, IGSID


async def test_a_photo_is_kept_as_its_url_with_the_raw_body(channel, channel_client, channel_runtime):
    """A photo is kept on the complaint as its URL, and the raw body is stored exactly as Meta sent it."""
    body = channel.fixture("message__image")
    assert (await channel.post(channel_client, body)).status == 200
    with channel_runtime.db.reader.connect() as conn:
        attachment = conn.execute(select(models.Attachment.kind, models.Attachment.channel_ref)).one()
        raw = conn.execute(select(models.InboundMessage.raw)).scalar_one()
        complaint = conn.execute(select(models.Complaint.channel)).scalar_one()
    assert tuple(attachment) == ("image", CDN + "1001&signature=abc")
    assert raw == body.decode() and complaint == "instagram"


async def test_the_acknowledgement_goes_back_to_the_igsid_on_instagram(channel, channel_client, channel_runtime):
    """The citizen's acknowledgement is queued for Instagram, to the IGSID that wrote."""
    assert (await channel.post(channel_client, channel.fixture("message__text"))).status == 200
    with channel_runtime.db.reader.connect() as conn:
        rows = conn.execute(select(models.Outbox.transport, models.Outbox.target)
                            .where(models.Outbox.audience == "citizen")).all()
    assert [tuple(r) for r in rows] == [("instagram", IGSID)]


async def test_an_edit_joins_the_complaint_of_the_message_it_edits(channel, channel_client, channel_runtime):
    """An edited message is a follow-up of its sender's complaint, not a second complaint."""
    for name in ("message__text", "message_edit__text"):
        assert (await channel.post(channel_client, channel.fixture(name))).status == 200
    with channel_runtime.db.reader.connect() as conn:
        complaints = conn.execute(select(models.Complaint.id)).all()
        messages = conn.execute(select(models.InboundMessage.provider_message_id)).scalars().all()
    assert len(complaints) == 1 and "edit:ig_TEXT0002:1" in messages
