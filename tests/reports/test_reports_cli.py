"""`python main.py stats` and `python main.py export` as an operator runs them, against the seeded fortnight."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import datetime, time, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import insert

from store import models as m
from tests.reports.seed import BY_AGENCY, EXPECTED_CSV, EXPECTED_TABLE, IN_PERIOD, TOTAL, WITA, complaint

ROOT = Path(__file__).resolve().parents[2]
PERIOD = ("--since", "2026-04-01", "--until", "2026-04-15")


def run(database_url: str, *args: str) -> subprocess.CompletedProcess:
    """Run a command of main.py on the test's database with the sample config."""
    env = dict(os.environ, ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(ROOT / "config"))
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_stats_prints_the_table(seeded, database_url):
    """The default output is the published table, as worked out by hand (only the time it was made differs)."""
    result = run(database_url, "stats", *PERIOD)
    assert result.returncode == 0, result.stderr
    printed, expected = result.stdout.splitlines(), EXPECTED_TABLE.splitlines()
    assert printed[1].startswith("Periode 2026-04-01 s.d. 2026-04-15 (Asia/Makassar), dibuat ")
    assert printed[:1] + printed[2:] == expected[:1] + expected[2:]


def test_stats_json_is_the_stats_object(seeded, database_url):
    """--format json prints the object: the period, the hand-counted total and groups, the ranking."""
    result = run(database_url, "stats", *PERIOD, "--format", "json", "--by", "agency")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert (stats["since"], stats["until"], stats["by"], stats["min_count"]) == ("2026-04-01", "2026-04-15", "agency", 5)
    assert stats["total"] == TOTAL
    assert [(g["key"], {k: v for k, v in g.items() if k != "key"}) for g in stats["groups"]] == BY_AGENCY
    assert [r["key"]["code"] for r in stats["ranking"]] == ["dinkes-ntb"]


def test_stats_csv_and_min_count(seeded, database_url):
    """--format csv prints the CSV; --min-count 2 ranks the two offices with two resolved or more."""
    result = run(database_url, "stats", *PERIOD, "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout == EXPECTED_CSV
    ranked = run(database_url, "stats", *PERIOD, "--min-count", "2")
    assert "  1. Dinas Pekerjaan Umum dan Penataan Ruang Kota Mataram: 14.0 jam (2 selesai)\n" \
           "  2. Dinas Kesehatan Provinsi NTB: 30.0 jam (5 selesai)\n" in ranked.stdout


def test_stats_without_dates_covers_this_local_month_so_far(db, database_url):
    """No --since/--until: from 00:00 WITA on the first of this month to now; the second before is last month's."""
    now = datetime.now(timezone.utc)
    first = datetime.combine(now.astimezone(WITA).date().replace(day=1), time(0), WITA)
    just_before = first - timedelta(seconds=1)
    rows = [complaint(code, at.replace(tzinfo=None).isoformat(timespec="seconds"), agency="dinkes-ntb", region="kota-mataram",
                      category="kesehatan", channel="web", kind="complaint", status="assigned")
            for code, at in (("NTB-MONTH001", first), ("NTB-MONTH002", now.astimezone(WITA)), ("NTB-MONTH003", just_before))]
    with db.writer.begin() as conn:
        conn.execute(insert(m.Complaint), rows)
    result = run(database_url, "stats", "--format", "json")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    today = datetime.now(WITA).date()
    assert (stats["since"], stats["until"]) == (today.replace(day=1).isoformat(), today.isoformat())
    assert stats["total"]["received"] == 2


@pytest.mark.parametrize(("command", "args", "message"), [
    ("stats", ("--since", "2026-02-30"), "error: since must be a date (YYYY-MM-DD) or an ISO 8601 time\n"),
    ("stats", ("--since", "2026-04-16", "--until", "2026-04-15"),
     "error: since (2026-04-16) is after until (2026-04-15): the first day must be on or before the last\n"),
    ("export", ("--until", "15-04-2026"), "error: until must be a date (YYYY-MM-DD) or an ISO 8601 time\n"),
])
def test_a_bad_period_exits_2_with_the_reason(database_url, command, args, message):
    """An unreadable or reversed period stops the command with exit 2 and says why, printing nothing else."""
    result = run(database_url, command, *args)
    assert result.returncode == 2
    assert result.stderr == message
    assert result.stdout == ""


@pytest.mark.parametrize(("args", "message"), [
    (("--by", "wilayah"), "argument --by: invalid choice: 'wilayah'"),
    (("--min-count", "0"), "argument --min-count: must be at least 1"),
])
def test_bad_options_exit_2_with_what_is_allowed(database_url, args, message):
    """An unknown grouping or a minimum under 1 is refused by the command line, naming the option."""
    result = run(database_url, "stats", *args)
    assert result.returncode == 2
    assert message in result.stderr


def test_export_writes_one_row_per_complaint_without_withheld_identity(seeded, database_url, tmp_path):
    """export: the period's complaints oldest first; no identity of anonymous reporters, no confidential text, no formulas."""
    out = tmp_path / "aduan.csv"
    result = run(database_url, "export", *PERIOD, "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "15 complaint(s) received 2026-04-01 to 2026-04-15 exported\n"
    content = out.read_text(encoding="utf-8")
    rows = {r["code"]: r for r in csv.DictReader(content.splitlines())}
    assert list(rows) == ["NTB-A1", "NTB-A2", "NTB-A3", "NTB-B1", "NTB-A4", "NTB-A5", "NTB-C1", "NTB-B2", "NTB-B3", "NTB-D2",
                          "NTB-A6", "NTB-A7", "NTB-B4", "NTB-C2", "NTB-D1"]
    assert sorted(rows) == sorted(IN_PERIOD)
    a1 = rows["NTB-A1"]
    assert {k: a1[k] for k in ("received_at", "resolved_at", "region", "region_name", "agency_name", "status", "anonymous",
                               "reporter_name", "reporter_phone", "reporter_email", "text")} == {
        "received_at": "2026-04-01T00:00:00+08:00", "resolved_at": "2026-04-01T10:00:00+08:00", "region": "lotim-aikmel",
        "region_name": "Kecamatan Aikmel", "agency_name": "Dinas Kesehatan Provinsi NTB", "status": "resolved",
        "anonymous": "false", "reporter_name": "Budi Santoso", "reporter_phone": "'+6281230000001",
        "reporter_email": "budi@contoh.id", "text": "Aduan NTB-A1"}
    anonymous = rows["NTB-A2"]
    assert anonymous["anonymous"] == "true"
    assert (anonymous["reporter_name"], anonymous["reporter_phone"], anonymous["reporter_email"]) == ("", "", "")
    assert "Siti" not in content and "6281230000002" not in content and "siti@contoh.id" not in content
    assert (rows["NTB-B1"]["confidential"], rows["NTB-B1"]["text"]) == ("true", "")
    assert "Rahasia" not in content
    assert rows["NTB-B3"]["text"] == '\'=HYPERLINK("http://contoh.id","klik")'
    assert (rows["NTB-A7"]["overdue"], rows["NTB-D1"]["agency"], rows["NTB-D1"]["received_at"]) == (
        "true", "", "2026-04-15T23:59:59+08:00")


def test_export_to_standard_output(seeded, database_url):
    """Without --output the CSV goes to standard output: a header and one line per complaint."""
    result = run(database_url, "export", *PERIOD)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("code,received_at,channel,kind,region,")
    assert len(lines) == 1 + len(IN_PERIOD)
