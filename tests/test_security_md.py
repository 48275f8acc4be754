"""SECURITY.md stays true: every test it names exists, and every guarantee line names one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def test_every_test_security_md_names_exists():
    """Each `tests/…py::test_name` in SECURITY.md is a test function in that file."""
    text = (ROOT / "SECURITY.md").read_text()
    named = NODE.findall(text)
    assert len(named) >= 60
    missing = [f"{path}::{name}" for path, name in named
               if not (ROOT / path).is_file() or not re.search(rf"^(async )?def {name}\(", (ROOT / path).read_text(), re.M)]
    assert missing == []


def test_every_guarantee_line_names_its_test():
    """Each bullet of SECURITY.md ends with at least one test node id."""
    bullets = [line for line in (ROOT / "SECURITY.md").read_text().splitlines() if line.startswith("- ")]
    assert bullets and [b for b in bullets if not NODE.search(b)] == []
