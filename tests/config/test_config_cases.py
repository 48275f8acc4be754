"""Each config case file breaks one thing; the loader reports it as `file:line: message`."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config.loader import load_config

HERE = Path(__file__).resolve().parent
CASES = sorted((HERE / "cases").glob("*.yaml"))
SECRETS = {
    "ADUAN_AGENCY_SECRET_DINKES_PROV": "s1",
    "ADUAN_AGENCY_SECRET_PUPR_KOTA": "s2",
    "ADUAN_AGENCY_SECRET_TIM": "s3",
}


def read_case(path: Path) -> tuple[str, dict[str, str], list[str], list[str]]:
    """Return the file a case replaces, its env, and its expected errors and warnings."""
    replaces, env, errors, warnings = None, dict(SECRETS), [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].strip().partition(": ")
        if key == "replaces":
            replaces = value
        elif key == "env" and value.startswith("drop "):
            env.pop(value[5:])
        elif key == "env" and value.startswith("set "):
            name, _, setting = value[4:].partition("=")
            env[name] = setting
        elif key == "expect error":
            errors.append(value)
        elif key == "expect warning":
            warnings.append(value)
    assert replaces, f"{path.name} names no file to replace"
    return replaces, env, errors, warnings


def test_base_config_is_clean():
    """The base of the cases loads with no errors and no warnings."""
    result = load_config(HERE / "base", env=SECRETS)
    assert result.errors == [] and result.warnings == []


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_case_reports_file_line_message(case: Path, tmp_path: Path):
    """The case's problem is reported exactly, with its file and line."""
    replaces, env, errors, warnings = read_case(case)
    shutil.copytree(HERE / "base", tmp_path, dirs_exist_ok=True)
    shutil.copy(case, tmp_path / replaces)
    result = load_config(tmp_path, env=env)
    for expected in errors:
        assert expected in result.errors
    for expected in warnings:
        assert expected in result.warnings
    if errors:
        assert result.config is None
    else:
        assert result.errors == [] and result.config is not None


def test_sample_config_checks_clean():
    """The shipped NTB sample has no errors."""
    result = load_config(HERE.parents[1] / "config", env={})
    assert result.errors == []


def test_shipped_json_schemas_match_the_models():
    """config/schema/ is what the models generate, so editors validate what the loader accepts."""
    from config.schema_export import SCHEMA_DIR, schemas

    for filename, text in schemas().items():
        assert (SCHEMA_DIR / filename).read_text(encoding="utf-8") == text, f"regenerate {filename}: python -m config.schema_export"


def test_unreadable_file_is_reported_with_its_name(tmp_path):
    """A file that is not UTF-8, or not a file, is a `file:1: message`, never a crash."""
    shutil.copytree(HERE / "base", tmp_path, dirs_exist_ok=True)
    (tmp_path / "rules.yaml").write_bytes(b"triage: tim\nrules: []\n# Pengaduan \xe9\n")
    (tmp_path / "settings.yaml").unlink()
    (tmp_path / "settings.yaml").mkdir()
    result = load_config(tmp_path, env=SECRETS)
    assert result.config is None
    assert any(e.startswith("rules.yaml:1: not UTF-8 text") for e in result.errors)
    assert any(e.startswith("settings.yaml:1: cannot be read") for e in result.errors)
