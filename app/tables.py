"""What the listing commands print (`token list`, `user list`): times in UTC, columns padded to their widest cell."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone


def utc(moment: datetime | None) -> str | None:
    """A stored time as ISO 8601 in UTC, to the second."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds") if moment else None


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print `header` and `rows`, each column as wide as its widest cell, two spaces between columns."""
    lines = [tuple(header)] + [tuple(row) for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
