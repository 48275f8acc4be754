"""The citizen's files under the message that carried them (issue 14 part 4, SPEC 14 and 16), on the operator's
complaint page and the agency's ticket page: a stored photo as a small thumbnail linking to /files/{id}, another
stored file as a link with its name and size, one not fetched yet as "sedang diambil", one the fetcher gave up on
with its reason in words. Another agency's officer sees none of it.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from complaints.conversation import conversation, conversation_with_media
from tests.dashboard import reach_seed as data
from tests.dashboard.people import signed_in_client
from tests.workbench import helpers as h

CONSOLE = f"/dashboard/complaints/{data.MEDIA_CODE}"
TICKET = f"/agency/tickets/{data.MEDIA_CODE}"


@pytest.fixture
def media(runtime, env) -> dict[str, int]:
    """NTB-FT000001 with its messages and files, the stored ones under the test's var folder."""
    with runtime.db.writer.begin() as conn:
        return data.conversation_media(conn, env.var_dir, datetime.now(timezone.utc))


def messages_of(html: str) -> list[str]:
    """The conversation's messages (their HTML), in order."""
    part = html.split('<ol class="conversation">', 1)[1].split("</ol>\n", 1)[0]
    return part.split('<li class="msg msg-')[1:]


def check_conversation(html: str, media: dict[str, int]) -> None:
    """Each message shows its own files, as the module's docstring says."""
    opening, first, second = messages_of(html)
    photo = media["photo"]
    assert f'<a href="/files/{photo}" class="thumb"><img src="/files/{photo}" alt="Foto: {data.PHOTO_NAME}" ' \
           f'loading="lazy"></a>' in opening
    assert f"/files/{media['pdf']}" not in opening
    assert f'<a href="/files/{media["pdf"]}" class="media-link">{data.PDF_NAME}</a>' in first
    assert "Dokumen · 48,2 kB" in h.text_of(first)
    assert "<img" not in first  # a PDF is a link, not a thumbnail
    assert "Foto sedang diambil dari penyedia kanal" in h.text_of(first)
    late = h.text_of(second)
    assert "Video: banjir.mp4 tidak dapat diambil: berkas melebihi batas ukuran lampiran" in late
    assert f"Pesan suara tidak dapat diambil: {data.UNKNOWN_FETCH_ERROR}" in late
    # A file of no known message is only in the attachments' card.
    assert all(f"/files/{media['loose']}" not in m for m in (opening, first, second))
    assert f'href="/files/{media["loose"]}"' in html.split('aria-labelledby="h-attachments"', 1)[1]


async def test_the_console_shows_each_message_with_its_files(client, runtime, media):
    await signed_in_client(client, runtime, "rina@ntbcare.example", "Rina Wulandari")
    resp = await client.get(CONSOLE)
    assert resp.status == 200
    check_conversation(await resp.text(), media)
    photo = await client.get(f"/files/{media['photo']}")
    assert photo.status == 200 and photo.headers["Content-Type"] == "image/jpeg"


async def test_the_agency_ticket_shows_each_message_with_its_files(client, runtime, media):
    h.add_account(runtime.db, h.OFFICER_EMAIL, h.OFFICER, "agency", h.AGENCY)
    await h.signed_in(client, h.OFFICER_EMAIL)
    resp = await client.get(TICKET)
    assert resp.status == 200
    check_conversation(await resp.text(), media)
    assert (await client.get(f"/files/{media['photo']}")).status == 200


async def test_another_agency_sees_neither_the_ticket_nor_its_files(client, runtime, media):
    h.add_account(runtime.db, h.OTHER_OFFICER_EMAIL, h.OTHER_OFFICER, "agency", h.OTHER_AGENCY)
    await h.signed_in(client, h.OTHER_OFFICER_EMAIL)
    resp = await client.get(TICKET, allow_redirects=False)
    assert resp.status == 404
    assert data.PHOTO_NAME not in await resp.text()
    for name in ("photo", "pdf"):
        assert (await client.get(f"/files/{media[name]}", allow_redirects=False)).status == 404


def test_files_go_with_the_message_whose_provider_id_carried_them():
    at = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    later = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
    complaint = {"channel": "whatsapp", "received_at": at, "text": "Foto jalan", "confidential": False}
    followups = [{"created_at": later, "text": "Satu lagi"}]
    events = [{"type": "received", "at": at, "data": {"provider_message_id": "wamid.A"}, "actor": "citizen:whatsapp"},
              {"type": "followup", "at": later, "data": {"provider_message_id": "wamid.B"}, "actor": "citizen:whatsapp"},
              {"type": "agency_reply", "at": later, "data": {"message": "Terima kasih"}, "actor": "agency:x",
               "by": None}]
    files = [{"id": 1, "message_ref": "wamid.B"}, {"id": 2, "message_ref": "wamid.A"}, {"id": 3, "message_ref": None},
             {"id": 4, "message_ref": "wamid.B"}]
    items = conversation_with_media(complaint, followups, events, files)
    assert [[a["id"] for a in i.get("attachments", [])] for i in items] == [[2], [1, 4], []]
    # The APIs' conversation keeps its documented shape.
    assert [sorted(i) for i in conversation(complaint, followups, events)] == [
        ["at", "by", "channel", "direction", "public", "text"]] * 3
