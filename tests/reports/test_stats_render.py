"""What an operator reads and publishes: the table with the province's heading, the CSV and the JSON of the same stats."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import insert

from reports.compute import compute, read_request
from reports.render import heading, table, to_csv, to_json
from reports.stats import BY
from store import models as m
from tests.reports.seed import EXPECTED_CSV, EXPECTED_TABLE, HEADING, NOW, SINCE, UNTIL, complaint


def stats_of(db, config, by="agency", min_count=None):
    """Compute the stats object as the API and the CLI do, judged at NOW."""
    asked = read_request(config, SINCE, UNTIL, by, min_count, NOW)
    with db.reader.connect() as conn:
        return compute(conn, config, asked.period, asked.by, NOW, asked.min_count)


def table_rows(text: str) -> list[list[str]]:
    """The group rows and the total row of a rendered table, each split into its cells."""
    lines = text.splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("---")]
    body = lines[rules[0] + 1:rules[1]] + [lines[rules[1] + 1]]
    return [re.split(r"\s{2,}", line.strip()) for line in body]


def shown(field: str, cell: str) -> str:
    """A CSV cell as the table shows it: shares in percent, the average rating with two decimals, empty as a dash."""
    if cell == "":
        return "-"
    if field == "rating_average":
        return f"{float(cell):.2f}"
    return f"{float(cell) * 100:.1f}%" if field == "within_sla" else cell


def test_the_table_is_what_the_province_publishes(seeded, sample_config):
    """By agency, the whole table reads as worked out by hand, with the heading, the total and the ranking."""
    assert table(stats_of(seeded, sample_config)) == EXPECTED_TABLE


def test_the_heading_line_summarises_the_period(seeded, sample_config):
    """The first line reads like NTB Care's published summaries, whatever the grouping."""
    for by in BY:
        stats = stats_of(seeded, sample_config, by=by)
        assert heading(stats) == HEADING
        assert table(stats).splitlines()[0] == HEADING


def test_the_heading_leaves_out_rejected_when_there_are_none():
    """Without rejected complaints the line goes straight from resolved to in process; one day is written once."""
    stats = {"since": "2026-04-05", "until": "2026-04-05", "total": {"received": 3, "resolved": 1, "rejected": 0, "in_process": 2},
             "reach": {"regions": 2, "agencies": 1}}
    assert heading(stats) == "5 April 2026: 3 diterima, 1 selesai, 2 dalam proses, dari 2 kabupaten/kota, diteruskan ke 1 instansi"
    across = dict(stats, since="2026-03-28", until="2026-04-03")
    assert heading(across).startswith("28 Maret – 3 April 2026: ")


def test_a_ranking_with_no_group_says_so(seeded, sample_config):
    """When no group reaches the minimum, the table says so instead of an empty ranking."""
    assert table(stats_of(seeded, sample_config, min_count=6)).endswith(
        "Peringkat tercepat: belum ada kelompok dengan minimal 6 aduan selesai.\n")


def test_the_csv_has_one_row_per_group_and_the_total_last(seeded, sample_config):
    """The CSV of the same stats: the header, the groups, and TOTAL as the last row."""
    assert to_csv(stats_of(seeded, sample_config)) == EXPECTED_CSV


@pytest.mark.parametrize("by", BY)
def test_csv_json_and_table_say_the_same(seeded, sample_config, by):
    """For every grouping the JSON is the object itself, and the CSV and the table show the same figures row by row."""
    stats = stats_of(seeded, sample_config, by=by)
    assert json.loads(to_json(stats)) == stats
    records = list(csv.reader(io.StringIO(to_csv(stats))))
    header, body = records[0], records[1:]
    assert body[-1][:2] == ["TOTAL", "Jumlah"]
    expected = [*stats["groups"], {"key": {"code": "TOTAL", "name": "Jumlah"}, **stats["total"]}]
    assert [[r[0], r[1]] for r in body] == [[g["key"]["code"] or "", g["key"]["name"]] for g in expected]
    rows = table_rows(table(stats))
    assert len(rows) == len(body)
    for cells, record in zip(rows, body, strict=True):
        assert cells == [record[1], *(shown(field, value) for field, value in zip(header[2:], record[2:], strict=True))]


def test_a_csv_cell_that_looks_like_a_formula_is_quoted(db, sample_config):
    """A category starting with = is written with a leading apostrophe, so a spreadsheet shows it as text."""
    with db.writer.begin() as conn:
        conn.execute(insert(m.Complaint), [complaint("NTB-FORMULA1", "2026-04-02T08:00:00", agency=None, region="ntb",
                                                     category="=SUM(A1:A9)", channel="web", kind="complaint", status="triage")])
    records = list(csv.reader(io.StringIO(to_csv(stats_of(db, sample_config, by="category")))))
    assert records[1][:3] == ["'=SUM(A1:A9)", "'=SUM(A1:A9)", "1"]
