"""The stats object of a period, checked against figures worked out by hand (tests/reports/seed.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from app.build import display_names
from reports.compute import InputError, compute, read_request
from reports.load import load_cells
from reports.render import table
from reports.period import parse_period
from reports.stats import BY, RESOLVED_IN_TIME, RESOLVED_NO_SLA, Cell, build_stats, reach
from store import models as m
from tests.reports.seed import BY_AGENCY, BY_REGION, NOW, RATED_BY, RECEIVED_BY, SINCE, SMS, TOTAL, UNTIL, complaint

COUNTS = ("received", "resolved", "rejected", "in_process", "overdue", "rated")


def stats_of(db, config, by="agency", min_count=5, since=SINCE, until=UNTIL):
    """Compute the stats object as the API and the CLI do, judged at NOW."""
    asked = read_request(config, since, until, by, min_count, NOW)
    with db.reader.connect() as conn:
        return compute(conn, config, asked.period, asked.by, NOW, asked.min_count, display_names("id"))


def figures_of(item: dict) -> dict:
    """The figures of a group or ranking entry, without its key and rank."""
    return {k: v for k, v in item.items() if k not in ("key", "rank")}


def test_by_agency_matches_the_hand_count(seeded, sample_config):
    """By agency: the period, each office's figures and the total are the ones worked out by hand."""
    stats = stats_of(seeded, sample_config)
    assert {k: stats[k] for k in ("since", "until", "by", "timezone", "generated_at", "min_count", "reach")} == {
        "since": "2026-04-01", "until": "2026-04-15", "by": "agency", "timezone": "Asia/Makassar",
        "generated_at": "2026-04-20T10:00:00+08:00", "min_count": 5, "reach": {"regions": 3, "agencies": 3},
    }
    assert stats["total"] == TOTAL
    assert [(g["key"], figures_of(g)) for g in stats["groups"]] == BY_AGENCY


def test_by_region_counts_each_regency_or_city(seeded, sample_config):
    """By region, districts roll up into their regency/city; complaints placed at the province stay there."""
    stats = stats_of(seeded, sample_config, by="region")
    assert [(g["key"], figures_of(g)) for g in stats["groups"]] == BY_REGION
    assert stats["total"] == TOTAL


def test_one_channel_group_matches_the_hand_count(seeded, sample_config):
    """The SMS group: two resolved (one without SLA), one overdue, two still in process, two rated."""
    stats = stats_of(seeded, sample_config, by="channel")
    sms = next(g for g in stats["groups"] if g["key"]["code"] == "sms")
    assert sms["key"] == {"code": "sms", "name": "SMS"}
    assert figures_of(sms) == SMS


@pytest.mark.parametrize("by", BY)
def test_groups_add_up_to_the_total(seeded, sample_config, by):
    """For every grouping, each count of the groups sums to the total's, and the groups are the expected ones."""
    stats = stats_of(seeded, sample_config, by=by)
    assert [(g["key"]["code"], g["received"]) for g in stats["groups"]] == RECEIVED_BY[by]
    for count in COUNTS:
        assert sum(g[count] for g in stats["groups"]) == stats["total"][count] == TOTAL[count]
    for group in (*stats["groups"], stats["total"]):
        assert group["received"] == group["resolved"] + group["rejected"] + group["in_process"]


@pytest.mark.parametrize("by", BY)
def test_every_group_has_its_ratings(seeded, sample_config, by):
    """For every grouping, each group counts its rated complaints and averages their ratings; the total averages all six."""
    stats = stats_of(seeded, sample_config, by=by)
    assert [(g["key"]["code"], g["rated"], g["rating_average"]) for g in stats["groups"]] == RATED_BY[by]
    assert (stats["total"]["rated"], stats["total"]["rating_average"]) == (6, 3.33)


def test_only_ratings_of_the_period_count_whatever_the_complaint_became(db, sample_config):
    """A rating of a complaint received outside the period is left out; a rejected complaint's rating counts."""
    place = {"agency": "dinkes-ntb", "region": "kota-mataram", "category": "kesehatan", "channel": "sms", "kind": "complaint"}
    with db.writer.begin() as conn:
        conn.execute(insert(m.Complaint), [
            complaint("NTB-R1", "2026-04-01T00:00:00", **place, status="resolved", ack=1, resolved=5, rating=4, rated=6),
            complaint("NTB-R2", "2026-04-15T23:59:59", **place, status="rejected", rating=1, rated=2,
                      rating_comment="Tidak ditanggapi"),
            complaint("NTB-R3", "2026-04-03T08:00:00", **place, status="resolved", ack=1, resolved=5),
            complaint("NTB-R4", "2026-03-31T23:59:59", **place, status="resolved", ack=1, resolved=5, rating=5, rated=6),
            complaint("NTB-R5", "2026-04-16T00:00:00", **place, status="resolved", ack=1, resolved=5, rating=5, rated=6),
        ])
    stats = stats_of(db, sample_config)
    # In the period: R1 (4) and the rejected R2 (1); R3 was not rated. With R4 and R5 it would be 4 rated, 3.75.
    expected = {"received": 3, "resolved": 2, "rejected": 1, "rated": 2, "rating_average": 2.5}
    assert {k: stats["total"][k] for k in expected} == expected
    [group] = stats["groups"]
    assert group["key"]["code"] == "dinkes-ntb"
    assert {k: group[k] for k in expected} == expected


