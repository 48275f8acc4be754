"""What a Messenger user and an operator see: Get Started asks for the instructions, other pages' messages are not ours."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store import models as m


def citizen_replies(runtime) -> list[tuple[str, str]]:
    """The replies queued to Messenger users, as (event, text)."""
    with runtime.db.reader.connect() as conn:
        rows = conn.execute(select(m.Outbox.event, m.Outbox.payload).where(m.Outbox.audience == "citizen")
                            .order_by(m.Outbox.id)).all()
    return [(r.event, r.payload["text"]) for r in rows]


async def post(fb, client, body: bytes) -> int:
    return (await client.post(fb.path, data=body, headers=fb.sign(body))).status


@pytest.mark.parametrize("name", ["postback__get_started", "postback__mulai"])
async def test_get_started_gets_the_instructions_and_opens_nothing(fb, fb_client, fb_runtime, count, name):
    """A new user's Get Started (or "Mulai") is answered with how to complain, once, and no complaint is opened."""
    body = fb.fixture(name)
    assert await post(fb, fb_client, body) == 200
    assert await post(fb, fb_client, body) == 200  # redelivered: answered 200, not answered twice
    assert count(m.Complaint) == 0
    ((event, text),) = citizen_replies(fb_runtime)
    assert event == "citizen.help" and "STATUS" in text


async def test_another_button_is_still_read_as_the_citizens_words(fb, fb_client, fb_runtime, count):
    """A postback that is not Get Started is read by its title, as if typed ("Cek status aduan" alone asks how)."""
    assert await post(fb, fb_client, fb.fixture("postback__button")) == 200
    assert count(m.Complaint) == 0
    ((event, _),) = citizen_replies(fb_runtime)
    assert event == "citizen.help"


async def test_a_message_to_another_page_is_ignored(fb, fb_client, fb_runtime, count):
    """A message whose recipient is not the entry's page is not stored and not answered."""
    assert await post(fb, fb_client, fb.fixture("message__other_page")) == 200
    assert count(m.InboundMessage) == 0 and citizen_replies(fb_runtime) == []
