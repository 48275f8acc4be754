"""Spot a regular expression that can backtrack for minutes: a repetition inside a repetition, as in (a+)+.

Python's `re` backtracks, and has no time limit: `(a+)+$` takes time exponential in the length of a run of
"a" it fails on, so one message can hold intake however short the text it is given. Routing bounds the
length a rule's pattern searches (router/engine.py PATTERN_CHARS), which tames patterns whose cost is a
power of the length; this finds the exponential kind, so that `rules check` can warn about it. It reads
the parse tree of the `re` module itself (re._parser); a Python that changes that tree gets no warning
rather than a wrong one.
"""

from __future__ import annotations

try:
    from re import _constants as _c, _parser as _p
except ImportError:  # pragma: no cover - a Python without the 3.11 layout
    _c = _p = None

# A repetition that may run more times than this counts as one that can go on and on (`*`, `+`, `{2,}`, `{0,50}`).
MANY = 10


def repeats_a_repetition(pattern: str) -> bool:
    """Tell whether the pattern repeats, many times over, a part that itself repeats a varying number of times."""
    if _p is None:
        return False
    try:
        tree = _p.parse(pattern)
        return _nested(tree, False)
    except Exception:  # noqa: BLE001 - a bad pattern is reported by re.compile; anything else: no warning
        return False


def _nested(items, inside_many: bool) -> bool:
    for op, av in items:
        # Possessive repetitions and atomic groups give nothing back, so they do not backtrack into themselves.
        if op in (_c.POSSESSIVE_REPEAT, _c.ATOMIC_GROUP):
            continue
        if op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            low, high, body = av
            if inside_many and high != low:
                return True
            if _nested(body, inside_many or high == _c.MAXREPEAT or high > MANY):
                return True
        elif any(_nested(sub, inside_many) for sub in _subpatterns(av)):
            return True
    return False


def _subpatterns(av):
    """The parts nested in one node of the tree: groups, branches, lookarounds, conditionals."""
    if isinstance(av, _p.SubPattern):
        yield av
    elif isinstance(av, (list, tuple)):
        for item in av:
            yield from _subpatterns(item)
