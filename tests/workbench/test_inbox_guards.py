"""Who may use the agency inbox and how its forms are protected (SPEC sections 13 and 14): CSRF and cross-site POSTs
refused, another agency's ticket 404 on every page and action, a read-only ticket's actions refused, a disabled
officer signed out at once, an operator and a stranger kept out."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from store import users
from tests.workbench import helpers as h

ACTIONS = {
    "status": {"status": "acknowledged"},
    "reply": {"message": "Terima kasih, segera kami tindak lanjuti."},
    "forward": {"agency": h.UNIT},
    "return": {"reason": "Bukan wewenang"},
    "note": {"note": "Catatan"},
}


def unchanged(runtime, code: str, before: dict, steps_before: int) -> None:
    after = h.stored(runtime.db, code)
    assert (after["status"], after["agency"]) == (before["status"], before["agency"])
    assert len(h.steps(runtime.db, code)) == steps_before


@pytest.mark.parametrize("action", ACTIONS)
async def test_a_form_without_the_sessions_csrf_token_is_refused(officer, runtime, action):
    """No CSRF token, or another one: 403 and nothing changes."""
    path = f"/agency/tickets/{h.NAMED}"
    before, count = h.stored(runtime.db, h.NAMED), len(h.steps(runtime.db, h.NAMED))
    for token in ("", "bukan-token-yang-benar"):
        resp = await h.post(officer, f"{path}/{action}", token, **ACTIONS[action])
        assert resp.status == 403
        assert "Formulir sudah kedaluwarsa atau tidak sah." in await resp.text()
    unchanged(runtime, h.NAMED, before, count)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}])
async def test_a_cross_site_post_is_refused_even_with_the_token(officer, runtime, action, headers):
    """A POST that Origin or Sec-Fetch-Site says came from another site is 403, even with the right token."""
    path = f"/agency/tickets/{h.NAMED}"
    _, csrf = await h.page_and_csrf(officer, path)
    before, count = h.stored(runtime.db, h.NAMED), len(h.steps(runtime.db, h.NAMED))
    resp = await h.post(officer, f"{path}/{action}", csrf, headers=headers, **ACTIONS[action])
    assert resp.status == 403
    unchanged(runtime, h.NAMED, before, count)


async def test_another_agencys_ticket_is_not_found_on_every_page_and_action(officer, runtime):
    """Another agency's ticket does not exist for this officer: 404 on its page and on every form, nothing changed."""
    path = f"/agency/tickets/{h.OTHERS}"
    page = await officer.get(path)
    assert page.status == 404
    page_text = await page.text()
    assert "Jembatan" not in page_text and "Halaman tidak ditemukan" in page_text
    _, csrf = await h.page_and_csrf(officer, "/agency")
    before, count = h.stored(runtime.db, h.OTHERS), len(h.steps(runtime.db, h.OTHERS))
    for action, fields in ACTIONS.items():
        resp = await h.post(officer, f"{path}/{action}", csrf, **fields)
        assert resp.status == 404, action
    unchanged(runtime, h.OTHERS, before, count)


async def test_a_read_only_tickets_actions_are_refused(officer, runtime):
    """The ticket this agency forwarded is readable, but every form on it is 403 with the reason; nothing changes."""
    path = f"/agency/tickets/{h.FORWARDED}"
    _, csrf = await h.page_and_csrf(officer, path)
    before, count = h.stored(runtime.db, h.FORWARDED), len(h.steps(runtime.db, h.FORWARDED))
    for action, fields in ACTIONS.items():
        resp = await h.post(officer, f"{path}/{action}", csrf, **fields)
        assert resp.status == 403, action
        assert "Aduan ini hanya dapat dibaca oleh instansi Anda; perubahan tidak disimpan." in h.text_of(
            await resp.text())
    unchanged(runtime, h.FORWARDED, before, count)


async def test_a_disabled_officers_session_ends_at_once(officer, runtime):
    """Once the account is disabled, the next page sends the browser to the login form."""
    assert (await officer.get("/agency", allow_redirects=False)).status == 200
    with runtime.db.writer.begin() as conn:
        users.disable_user(conn, h.OFFICER_EMAIL, datetime.now(timezone.utc))
    resp = await officer.get(f"/agency/tickets/{h.NAMED}", allow_redirects=False)
    assert resp.status == 303
    assert resp.headers["Location"] == f"/dashboard/login?next=%2Fagency%2Ftickets%2F{h.NAMED}"
    assert (await officer.get("/agency", allow_redirects=False)).status == 303


async def test_an_operator_gets_not_found_on_the_inbox(client, runtime, inbox_data):
    """Operators work in the console: the inbox's pages and forms are 404 for them."""
    h.add_account(runtime.db, h.OPERATOR_EMAIL, h.OPERATOR, "operator", None)
    await h.signed_in(client, h.OPERATOR_EMAIL)
    assert (await client.get("/agency", allow_redirects=False)).status == 404
    assert (await client.get(f"/agency/tickets/{h.NAMED}", allow_redirects=False)).status == 404
    _, csrf = await h.page_and_csrf(client, "/dashboard/password")
    resp = await h.post(client, f"/agency/tickets/{h.NAMED}/status", csrf, status="acknowledged")
    assert resp.status == 404
    assert h.stored(runtime.db, h.NAMED)["status"] == "assigned"


async def test_a_stranger_signs_in_and_comes_back_to_the_ticket(client, runtime, inbox_data, officer_id):
    """Not signed in, the inbox and a ticket send the browser to the login form, which brings it back to the link."""
    resp = await client.get("/agency", allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, "/dashboard/login?next=%2Fagency")
    path = f"/agency/tickets/{h.NAMED}"
    resp = await client.get(path, allow_redirects=False)
    assert (resp.status, resp.headers["Location"]) == (303, f"/dashboard/login?next=%2Fagency%2Ftickets%2F{h.NAMED}")
    resp = await client.post(f"{path}/status", data={"status": "acknowledged"}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"].startswith("/dashboard/login")
    signed = await h.sign_in(client, h.OFFICER_EMAIL, next_url=path)
    assert (signed.status, signed.headers["Location"]) == (303, path)
    assert h.stored(runtime.db, h.NAMED)["status"] == "assigned"
