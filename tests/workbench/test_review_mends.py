"""What a new user's walk through the workbench found, each kept fixed: a form posted after its session ended comes
back to its page; a form sent twice acts once; the inbox asks what was done before "Selesai"; the sign-in limit
counts failures, not an office signing its people in; a disabled account comes back with a new link."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from sqlalchemy import select

from api.auth import token_hash
from store import models as m
from store import users
from tests.workbench import helpers as h

ONCE = re.compile(r'name="once" value="([^"]+)"')


async def test_a_form_posted_after_its_session_ended_comes_back_to_its_page(client, inbox_data):
    resp = await client.post(f"/agency/tickets/{h.NAMED}/reply", data={"message": "halo"}, allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == f"/dashboard/login?next=%2Fagency%2Ftickets%2F{h.NAMED}"


async def test_a_reply_sent_twice_reaches_the_citizen_once(officer, runtime):
    html, csrf = await h.page_and_csrf(officer, f"/agency/tickets/{h.NAMED}")
    once = ONCE.search(html.split('id="reply"')[1]).group(1)
    fields = {"csrf": csrf, "once": once, "message": "Stok obat datang besok pagi."}
    first = await officer.post(f"/agency/tickets/{h.NAMED}/reply", data=fields, allow_redirects=False)
    again = await officer.post(f"/agency/tickets/{h.NAMED}/reply", data=fields, allow_redirects=False)
    assert first.status == again.status == 303
    assert again.headers["Location"].endswith("done=sent_before")
    with runtime.db.reader.connect() as conn:
        sent = conn.execute(select(m.Outbox.id).where(m.Outbox.event == "citizen.agency_reply")).all()
    assert len(sent) == 1
    page = await (await officer.get(again.headers["Location"])).text()
    assert "sudah pernah dikirim" in page


async def test_selesai_needs_what_was_done(officer, runtime):
    _html, csrf = await h.page_and_csrf(officer, f"/agency/tickets/{h.ACKNOWLEDGED}")
    resp = await h.post(officer, f"/agency/tickets/{h.ACKNOWLEDGED}/status", csrf, status="resolved", note="")
    assert resp.status == 400
    assert "Tuliskan apa yang sudah dikerjakan" in await resp.text()
    assert h.stored(runtime.db, h.ACKNOWLEDGED)["status"] == "acknowledged"


async def test_an_office_behind_one_address_signs_its_people_in(client, runtime, inbox_data):
    for i in range(15):
        email = f"petugas{i}@dinkes.example"
        h.add_account(runtime.db, email, f"Petugas {i}")
        resp = await h.sign_in(client, email)
        assert resp.status == 303, i
        client.session.cookie_jar.clear()
    # Guessing is still held to about ten a minute from the address: failures cost a whole attempt each.
    answers = [(await h.sign_in(client, f"petugas{i}@dinkes.example", "salah sekali")).status for i in range(10)]
    assert answers[:5] == [401] * 5 and answers[-1] == 429


def test_a_disabled_account_comes_back_with_a_new_link(runtime):
    now = datetime.now(timezone.utc)
    with runtime.db.writer.begin() as conn:
        users.add_user(conn, email="kembali@dinkes.example", name="Kembali", role="agency", agency=h.AGENCY,
                       telegram_id=None, link_hash=token_hash("lama"), now=now)
        users.disable_user(conn, "kembali@dinkes.example", now)
        assert users.new_link(conn, "kembali@dinkes.example", token_hash("baru"), now)["active"] is False
        row = users.find_user(conn, "kembali@dinkes.example")
        assert row["active"] and row["password_hash"] is None
        assert users.user_by_link(conn, token_hash("baru"), now)["email"] == "kembali@dinkes.example"
