"""The console's `q` (SPEC section 14): full-text over a complaint's text and its follow-ups, or its code."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, func, insert, select, text, update

from complaints.model import InboundMessage
from intake.batch import WriteItem, write_batch
from store import models as m
from store import search
from store.db import open_database, reading
from store.migrate import pending, upgrade
from store.queries import ComplaintFilter, list_complaints

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)

# (code, text, fields): received one minute apart in this order, so the list shows them newest first.
COMPLAINTS = (
    ("NTB-00000001", "Jalan rusak parah dan berlubang di Praya, banyak motor jatuh", {"region": "lombok-tengah"}),
    ("NTB-00000002", "Obat di Puskesmas Aikmel kosong sudah dua minggu",
     {"region": "lotim-aikmel", "status": "triage"}),
    ("NTB-00000003", "Banjir merendam rumah warga di Ampenan sejak semalam",
     {"region": "mataram-ampenan", "channel": "telegram"}),
    ("NTB-00000004", "Jalan desa sudah bagus, terima kasih. Kafé di pasar buang limbah ke sungai", {}),
    ("NTB-00000005", "Lampu penerangan jalan mati di Selong", {"region": "lombok-timur"}),
)
JALAN_RUSAK, PUSKESMAS, BANJIR, KAFE, LAMPU = (c for c, _, _ in COMPLAINTS)


def complaint(code: str, text_: str, received: datetime, **fields) -> dict:
    """One complaints row, assigned and open unless `fields` says otherwise."""
    row = {
        "code": code, "kind": "complaint", "channel": "web", "sender_id": None, "reply_to": None, "reply_via": None,
        "reporter_id": None, "anonymous": False, "confidential": False, "language": "id", "text": text_, "lat": None,
        "lon": None, "region": "ntb", "category": None, "priority": "normal", "agency": "pupr-ntb", "rule": None,
        "rules_version": None, "status": "assigned", "status_reason": None, "received_at": received,
        "assigned_at": received, "acknowledged_at": None, "resolved_at": None, "closed_at": None,
        "acknowledge_due_at": None, "resolve_due_at": None, "overdue": False, "overdue_since": None,
        "escalate_due_at": None, "escalated_at": None, "updated_at": received,
    }
    return {**row, **fields}


def store(db, rows=COMPLAINTS) -> dict[str, int]:
    """Write complaints (code, text, fields) a minute apart; return their ids by code."""
    with db.writer.begin() as conn:
        conn.execute(insert(m.Complaint), [complaint(code, body, NOW + timedelta(minutes=i), **fields)
                                           for i, (code, body, fields) in enumerate(rows)])
        return dict(conn.execute(select(m.Complaint.code, m.Complaint.id)).all())


def add_followup(db, complaint_id: int, body: str) -> int:
    """Join a follow-up to a complaint; return its id."""
    with db.writer.begin() as conn:
        return conn.execute(insert(m.FollowUp).values(complaint_id=complaint_id, text=body, created_at=NOW)
                            ).inserted_primary_key[0]


def found(db, q: str, limit: int = 50, **filters) -> list[str]:
    """Return the codes the complaint list shows for `q` (and other filters), newest first, on its first page."""
    rows, _, _ = reading(db, list_complaints, ComplaintFilter(q=q, **filters), limit, None)
    return [row["code"] for row in rows]


@pytest.fixture(autouse=True, params=["few", "many"])
def way(request, monkeypatch):
    """Run each test both ways a page is found: each match read by its id, and the newest complaints walked
    (search.MANY chooses by how many match; here one match is already many, or none ever is)."""
    monkeypatch.setattr(search, "MANY", dict.fromkeys(search.MANY, 1 if request.param == "many" else 10**9))
    return request.param


@pytest.fixture
def stored(db):
    """The database with the five complaints of COMPLAINTS; their ids by code."""
    return store(db)


@pytest.mark.parametrize(("q", "codes"), [
    ("jalan rusak", [JALAN_RUSAK]),
    ("rusak jalan", [JALAN_RUSAK]),
    ("Puskesmas", [PUSKESMAS]),
    ("banjir", [BANJIR]),
    ("jalan", [LAMPU, KAFE, JALAN_RUSAK]),
    ("jalan banjir", []),
    ("bus", []),
])
def test_indonesian_words_are_found_as_written(db, stored, q, codes):
    """Every word of the query must be in the text, in any order; a word is found whole, not inside another."""
    assert found(db, q) == codes


def test_case_is_ignored(db, stored):
    """PUSKESMAS, puskesmas and Puskesmas find the same complaint."""
    assert found(db, "PUSKESMAS") == found(db, "puskesmas") == found(db, "pUsKeSmAs") == [PUSKESMAS]


def test_a_word_with_its_diacritics_is_found_and_sqlite_folds_them(db, stored):
    """"Kafé" finds the complaint as written everywhere; "kafe" also finds it on SQLite, whose index folds
    diacritics, and not on PostgreSQL, whose 'simple' configuration keeps them."""
    assert found(db, "kafé") == found(db, "KAFÉ") == [KAFE]
    assert found(db, "kafe") == ([KAFE] if db.dialect == "sqlite" else [])


def test_the_last_word_is_also_a_beginning(db, stored):
    """While typing, the last word finds longer words it begins ("puskes" → Puskesmas); earlier words are whole,
    and a last word under three letters is taken whole too."""
    assert found(db, "puskes") == [PUSKESMAS]
    assert found(db, "obat puskes") == [PUSKESMAS]
    assert found(db, "puskes obat") == []
    assert found(db, "rumah wa") == []
    assert found(db, "rumah war") == [BANJIR]


def test_what_is_written_with_dots_or_dashes_is_found_as_written(db):
    """A street written "Jl.Pejanggik", an amount "Rp 50.000" and "jalan-rusak" are found by what the text says,
    on PostgreSQL too, whose parser keeps a name with a dot or a number with a point whole."""
    store(db, [("NTB-00000011", "Parkir di Jl.Pejanggik ditarik Rp 50.000 per motor", {}),
               ("NTB-00000012", "Jalan rusak di depan pasar", {})])
    assert found(db, "Jl.Pejanggik") == ["NTB-00000011"]
    assert found(db, "rp 50.000") == ["NTB-00000011"]
    assert found(db, "jalan-rusak") == ["NTB-00000012"]


def test_words_only_in_a_follow_up_find_the_complaint(db, stored):
    """A follow-up's words find its complaint; the words must all be in one message (text or follow-up)."""
    add_followup(db, stored[LAMPU], "Sekarang tiangnya juga roboh menimpa pagar")
    add_followup(db, stored[LAMPU], "Mohon segera ditangani")
    assert found(db, "tiangnya roboh") == [LAMPU]
    assert found(db, "segera") == [LAMPU]
    assert found(db, "lampu roboh") == []


