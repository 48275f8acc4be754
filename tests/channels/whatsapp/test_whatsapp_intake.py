"""What a citizen and an operator see after WhatsApp notifications: commands, captions, places, edits and chatter."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from store import models as m


def rows(runtime, *columns, where=()):
    with runtime.db.reader.connect() as conn:
        return conn.execute(select(*columns).where(*where).order_by(columns[0].table.c.id)).all()


def citizen_replies(runtime) -> list[tuple[str, str]]:
    """The replies queued to the citizen, as (event, text)."""
    return [(r.event, r.payload["text"]) for r in rows(runtime, m.Outbox.event, m.Outbox.payload,
                                                        where=(m.Outbox.audience == "citizen",))]


def text_message(channel, text: str, wamid: str, media: dict | None = None) -> bytes:
    """A notification of one message from the fixtures' citizen, text or (with `media`) an image and its caption."""
    body = json.loads(channel.fixture("messages__text"))
    message = body["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = wamid
    if media is None:
        message["text"]["body"] = text
    else:
        del message["text"]
        message.update(type="image", image=dict(media, caption=text))
    return json.dumps(body).encode()


async def post(channel, client, body: bytes) -> int:
    """POST a signed body to the WhatsApp webhook and return the status."""
    return (await channel.post(client, body)).status


@pytest.mark.parametrize("text", ["STATUS NTB-7K3QX9P2", "/start", "halo", "Info"])
async def test_a_command_sent_again_is_answered_200_and_answered_once(channel, channel_client, channel_runtime, text):
    """A command redelivered by Meta is answered 200 each time (never a 503 loop), and the citizen hears back once."""
    body = text_message(channel, text, "wamid.CMD0001")
    assert [await post(channel, channel_client, body) for _ in range(3)] == [200, 200, 200]
    assert len(citizen_replies(channel_runtime)) == 1
    assert rows(channel_runtime, m.Complaint.id) == []


@pytest.mark.parametrize("caption", ["Check out my new phone!", "Status jalan rusak", "cek NTB-7K3QX9P2"])
async def test_a_photo_whose_caption_starts_with_a_command_word_is_a_complaint(channel, channel_client, channel_runtime,
                                                                                caption):
    """A photo captioned like a command opens a complaint with its caption and its photo; the citizen gets a code."""
    media = {"mime_type": "image/jpeg", "id": "1003383421387299"}
    assert await post(channel, channel_client, text_message(channel, caption, "wamid.IMG0009", media)) == 200
    ((cid, text),) = rows(channel_runtime, m.Complaint.id, m.Complaint.text)
    assert text == caption
    assert rows(channel_runtime, m.Attachment.kind, m.Attachment.channel_ref) == [("image", "1003383421387299")]
    ((event, reply),) = citizen_replies(channel_runtime)
    assert event == "citizen.ack" and "NTB-" in reply


async def test_the_issue_fixture_check_out_my_new_phone_is_stored(channel, channel_client, channel_runtime):
    """The WhatsApp photo captioned "Check out my new phone!" is a complaint, never "code OUTMY-NEWPH0NE not found"."""
    assert await post(channel, channel_client, channel.fixture("messages__image_caption_check")) == 200
    assert [r.text for r in rows(channel_runtime, m.Complaint.text)] == ["Check out my new phone!"]
    assert all("tidak ditemukan" not in text for _, text in citizen_replies(channel_runtime))


async def test_cek_followed_by_words_is_a_complaint_routed_by_its_words(channel, channel_client, channel_runtime):
    """"Cek jalan berlubang di Selong" opens a complaint routed to the roads office, not a status answer."""
    body = text_message(channel, "Cek jalan berlubang di Selong, Lombok Timur", "wamid.CEK01")
    assert await post(channel, channel_client, body) == 200
    ((agency, text),) = rows(channel_runtime, m.Complaint.agency, m.Complaint.text)
    assert agency == "pupr-lotim" and text.startswith("Cek jalan")


async def test_a_location_sent_after_the_text_is_the_complaints_place(channel, channel_client, channel_runtime):
    """A text, then a location from the same sender: the complaint gets the place, and the follow-up keeps its name."""
    assert await post(channel, channel_client, channel.fixture("messages__text")) == 200
    assert await post(channel, channel_client, channel.fixture("messages__location")) == 200
    ((code, lat, lon),) = rows(channel_runtime, m.Complaint.code, m.Complaint.lat, m.Complaint.lon)
    assert (lat, lon) == (-8.5833, 116.1167)
    (followup,) = rows(channel_runtime, m.FollowUp.text)
    assert followup.text == "[lokasi] Pasar Renteng, Jl. Gajah Mada, Praya"
    assert len(citizen_replies(channel_runtime)) == 1  # the acknowledgement; a follow-up is not answered


async def test_a_later_location_does_not_move_a_complaint_that_has_one(channel, channel_client, channel_runtime):
    """The complaint's first place stays: a second location is kept as a follow-up only."""
    assert await post(channel, channel_client, channel.fixture("messages__location")) == 200
    moved = channel.fixture("messages__location").replace(b"wamid.LOC0001", b"wamid.LOC0002").replace(b"-8.5833", b"-8.1111")
    assert await post(channel, channel_client, moved) == 200
    assert [(r.lat, r.lon) for r in rows(channel_runtime, m.Complaint.lat, m.Complaint.lon)] == [(-8.5833, 116.1167)]


async def test_an_error_notice_beside_a_text_does_not_lose_the_text(channel, channel_client, channel_runtime):
    """Meta's error notice (interactive with no interactive object) is ignored; the citizen's text beside it is stored."""
    body = channel.fixture("messages__error_beside_text")
    assert await post(channel, channel_client, body) == 200
    assert [r.provider_message_id for r in rows(channel_runtime, m.InboundMessage.provider_message_id)] == ["wamid.TEXT0002"]
    assert rows(channel_runtime, m.Complaint.text)[0].text.startswith("Air PDAM mati")
    assert await post(channel, channel_client, body) == 200  # redelivered: still one complaint
    assert len(rows(channel_runtime, m.Complaint.id)) == 1


async def test_a_message_without_a_sender_is_ignored_and_its_neighbour_stored(channel, channel_client, channel_runtime):
    """A message with neither `from` nor `from_user_id` is skipped; the next message of the delivery is stored."""
    assert await post(channel, channel_client, channel.fixture("messages__without_sender")) == 200
    assert [r.provider_message_id for r in rows(channel_runtime, m.InboundMessage.provider_message_id)] == ["wamid.TEXT0003"]


async def test_group_messages_are_ignored(channel, channel_client, channel_runtime):
    """A message in a WhatsApp group opens nothing and gets no private acknowledgement."""
    assert await post(channel, channel_client, channel.fixture("messages__group_text")) == 200
    assert rows(channel_runtime, m.InboundMessage.id) == [] and citizen_replies(channel_runtime) == []


async def test_an_edit_is_a_followup_of_the_original_complaint(channel, channel_client, channel_runtime):
    """An edited text joins the complaint of the message it edits, with its new words; redelivered, it joins once."""
    assert await post(channel, channel_client, channel.fixture("messages__text")) == 200
    edit = channel.fixture("messages__edit_text")
    assert await post(channel, channel_client, edit) == 200
    assert await post(channel, channel_client, edit) == 200
    (complaint,) = rows(channel_runtime, m.Complaint.id)
    (followup,) = rows(channel_runtime, m.FollowUp.complaint_id, m.FollowUp.text)
    assert followup.complaint_id == complaint.id and "Lombok Timur" in followup.text


async def test_an_edited_caption_keeps_its_photo_on_the_complaint(channel, channel_client, channel_runtime):
    """An edit of a photo's caption is a follow-up with the new caption; the photo stays on the complaint."""
    assert await post(channel, channel_client, channel.fixture("messages__image")) == 200
    assert await post(channel, channel_client, channel.fixture("messages__edit_image_caption")) == 200
    (followup,) = rows(channel_runtime, m.FollowUp.text)
    assert followup.text == "Lubang di depan SDN 2 Praya, sudah 3 bulan"
    assert {r.channel_ref for r in rows(channel_runtime, m.Attachment.channel_ref)} == {"1003383421387256"}


async def test_the_older_voice_type_is_kept_as_a_voice_note(channel, channel_client, channel_runtime):
    """A `type: voice` message opens a complaint "[pesan suara]" with the voice note's media id."""
    assert await post(channel, channel_client, channel.fixture("messages__voice_legacy")) == 200
    assert [r.text for r in rows(channel_runtime, m.Complaint.text)] == ["[pesan suara]"]
    assert rows(channel_runtime, m.Attachment.kind, m.Attachment.channel_ref) == [("voice", "1458771208239190")]
