"""The fault suite's counts in the run's summary: each test prints one line (`sent=… acknowledged=… stored=…
duplicated=… lost=…`), and the lines are shown at the end of every run, not only under `pytest -s`."""

from __future__ import annotations

COUNTS: list[tuple[str, str]] = []


def pytest_runtest_logreport(report) -> None:
    if report.when == "call" and "tests/faults/" in report.nodeid:
        for line in report.capstdout.splitlines():
            if line.startswith("sent="):
                COUNTS.append((report.nodeid.split("::")[-1], line))


def pytest_terminal_summary(terminalreporter) -> None:
    if COUNTS:
        terminalreporter.section("fault suite counts")
        for test, line in COUNTS:
            terminalreporter.write_line(f"{test}: {line}")
