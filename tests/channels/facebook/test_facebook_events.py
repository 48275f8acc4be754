"""What the page's events leave behind: a photo kept as its URL, the raw body, replies to the PSID and to the comment.

The table of every documented event runs for each Meta channel in tests/channels/meta/test_meta_events.py.
"""

from __future__ import annotations

from sqlalchemy import select

from store import models
from tests.channels.facebook.facebook_events import CDN, PSID


async def test_attachments_and_raw_body_are_kept(channel, channel_client, channel_runtime):
    """A photo is kept on the complaint as its URL, and the raw body is stored exactly as Meta sent it."""
    body = channel.fixture("message__image")
    assert (await channel.post(channel_client, body)).status == 200
    with channel_runtime.db.reader.connect() as conn:
        attachment = conn.execute(select(models.Attachment.kind, models.Attachment.channel_ref)).one()
        raw = conn.execute(select(models.InboundMessage.raw)).scalar_one()
    assert tuple(attachment) == ("image", CDN + "jalan.jpg?_nc_cat=1")
    assert raw == body.decode()


async def test_replies_go_to_the_psid_and_to_the_comment(channel, channel_client, channel_runtime):
    """The acknowledgement of a Messenger message goes to the PSID; that of a comment, privately to the comment."""
    for name in ("message__text", "feed__comment"):
        assert (await channel.post(channel_client, channel.fixture(name))).status == 200
    with channel_runtime.db.reader.connect() as conn:
        rows = conn.execute(select(models.Outbox.transport, models.Outbox.target)
                            .where(models.Outbox.audience == "citizen").order_by(models.Outbox.id)).all()
    assert [tuple(r) for r in rows] == [("facebook", PSID), ("facebook-comment", "200_3000001")]