def test_a_follow_up_moved_to_another_complaint_is_found_there(db, stored):
    """When a follow-up changes complaint (a merge), its words find the complaint it now belongs to."""
    followup = add_followup(db, stored[LAMPU], "Kabel listrik terbakar")
    with db.writer.begin() as conn:
        conn.execute(update(m.FollowUp).where(m.FollowUp.id == followup).values(complaint_id=stored[BANJIR]))
    assert found(db, "kabel terbakar") == [BANJIR]


def test_the_index_follows_changed_and_deleted_text(db, stored):
    """A complaint's changed text is found by its new words only; a deleted follow-up or complaint is not found."""
    followup = add_followup(db, stored[PUSKESMAS], "Apotek juga tutup")
    with db.writer.begin() as conn:
        conn.execute(update(m.Complaint).where(m.Complaint.id == stored[BANJIR]).values(text="Sungai meluap ke sawah"))
    assert found(db, "banjir") == []
    assert found(db, "sungai meluap") == [BANJIR]
    assert found(db, "apotek") == [PUSKESMAS]
    with db.writer.begin() as conn:
        conn.execute(delete(m.FollowUp).where(m.FollowUp.id == followup))
        conn.execute(delete(m.Complaint).where(m.Complaint.id == stored[LAMPU]))
    assert found(db, "apotek") == []
    assert found(db, "lampu") == []
    assert found(db, "puskesmas") == [PUSKESMAS]


def test_complaints_and_follow_ups_stored_by_intake_are_found(db, sample_config):
    """What intake writes (its bulk inserts) is in the index at once, with no step of its own."""
    def message(pid: str, body: str, at: datetime) -> InboundMessage:
        return InboundMessage(channel="telegram", provider_message_id=pid, text=body, received_at=at, raw="{}",
                              sender_id="6281200000001", reply_to="6281200000001", mergeable=True)

    first = [WriteItem(message("1", "Obat di puskesmas Aikmel kosong", NOW), sample_config)]
    write_batch(db, first, NOW, "http://aduan.test")
    later = [WriteItem(message("2", "Apoteknya juga tutup", NOW + timedelta(minutes=1)), sample_config)]
    write_batch(db, later, NOW + timedelta(minutes=1), "http://aduan.test")
    assert later[0].result.outcome == "followup"
    assert found(db, "puskesmas aikmel") == found(db, "apoteknya tutup") == [first[0].result.code]


