"""Bar charts of the stats groups as geometry for inline SVG: pure, so the page needs no script and no library.

Each bar is one group (a region, an agency, ...) with its length the group's `received`, split into what
became of those complaints: resolved, still in process within time, overdue, rejected. Positions are
percentages of the chart's width, so the SVG stretches to any screen while its text keeps the page's size.
"""

from __future__ import annotations

from dataclasses import dataclass

# Order of the segments along a bar; the stylesheet colours them by kind.
KINDS = ("resolved", "in_time", "overdue", "rejected")
MAX_BARS = 10
ROW = 44  # px per bar: a label line, then the bar
BAR_Y = 20
BAR_HEIGHT = 16
LONGEST = 82.0  # % of the width the longest bar takes; the rest holds its count
NAME_CHARS = 42


@dataclass(frozen=True)
class Segment:
    """One part of a bar: a kind of outcome, where it starts and how long it is (% of the width)."""

    kind: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    """One group's bar, with its name (shortened to fit a phone; `full_name` for its tooltip)."""

    code: str | None
    name: str
    full_name: str
    received: int
    counts: dict[str, int]
    segments: tuple[Segment, ...]
    y: int
    end: float  # % where the bar ends: its count is written right after

    @property
    def label_y(self) -> int:
        return self.y + 14

    @property
    def bar_y(self) -> int:
        return self.y + BAR_Y

    @property
    def count_y(self) -> int:
        return self.y + BAR_Y + BAR_HEIGHT - 3


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


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1].rstrip() + "…"


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
    for i, (code, name, received, counts) in enumerate(shown):
        x = 0.0
        segments = []
        for kind in KINDS:
            width = LONGEST * counts[kind] / longest if longest else 0.0
            if counts[kind]:
                segments.append(Segment(kind, counts[kind], round(x, 3), round(width, 3)))
            x += width
        bars.append(Bar(code=code, name=_short(name), full_name=name, received=received, counts=counts,
                        segments=tuple(segments), y=i * ROW, end=round(x, 3)))
    return Chart(by=by, bars=tuple(bars), height=len(bars) * ROW, gathered=gathered)