def test_ranking_leaves_out_groups_under_the_minimum(seeded, sample_config):
    """Only offices with at least min_count resolved complaints are ranked, fastest median first."""
    default = stats_of(seeded, sample_config)
    assert [(r["rank"], r["key"]["code"], r["median_hours_to_resolve"]) for r in default["ranking"]] == [(1, "dinkes-ntb", 30.0)]
    two = stats_of(seeded, sample_config, min_count=2)
    assert [(r["rank"], r["key"]["code"], r["median_hours_to_resolve"], r["resolved"]) for r in two["ranking"]] == [
        (1, "pupr-mataram", 14.0, 2), (2, "dinkes-ntb", 30.0, 5)]
    assert stats_of(seeded, sample_config, min_count=6)["ranking"] == []
    regions = stats_of(seeded, sample_config, by="region", min_count=3)
    assert [r["key"]["code"] for r in regions["ranking"]] == ["kota-mataram", "lombok-timur"]


def test_complaints_without_an_agency_are_not_ranked(sample_config):
    """"Belum ditugaskan" is not an office: however many it resolved, it stays out of the ranking."""
    period = parse_period(SINCE, UNTIL, "Asia/Makassar", NOW)
    hours = tuple(h * 3600 for h in (1, 2, 3, 4, 5))
    cells = [Cell(key=None, region="ntb", agency=None, outcome=RESOLVED_NO_SLA, count=5, resolve=hours),
             Cell(key="dinsos-ntb", region="dompu", agency="dinsos-ntb", outcome=RESOLVED_IN_TIME, count=5,
                  resolve=tuple(h * 10 for h in hours))]
    stats = build_stats(cells, period, "agency", sample_config, NOW)
    assert [g["key"]["code"] for g in stats["groups"]] == ["dinsos-ntb", None]
    assert [(r["rank"], r["key"]["code"], r["median_hours_to_resolve"]) for r in stats["ranking"]] == [(1, "dinsos-ntb", 30.0)]


def test_an_empty_period_has_zero_counts_and_null_shares(seeded, sample_config):
    """A period without complaints answers zeros, nulls and no groups, not an error."""
    stats = stats_of(seeded, sample_config, since="2026-05-01", until="2026-05-31")
    assert stats["total"] == {"received": 0, "resolved": 0, "rejected": 0, "in_process": 0, "overdue": 0, "within_sla": None,
                              "median_hours_to_acknowledge": None, "median_hours_to_resolve": None, "rated": 0,
                              "rating_average": None}
    assert stats["groups"] == [] and stats["ranking"] == [] and stats["reach"] == {"regions": 0, "agencies": 0}
    assert table(stats).splitlines()[0] == ("1–31 Mei 2026: 0 diterima, 0 selesai, 0 dalam proses, dari 0 kabupaten/kota, "
                                            "diteruskan ke 0 instansi")


def test_the_dashboard_building_blocks_give_the_same_object(seeded, sample_config):
    """load_cells + build_stats + reach, as the dashboard calls them, agree with compute()."""
    asked = read_request(sample_config, SINCE, UNTIL, "agency", None, NOW)
    with seeded.reader.connect() as conn:
        cells = load_cells(conn, asked.period, "agency", NOW)
    assert build_stats(cells, asked.period, "agency", sample_config, NOW) == stats_of(seeded, sample_config)
    assert reach(cells, sample_config) == (3, 3)


@pytest.mark.parametrize(("by", "min_count", "message"), [
    ("wilayah", None, "by must be one of region, agency, category, channel, kind"),
    (None, "0", "min_count must be a whole number from 1 to 1000000"),
    (None, "-1", "min_count must be a whole number from 1 to 1000000"),
    (None, "2.5", "min_count must be a whole number from 1 to 1000000"),
    (None, "lima", "min_count must be a whole number from 1 to 1000000"),
    (None, 0, "min_count must be a whole number from 1 to 1000000"),
])
def test_a_bad_request_says_what_is_allowed(sample_config, by, min_count, message):
    """An unknown grouping or a minimum that is not a whole number from 1 is refused with what is allowed."""
    with pytest.raises(InputError) as caught:
        read_request(sample_config, SINCE, UNTIL, by, min_count, NOW)
    assert str(caught.value) == message
