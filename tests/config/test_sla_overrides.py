"""An agency's own SLA longer than a `by_priority` term: the shorter term binds, and `rules check` says so with the
file and line of the agency's term."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config.loader import load_config
from config.models import duration_order

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SECRETS = {"ADUAN_AGENCY_SECRET_DINKES_PROV": "s1", "ADUAN_AGENCY_SECRET_PUPR_KOTA": "s2",
           "ADUAN_AGENCY_SECRET_TIM": "s3", "ADUAN_AGENCY_SECRET_BPBD_PROV": "s4",
           "ADUAN_AGENCY_SECRET_INSPEKTORAT_PROV": "s5"}

SETTINGS = """\
tracking_prefix: TST
sla:
  acknowledge: 3wd
  by_priority:
    urgent: {acknowledge: 1h}
    high: {acknowledge: 24h, resolve: 7wd}
"""

# Line 12 holds BPBD's sla, line 19 the Inspektorat's acknowledge and line 20 its resolve; Dinkes's 1h equals urgent's.
AGENCIES = """\
agencies:
  - code: tim
    name: Tim Pengaduan
    service: triage
    region: prov
    deliver: [{webhook: "https://tim.example/aduan"}]
  - code: bpbd-prov
    name: BPBD Provinsi
    service: bencana
    region: prov
    deliver: [{webhook: "https://bpbd.example/aduan"}]
    sla: {acknowledge: 4h, resolve: 5wd}
  - code: inspektorat-prov
    name: Inspektorat Provinsi
    service: pengawasan
    region: prov
    deliver: [{webhook: "https://inspektorat.example/aduan"}]
    sla:
      acknowledge: 2wd
      resolve: 20wd
  - code: dinkes-prov
    name: Dinas Kesehatan Provinsi
    service: kesehatan
    region: prov
    deliver: [{webhook: "https://dinkes.example/aduan"}]
    sla: {acknowledge: 1h}
  - code: pupr-kota
    name: Dinas PUPR Kota
    service: pupr
    region: kota
    deliver: [{webhook: "https://pupr.example/aduan"}]
"""

BPBD = ('agencies.yaml:12: agency "bpbd-prov": its own sla acknowledge 4h is longer than by_priority urgent 1h in '
        "settings.yaml; the shorter term wins, so there urgent tickets must be acknowledged within 1h")
INSPEKTORAT_ACKNOWLEDGE = (
    'agencies.yaml:19: agency "inspektorat-prov": its own sla acknowledge 2wd is longer than by_priority urgent 1h, '
    "high 24h in settings.yaml; the shorter term wins, so there urgent tickets must be acknowledged within 1h, high "
    "ones within 24h")
INSPEKTORAT_RESOLVE = (
    'agencies.yaml:20: agency "inspektorat-prov": its own sla resolve 20wd is longer than by_priority high 7wd in '
    "settings.yaml; the shorter term wins, so there high tickets must be resolved within 7wd")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The config tests' base with agencies that have their own SLA and settings with priority terms."""
    shutil.copytree(HERE / "base", tmp_path, dirs_exist_ok=True)
    (tmp_path / "agencies.yaml").write_text(AGENCIES, encoding="utf-8")
    (tmp_path / "settings.yaml").write_text(SETTINGS, encoding="utf-8")
    return tmp_path


def test_an_agency_term_longer_than_a_priority_term_is_warned_with_its_line(folder):
    """Each agency term a shorter priority term overrides is one warning at that term's line; an equal one is not."""
    result = load_config(folder, env=SECRETS)
    assert result.errors == [] and result.config is not None
    assert [w for w in result.warnings if "by_priority" in w] == [BPBD, INSPEKTORAT_ACKNOWLEDGE, INSPEKTORAT_RESOLVE]


def test_no_priority_terms_no_warning(folder):
    """Without `by_priority` an agency's own SLA overrides nothing: no warning."""
    (folder / "settings.yaml").write_text("tracking_prefix: TST\n", encoding="utf-8")
    result = load_config(folder, env=SECRETS)
    assert result.errors == [] and not [w for w in result.warnings if "by_priority" in w]


def test_rules_check_prints_the_warning_and_passes(folder):
    """`python main.py rules check` shows the warning as `file:line: message` and still succeeds."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ADUAN_")}
    env.update(SECRETS, ADUAN_CONFIG_DIR=str(folder))
    done = subprocess.run([sys.executable, "main.py", "rules", "check"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert BPBD in done.stdout + done.stderr


@pytest.mark.parametrize(("shorter", "longer"), [
    ("1h", "4h"), ("4h", "1wd"), ("24h", "1wd"), ("1wd", "25h"), ("1wd", "48h"), ("2wd", "3wd"), ("24h", "2wd")])
def test_terms_compare_by_the_least_they_can_last(shorter, longer):
    """Hours last their hours; a working day at least 24 h, so 24h is never longer than 1wd and 48h may be."""
    assert duration_order(shorter) < duration_order(longer)
