"""GET /api/v1/stats: operator only, bad parameters refused with what is allowed, the same object as `main.py stats`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from api.auth import token_hash
from store.queries import add_token
from tests.reports.seed import BY_REGION, TOTAL, seed

ROOT = Path(__file__).resolve().parents[2]
URL = "/api/v1/stats"


def cli_json(database_url: str, *args: str) -> dict:
    """The stats object `python main.py stats --format json` prints for the same database."""
    env = dict(os.environ, ADUAN_DATABASE_URL=database_url, ADUAN_CONFIG_DIR=str(ROOT / "config"))
    result = subprocess.run([sys.executable, "main.py", "stats", "--format", "json", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def without_time(stats: dict) -> dict:
    return {k: v for k, v in stats.items() if k != "generated_at"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}])
async def test_stats_need_an_operator_token(client, headers):
    """Without a token, or with a wrong one, the answer is 401 and no figures."""
    resp = await client.get(URL, headers=headers)
    assert resp.status == 401
    body = await resp.json()
    assert body["error"]["code"] == "unauthorized" and "total" not in body


async def test_an_agency_token_is_forbidden(client, runtime):
    """An agency's token is valid but not an operator's: 403."""
    with runtime.db.writer.begin() as conn:
        add_token(conn, token_hash("agency-token"), "agency", "dinkes-ntb", None, datetime.now(timezone.utc))
    resp = await client.get(URL, headers={"Authorization": "Bearer agency-token"})
    assert resp.status == 403


@pytest.mark.parametrize(("query", "message"), [
    ("by=wilayah", "by must be one of region, agency, category, channel, kind"),
    ("since=2026-13-01", "since must be a date (YYYY-MM-DD) or an ISO 8601 time"),
    ("until=besok", "until must be a date (YYYY-MM-DD) or an ISO 8601 time"),
    ("since=2026-04-16&until=2026-04-15",
     "since (2026-04-16) is after until (2026-04-15): the first day must be on or before the last"),
    ("since=2026-04-01&until=9999-12-31", "until is out of range"),
    ("min_count=0", "min_count must be a whole number from 1 to 1000000"),
    ("min_count=lima", "min_count must be a whole number from 1 to 1000000"),
    ("min_count=-3", "min_count must be a whole number from 1 to 1000000"),
])
async def test_bad_parameters_are_a_400_that_says_what_is_allowed(client, operator_headers, query, message):
    """An unknown grouping, an unreadable or reversed period, a bad minimum: 400 invalid_input with the reason."""
    resp = await client.get(f"{URL}?{query}", headers=operator_headers)
    assert resp.status == 400
    assert await resp.json() == {"error": {"code": "invalid_input", "message": message}}


async def test_the_api_answers_the_cli_object(client, runtime, database_url, operator_headers):
    """For the same data and parameters the API answers exactly the object the CLI prints (bar the time it was made)."""
    seed(runtime.db)
    expected = cli_json(database_url, "--since", "2026-04-01", "--until", "2026-04-15", "--by", "region", "--min-count", "2")
    resp = await client.get(f"{URL}?since=2026-04-01&until=2026-04-15&by=region&min_count=2", headers=operator_headers)
    assert resp.status == 200
    stats = await resp.json()
    assert without_time(stats) == without_time(expected)
    assert stats["total"] == TOTAL
    assert [(g["key"], {k: v for k, v in g.items() if k != "key"}) for g in stats["groups"]] == BY_REGION
    assert [r["key"]["code"] for r in stats["ranking"]] == ["kota-mataram", "lombok-timur", "bima"]
    assert datetime.fromisoformat(stats["generated_at"]).utcoffset().total_seconds() == 8 * 3600


async def test_without_parameters_this_month_by_agency(client, database_url, operator_headers):
    """No parameters: this month so far, by agency, ranking from 5 resolved; the CLI's defaults are the same."""
    resp = await client.get(URL, headers=operator_headers)
    assert resp.status == 200
    stats = await resp.json()
    assert (stats["by"], stats["min_count"], stats["groups"]) == ("agency", 5, [])
    assert without_time(stats) == without_time(cli_json(database_url))


async def test_the_openapi_document_describes_stats(client):
    """The OpenAPI document lists the endpoint with its parameters and the shape of its answer."""
    doc = await (await client.get("/api/v1/openapi.json")).json()
    operation = doc["paths"][URL]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["since", "until", "by", "min_count"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "405", "503"}
    figures = doc["components"]["schemas"]["StatsFigures"]
    assert figures["required"] == ["received", "resolved", "rejected", "in_process", "overdue", "within_sla",
                                   "median_hours_to_acknowledge", "median_hours_to_resolve", "rated", "rating_average"]
    assert {k: v for k, v in figures["properties"]["rating_average"].items() if k != "description"} == {
        "type": ["number", "null"], "minimum": 1, "maximum": 5}
    assert figures["properties"]["rated"]["type"] == "integer"
    groups = doc["components"]["schemas"]["Stats"]["properties"]["groups"]["items"]
    assert groups["required"] == ["key", *figures["required"]]
