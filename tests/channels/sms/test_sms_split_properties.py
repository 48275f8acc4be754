"""Any reply fits SMS: splitting never raises, keeps every part within its budget, and loses nothing but spaces."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from channels.sms import split

# Any code point (surrogates, controls, emoji), and text rich in what splitting decides on: spaces of every
# kind, GSM-7 extension characters that take two septets, characters that force UCS-2.
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=1500)
TRICKY = st.text(alphabet=" \n\t\r\xa0\u2003\x1cab€[é…🚧", max_size=1500)
LONG = st.tuples(ANY_TEXT | TRICKY, st.integers(1, 40)).map(lambda t: t[0] * t[1])
TEXT = ANY_TEXT | TRICKY | LONG


def _solid(text: str) -> str:
    """The text without its whitespace (str.split's, the same that strip takes off)."""
    return "".join(text.split())


@settings(max_examples=400, deadline=None, derandomize=True)
@given(TEXT, st.integers(1, 8))
@example("a" * 20_000, 6)
@example(" \n" * 10_000 + ".", 6)
@example("€" * 500, 6)
@example("🚧" * 100, 2)
def test_split_parts_fit_and_keep_the_text(text, max_parts):
    """At most `max_parts` parts, none empty, each within 160/70 units alone or 153/67 as a part; only spaces lost."""
    parts = split.split(text, max_parts)
    enc = split.encoding(text.strip())
    assert len(parts) <= max_parts
    assert all(p.strip() == p and p for p in parts)
    budget = split.SINGLE[enc] if len(parts) == 1 else split.PART[enc]
    assert all(split.units(p, enc) <= budget for p in parts)
    ellipsis = split.ELLIPSIS[enc]
    joined = _solid("".join(parts))
    if joined == _solid(text):
        return
    # Cut: the last part ends with the ellipsis, and what was sent is the text's beginning.
    assert parts[-1].endswith(ellipsis)
    assert _solid(text).startswith(joined.removesuffix(_solid(ellipsis)))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(TEXT)
@example("a" * 20_000)
def test_cap_keeps_a_reply_within_six_parts(text):
    """A reply the provider concatenates is cut to what six parts hold, from its beginning."""
    capped = split.cap(text)
    enc = split.encoding(text.strip())
    assert split.units(capped, enc) <= max(split.SINGLE[enc], split.MAX_PARTS * split.PART[enc])
    if _solid(capped) != _solid(text):
        ellipsis = split.ELLIPSIS[enc]
        assert capped.endswith(ellipsis)
        assert _solid(text).startswith(_solid(capped).removesuffix(_solid(ellipsis)))