@pytest.mark.parametrize(("q", "codes"), [
    ('"', []),
    ("'", []),
    ("*", []),
    ("^", []),
    (":", []),
    ("()", []),
    ("NEAR(", []),
    ("NEAR(jalan rusak)", []),  # NEAR is a word here, and no complaint has it
    ("a OR", []),
    ("banjir OR lampu", []),  # OR is a word too
    ("NOT banjir", []),
    ("'); DROP TABLE complaints; --", []),
    ("%", []),
    ("_", []),
    ("x" * 2000, []),
    ("🚧🚧", []),
    ("\x00", []),
    ('jalan"rusak', [JALAN_RUSAK]),
    ('"jalan rusak', [JALAN_RUSAK]),
    ("rusak*", [JALAN_RUSAK]),
    ("^banjir", [BANJIR]),
    ("text:banjir", []),  # not a column filter: "text" is a word the complaint lacks
    ("(banjir)", [BANJIR]),
    ("-banjir", [BANJIR]),
    ("banjir & !rumah", [BANJIR]),
    ("banjir | sungai", []),
    ("banjir:*", [BANJIR]),
    ("🚧 jalan rusak 🚧", [JALAN_RUSAK]),
    ("\x00banjir", [BANJIR]),
    ("rusak " * 400, [JALAN_RUSAK]),
])
def test_any_query_gives_results_or_none_never_an_error(db, stored, q, codes):
    """Search syntax of either database (quotes, *, ^, :, brackets, AND/OR/NOT/NEAR, & | !) is never syntax here:
    the query's letters and digits are its words, and a query without any finds nothing."""
    assert found(db, q) == codes
    assert found(db, "lampu") == [LAMPU]  # and the store is as it was


@pytest.mark.parametrize("q", ["NTB-00000003", "ntb-00000003", "NTB 0000 0003", "ntb00000003", "NTB-OOOOOOO3",
                               " NTB-00000003 "])
def test_the_tracking_code_finds_its_complaint(db, stored, q):
    """The code as a person types it (case, O for 0, spaces, no dash) finds the complaint it belongs to."""
    assert found(db, q) == [BANJIR]


def test_a_code_of_no_complaint_finds_nothing(db, stored):
    assert found(db, "NTB-00000009") == []


@pytest.mark.parametrize(("filters", "codes"), [
    ({}, [LAMPU, KAFE, JALAN_RUSAK]),
    ({"status": "assigned"}, [LAMPU, KAFE, JALAN_RUSAK]),
    ({"status": "triage"}, []),
    ({"region": ("lombok-timur", "lotim-aikmel")}, [LAMPU]),
    ({"channel": "web"}, [LAMPU, KAFE, JALAN_RUSAK]),
    ({"channel": "telegram"}, []),
    ({"since": NOW + timedelta(minutes=1), "until": NOW + timedelta(minutes=4)}, [KAFE]),
])
def test_other_filters_narrow_a_search(db, stored, filters, codes):
    """q and the list's other filters all hold for each complaint shown."""
    assert found(db, "jalan", **filters) == codes


def test_search_results_come_in_pages(db, stored):
    """A search's pages follow the cursor, newest first, each match once."""
    seen, cursor = [], None
    while True:
        rows, cursor, _ = reading(db, list_complaints, ComplaintFilter(q="jalan"), 1, cursor)
        seen += [row["code"] for row in rows]
        if cursor is None:
            break
    assert seen == [LAMPU, KAFE, JALAN_RUSAK]


def search_objects(db) -> list[str]:
    """Name what migration 0009 adds: SQLite's FTS tables and triggers, PostgreSQL's GIN indexes."""
    with db.reader.connect() as conn:
        if db.dialect == "sqlite":
            sql = "SELECT name FROM sqlite_master WHERE name LIKE '%search%' ORDER BY name"
        else:
            sql = "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%text_search' ORDER BY indexname"
        return list(conn.execute(text(sql)).scalars())


def test_complaints_stored_before_the_search_migration_are_found(database_url):
    """Upgrading a store that already holds complaints and follow-ups indexes them; stepping down removes every
    search object and stepping up again builds the index anew."""
    from alembic import command

    from store.migrate import _alembic_config

    db = open_database(database_url)
    try:
        command.downgrade(_alembic_config(db), "0008")
        assert search_objects(db) == []
        ids = store(db)
        add_followup(db, ids[BANJIR], "Air sudah setinggi lutut")
        upgrade(db)  # through 0009, and the later migrations, which must keep the search's triggers
        assert search_objects(db) != []
        assert found(db, "banjir") == found(db, "lutut") == [BANJIR]
        command.downgrade(_alembic_config(db), "0008")
        assert search_objects(db) == []
    finally:
        upgrade(db)
    try:
        assert pending(db)[0] == pending(db)[1]
        assert found(db, "setinggi lutut") == [BANJIR]
        assert found(db, "jalan rusak") == [JALAN_RUSAK]
        with db.reader.connect() as conn:
            assert conn.execute(select(func.count()).select_from(m.Complaint)).scalar_one() == len(COMPLAINTS)
    finally:
        db.dispose()
