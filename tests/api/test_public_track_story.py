"""`GET /api/v1/track/{code}` tells what the tracking page tells (SPEC section 15): status notes, public replies by
agency, the current stage's due time, the category's name, whether it waits for the citizen; none of the notes or
replies when confidential, never an internal note, a person or the reporter."""

from __future__ import annotations

from datetime import datetime, timezone

from complaints import who
from store import actions, queries

ROAD = "Jalan rusak berlubang di Gerung sudah tiga bulan, mohon diperbaiki."
OFFICER = who.user(7, "Rina Wulandari", "agency", "pupr-lobar")
AGENCY = {"code": "pupr-lobar", "name": "Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Lombok Barat"}
REPLY = "Tim kami memeriksa lokasi pada hari Kamis."
QUESTION = "Di sisi jalan mana persisnya lubang itu?"
RESOLUTION = "Lubang sudah ditambal dengan aspal pada 12 Maret."
INTERNAL = "Anggaran dari pos pemeliharaan rutin."


async def submit(client, **fields) -> str:
    answer = await client.post("/api/v1/complaints", json={"text": ROAD, "region": "lobar-gerung",
                                                          "reporter": {"name": "Budi Santoso"}, **fields})
    assert answer.status == 201
    return (await answer.json())["code"]


def act(runtime, code: str, step, *args, **kwargs):
    """Run one store action on the complaint with this code, in its own transaction."""
    with runtime.db.writer.begin() as conn:
        return step(conn, queries.find_complaint(conn, code), *args, **kwargs)


def tell_the_story(runtime, code: str, ask: bool = False) -> None:
    """Acknowledge, reply, note internally and resolve with a note (or, with `ask`, ask a question and stop there)."""
    now = datetime.now(timezone.utc)
    act(runtime, code, actions.change_status, runtime.config, "acknowledged", OFFICER, None, now, "http://aduan.test", ())
    act(runtime, code, actions.reply_to_citizen, AGENCY["name"], OFFICER, REPLY, now)
    act(runtime, code, actions.add_note, OFFICER, INTERNAL, now)
    if ask:
        act(runtime, code, actions.reply_to_citizen, AGENCY["name"], OFFICER, QUESTION, now, ask=True)
    else:
        act(runtime, code, actions.change_status, runtime.config, "resolved", OFFICER, RESOLUTION, now,
            "http://aduan.test", ())


async def test_track_tells_notes_replies_and_names(client, runtime):
    """A resolved complaint's view has each step's note, the reply by agency, the category's name, no due time."""
    code = await submit(client)
    tell_the_story(runtime, code)
    answer = await client.get(f"/api/v1/track/{code}")
    view = await answer.json()
    assert [(step["status"], step["note"]) for step in view["timeline"]] == [
        ("new", None), ("assigned", None), ("acknowledged", None), ("resolved", RESOLUTION)]
    assert [{k: r[k] for k in ("text", "agency", "ask")} for r in view["replies"]] == [
        {"text": REPLY, "agency": AGENCY, "ask": False}]
    assert datetime.fromisoformat(view["replies"][0]["at"]).tzinfo is not None
    assert view["category"] == "infrastruktur" and view["category_name"] == "Infrastruktur"
    assert view["region"] == {"code": "lobar-gerung", "name": "Kecamatan Gerung"}
    assert view["due_at"] is None and view["due_kind"] is None and view["waiting"] is None
    body = await answer.text()
    for hidden in (INTERNAL, "Rina", "Budi", "reporter"):
        assert hidden not in body


async def test_track_gives_the_current_stages_due_time(client, runtime):
    """Assigned: the response's due time; acknowledged: the resolution's, as the complaint holds them."""
    code = await submit(client)
    view = await (await client.get(f"/api/v1/track/{code}")).json()
    with runtime.db.reader.connect() as conn:
        row = queries.find_complaint(conn, code)
    assert view["due_kind"] == "acknowledge"
    assert datetime.fromisoformat(view["due_at"]) == row["acknowledge_due_at"]
    act(runtime, code, actions.change_status, runtime.config, "acknowledged", OFFICER, None, datetime.now(timezone.utc),
        "http://aduan.test", ())
    view = await (await client.get(f"/api/v1/track/{code}")).json()
    with runtime.db.reader.connect() as conn:
        row = queries.find_complaint(conn, code)
    assert view["due_kind"] == "resolve" and datetime.fromisoformat(view["due_at"]) == row["resolve_due_at"]


async def test_track_of_a_confidential_complaint_has_no_notes_or_replies(client, runtime):
    """Confidential: statuses only, no text, no note, no reply, no question."""
    code = await submit(client, confidential=True)
    tell_the_story(runtime, code)
    answer = await client.get(f"/api/v1/track/{code}")
    view = await answer.json()
    assert "text" not in view and view["replies"] == []
    assert [step["status"] for step in view["timeline"]] == ["new", "assigned", "acknowledged", "resolved"]
    assert all(step["note"] is None for step in view["timeline"])
    body = await answer.text()
    for hidden in (ROAD, RESOLUTION, REPLY, INTERNAL):
        assert hidden not in body


async def test_track_says_when_the_complaint_waits_for_the_citizen(client, runtime):
    """A question makes the view wait for the citizen, and the reply that asked is marked."""
    code = await submit(client)
    tell_the_story(runtime, code, ask=True)
    view = await (await client.get(f"/api/v1/track/{code}")).json()
    assert view["waiting"] == "citizen"
    assert [(r["text"], r["ask"]) for r in view["replies"]] == [(REPLY, False), (QUESTION, True)]


async def test_track_speaks_the_complaints_language_and_finds_a_code_without_prefix(client):
    """Labels are in `lang` when given, else the complaint's language; the code may lack its prefix."""
    english = await submit(client, language="en")
    bare = english.removeprefix("NTB-").lower()
    view = await (await client.get(f"/api/v1/track/{bare}")).json()
    assert view["code"] == english and view["status_label"] == "Forwarded to the agency"
    view = await (await client.get(f"/api/v1/track/{english}", params={"lang": "id"})).json()
    assert view["status_label"] == "Diteruskan ke instansi"
    indonesian = await submit(client)
    view = await (await client.get(f"/api/v1/track/{indonesian}", params={"lang": "xx"})).json()
    assert view["status_label"] == "Diteruskan ke instansi"
    assert (await client.get("/api/v1/track/zzzzzzzz")).status == 404
