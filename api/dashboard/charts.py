"""Bar charts of the stats groups as geometry for inline SVG: pure, so the page needs no script and no library.

Each bar is one group (a region, an agency, ...) with its length the group's `received`, split into what
became of those complaints: resolved, still in process within time, overdue, rejected. Positions are
percentages of the chart's width, so the SVG stretches to any screen while its text keeps the page's size.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

# Order of the segments along a bar; the stylesheet colours them by kind.
KINDS = ("resolved", "in_time", "overdue", "rejected")
MAX_BARS = 10
LINE = 16  # px per line of a bar's label
BAR_GAP = 6  # px between the label's last line and the bar
BAR_HEIGHT = 16
ROW_GAP = 8  # px after a bar
LONGEST = 82.0  # % of the width the longest bar takes; the rest holds its count
# A label's line on a phone (13 px text in about 340 px): names are wrapped whole at words, never cut
# ("Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Lombok Timur" and its neighbours differ only at the end).
NAME_CHARS = 40


@dataclass(frozen=True)
class Segment:
    """One part of a bar: a kind of outcome, where it starts and how long it is (% of the width)."""

    kind: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    """One group's bar, with its name whole, wrapped at words into `lines` to fit a phone."""

    code: str | None
    name: str
    received: int
    counts: dict[str, int]
    segments: tuple[Segment, ...]
    y: int
    end: float  # % where the bar ends: its count is written right after
    lines: tuple[str, ...] = ()

    @property
    def label_ys(self) -> list[tuple[str, int]]:
        """Each label line with its baseline."""
        return [(line, self.y + 13 + i * LINE) for i, line in enumerate(self.lines)]

    @property
    def bar_y(self) -> int:
        return self.y + len(self.lines) * LINE + BAR_GAP

    @property
    def count_y(self) -> int:
        return self.bar_y + BAR_HEIGHT - 3

    @property
    def height(self) -> int:
        return len(self.lines) * LINE + BAR_GAP + BAR_HEIGHT + ROW_GAP


@dataclass(frozen=True)
class Chart:
    """The bars of one dimension, the SVG's height, and how many groups the last bar gathers ("Lainnya")."""

    by: str
    bars: tuple[Bar, ...]
    height: int
    gathered: int = 0
    bar_height: int = BAR_HEIGHT


def _counts(group: dict) -> dict[str, int]:
    return {
        "resolved": group["resolved"],
        "in_time": group["in_process"] - group["overdue"],
        "overdue": group["overdue"],
        "rejected": group["rejected"],
    }


def wrap(name: str) -> tuple[str, ...]:
    """A group's name in lines of at most NAME_CHARS characters, broken at spaces (a longer word keeps its line)."""
    return tuple(textwrap.wrap(name, NAME_CHARS, break_long_words=False, break_on_hyphens=False)) or ("",)


def bar_chart(by: str, groups: list[dict], others_name: str, max_bars: int = MAX_BARS) -> Chart:
    """Lay out the stats groups (ordered as build_stats orders them) as bars; past `max_bars`, one bar gathers the rest."""
    shown = [(g["key"]["code"], g["key"]["name"], g["received"], _counts(g)) for g in groups]
    gathered = 0
    if len(shown) > max_bars:
        rest = shown[max_bars - 1:]
        gathered = len(rest)
        summed = {kind: sum(item[3][kind] for item in rest) for kind in KINDS}
        shown = shown[: max_bars - 1] + [(None, others_name.format(n=gathered), sum(item[2] for item in rest), summed)]
    longest = max((item[2] for item in shown), default=0)
    bars = []
    y = 0
    for code, name, received, counts in shown:
        x = 0.0
        segments = []
        for kind in KINDS:
            width = LONGEST * counts[kind] / longest if longest else 0.0
            if counts[kind]:
                segments.append(Segment(kind, counts[kind], round(x, 3), round(width, 3)))
            x += width
        bar = Bar(code=code, name=name, received=received, counts=counts, segments=tuple(segments), y=y,
                  end=round(x, 3), lines=wrap(name))
        bars.append(bar)
        y += bar.height
    return Chart(by=by, bars=tuple(bars), height=y, gathered=gathered)
