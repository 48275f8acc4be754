"""The command line as an operator uses it: --help, rules check, route, token create (list and revoke: tests/api/test_tokens.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, ADUAN_CONFIG_DIR=str(ROOT / "config"))
    full_env.update(env or {})
    return subprocess.run([sys.executable, "main.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", [[], ["serve"], ["db", "upgrade"], ["rules", "check"], ["route"], ["token", "create"], ["token", "list"],
                                     ["token", "revoke"], ["telegram", "set-webhook"],
                                     ["sweep"], ["stats"], ["export"]])
def test_every_command_has_help(command):
    """Every command answers --help with its usage."""
    result = run(*command, "--help")
    assert result.returncode == 0
    assert "usage: python main.py" in result.stdout


def test_rules_check_passes_on_the_sample():
    """The sample config checks clean, warnings shown but not failing."""
    result = run("rules", "check")
    assert result.returncode == 0, result.stdout
    assert "ok:" in result.stdout


def test_rules_check_fails_with_file_line_message(tmp_path):
    """A broken config fails the check with one `file:line: message` per problem."""
    shutil.copytree(ROOT / "config", tmp_path / "cfg")
    rules = tmp_path / "cfg" / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n  - name: rusak\n    when: {any: [x]}\n    then: {agency: tidak-ada}\n",
                     encoding="utf-8")
    result = run("rules", "check", env={"ADUAN_CONFIG_DIR": str(tmp_path / "cfg")})
    assert result.returncode == 1
    line_count = len(rules.read_text(encoding="utf-8").splitlines())
    assert f'rules.yaml:{line_count}: rule "rusak": unknown agency "tidak-ada"' in result.stdout


def test_route_json_explains_the_decision():
    """`route --json` gives the rule, agency, region and the steps that led there."""
    result = run("route", "Obat di puskesmas Aikmel kosong", "--json")
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert set(decision) >= {"rule", "agency", "service", "region", "region_source", "category", "priority", "kind", "matched", "steps"}
    assert decision["agency"]["code"] == "puskesmas-aikmel"
    assert decision["region"] == {"code": "lotim-aikmel", "name": decision["region"]["name"]}
    assert decision["region_source"] == "text"
    assert decision["matched"]
    assert any("puskesmas-aikmel" in step for step in decision["steps"])


def test_route_given_region_beats_the_text():
    """--region wins over a region named in the text."""
    result = run("route", "jalan rusak di Mataram", "--region", "dompu", "--json")
    decision = json.loads(result.stdout)
    assert decision["region"]["code"] == "dompu" and decision["region_source"] == "given"


def test_route_prints_why_in_plain_text():
    """Without --json, route prints the agency and the reasons."""
    result = run("route", "banjir bandang di Bima")
    assert result.returncode == 0
    assert "agency:" in result.stdout and "why:" in result.stdout


def test_route_unknown_region_is_an_error():
    """An unknown --region is refused with a clear message."""
    result = run("route", "jalan rusak", "--region", "atlantis")
    assert result.returncode == 2
    assert 'unknown region "atlantis"' in result.stderr


def test_token_create_prints_once_and_stores_only_a_hash(tmp_path, database_url):
    """A created operator token works on the API and the database holds only its hash."""
    from sqlalchemy import select

    from store import models as m
    from store.db import open_database

    result = run("token", "create", "--label", "desk", env={"ADUAN_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("adu_") and len(token) > 40
    db = open_database(database_url)
    with db.reader.connect() as conn:
        rows = conn.execute(select(m.ApiToken.token_hash, m.ApiToken.role)).all()
    db.dispose()
    assert len(rows) == 1 and rows[0].role == "operator"
    assert token not in rows[0].token_hash
