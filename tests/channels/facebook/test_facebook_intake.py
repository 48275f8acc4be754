"""What a Messenger user and an operator see: Get Started asks for the instructions, a commenter is another sender,
other pages' messages are not ours."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from store import models as m


def citizen_replies(runtime) -> list[tuple[str, str]]:
    """The replies queued to Messenger users, as (event, text)."""
    with runtime.db.reader.connect() as conn:
        rows = conn.execute(select(m.Outbox.event, m.Outbox.payload).where(m.Outbox.audience == "citizen")
                            .order_by(m.Outbox.id)).all()
    return [(r.event, r.payload["text"]) for r in rows]


async def post(channel, client, body: bytes) -> int:
    """POST a signed body to the Facebook webhook and return the status."""
    return (await channel.post(client, body)).status


@pytest.mark.parametrize("name", ["postback__get_started", "postback__mulai"])
async def test_get_started_gets_the_instructions_and_opens_nothing(channel, channel_client, channel_runtime, count,
                                                                   name):
    """A new user's Get Started (or "Mulai") is answered with how to complain, once, and no complaint is opened."""
    body = channel.fixture(name)
    assert await post(channel, channel_client, body) == 200
    assert await post(channel, channel_client, body) == 200  # redelivered: answered 200, not answered twice
    assert count(m.Complaint) == 0
    ((event, text),) = citizen_replies(channel_runtime)
    assert event == "citizen.help" and "STATUS" in text


async def test_another_button_is_still_read_as_the_citizens_words(channel, channel_client, channel_runtime, count):
    """A postback that is not Get Started is read by its title, as if typed ("Cek status aduan" alone asks how)."""
    assert await post(channel, channel_client, channel.fixture("postback__button")) == 200
    assert count(m.Complaint) == 0
    ((event, _),) = citizen_replies(channel_runtime)
    assert event == "citizen.help"


async def test_a_messenger_user_and_a_commenter_are_two_complaints(channel, channel_client, count):
    """A Messenger message, then twenty first deliveries of a comment at once: two senders, complaints and replies."""
    assert await post(channel, channel_client, channel.fixture("message__text")) == 200
    comment = channel.fixture("feed__comment")
    assert await asyncio.gather(*(post(channel, channel_client, comment) for _ in range(20))) == [200] * 20
    assert count(m.InboundMessage) == 2
    assert count(m.Complaint) == 2  # a Messenger PSID and a commenter are different senders
    assert count(m.Outbox, m.Outbox.audience == "citizen") == 2


async def test_a_message_to_another_page_is_ignored(channel, channel_client, channel_runtime, count):
    """A message whose recipient is not the entry's page is not stored and not answered."""
    assert await post(channel, channel_client, channel.fixture("message__other_page")) == 200
    assert count(m.InboundMessage) == 0 and citizen_replies(channel_runtime) == []
