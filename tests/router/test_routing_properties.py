"""Routing takes whatever a citizen sends: it never raises, normalizes consistently, and reads a bounded head."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from api.public import MAX_TEXT
from complaints.model import InboundMessage, Reporter, has_control, without_control_characters
from config.loader import load_config
from router import compile_router
from router.engine import PATTERN_CHARS, ROUTE_CHARS
from router.text import normalize, words
from tests.conftest import SAMPLE_CONFIG

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
CONFIG = load_config(SAMPLE_CONFIG, env={}).config  # module-level: hypothesis runs many examples per test
ROUTER = compile_router(CONFIG)
KEYWORDS = sorted({w.rstrip("*") for r in CONFIG.rules for w in (*r.when.any, *r.when.all, *r.when.none)})
REGION_NAMES = sorted({t for node in CONFIG.regions.values() for t in (node.name, *node.aliases)})
RULES = {r.name for r in CONFIG.rules}

# Any code point, surrogates and controls included (a JSON body can carry "\ud800").
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=300)
# Text the way complaints are written: the config's keywords and region names, other words, punctuation.
PIECES = st.sampled_from(KEYWORDS) | st.sampled_from(REGION_NAMES) | st.sampled_from(
    ["di", "obat", "kosong", "tambang", "liar", "NTB-7K3QX9P2", "é", "𝐏𝐮𝐬𝐤𝐞𝐬𝐦𝐚𝐬", "!!", "...", "-", "\n", "\t", " "])
SOUP = st.lists(PIECES, max_size=60).map(" ".join)
TEXT = ANY_TEXT | SOUP | st.tuples(SOUP | ANY_TEXT, st.integers(1, 400)).map(lambda t: t[0] * t[1])


def _route_args():
    return {
        "region": st.none() | st.sampled_from(sorted(CONFIG.regions)),
        "channel": st.none() | st.sampled_from(["web", "api", "sms", "telegram", "whatsapp", "facebook"]),
        "kind": st.sampled_from(["complaint", "aspiration", "inquiry"]),
    }


@settings(max_examples=400, deadline=None, derandomize=True)
@given(TEXT, st.fixed_dictionaries(_route_args()))
@example("obat " * 4000, {"region": None, "channel": "telegram", "kind": "complaint"})
@example("mataram " * 2500, {"region": None, "channel": "sms", "kind": "complaint"})
@example("keberatan NTB-7K3QX9P2 " + " \n" * 10000 + ".", {"region": None, "channel": "telegram", "kind": "complaint"})
def test_any_text_routes_to_a_known_agency_and_region(text, kwargs):
    """Whatever the text, routing answers an agency and a region of the config, and never raises."""
    decision = ROUTER.route(text, **kwargs)
    assert decision.agency in CONFIG.agencies
    assert decision.region in CONFIG.regions
    assert decision.rule is None or decision.rule in RULES
    if decision.rule is None:
        assert (decision.status, decision.agency) == ("triage", CONFIG.triage)
    assert decision.status in ("assigned", "triage")
    if kwargs["region"] is not None:
        assert (decision.region, decision.region_source) == (kwargs["region"], "given")


@settings(max_examples=200, deadline=None, derandomize=True)
@given(SOUP, SOUP)
@example("Lampu jalan mati", "Banjir bandang di Woha, rumah warga terendam")
def test_words_past_the_head_change_nothing(head, tail):
    """A text's first ROUTE_CHARS characters decide its routing: anything after them leaves the decision as it was."""
    padded = (head + " " * ROUTE_CHARS)[: ROUTE_CHARS - 1] + " "
    assert ROUTER.route(padded + tail).as_dict() == ROUTER.route(padded).as_dict()


def test_every_text_the_api_takes_routes_whole():
    """A complaint as long as the API and the form accept routes on its last word too."""
    text = ("mohon perhatian " * MAX_TEXT)[: MAX_TEXT - len(" banjir di Woha")] + " banjir di Woha"
    assert len(text) == MAX_TEXT <= ROUTE_CHARS
    decision = ROUTER.route(text)
    assert (decision.rule, decision.agency, decision.region) == ("bencana-alam", "bpbd-bima", "bima-woha")


def test_a_word_cut_by_the_limit_is_left_out():
    """The limit never turns the half of a word into another keyword ("RSUD" cut to "RS")."""
    text = " " * (ROUTE_CHARS - 2) + "RSUD Praya"
    assert ROUTER.route(text).rule is None
    assert ROUTER.route(" " * 100 + "RS Praya").rule == "layanan-kesehatan"


@pytest.mark.parametrize(
    ("gap", "rule"),
    [
        pytest.param(PATTERN_CHARS - 40, "obat-kosong", id="within-the-searched-head"),
        pytest.param(PATTERN_CHARS + 40, "layanan-kesehatan", id="past-the-searched-head"),
    ],
)
def test_rule_patterns_search_the_first_pattern_chars(gap, rule):
    """A rule's pattern sees the first PATTERN_CHARS characters; the keywords still see the rest."""
    text = "Obat di puskesmas" + " ." * (gap // 2) + " kosong"
    assert ROUTER.route(text).rule == rule


def test_styled_letters_route_as_plain_ones():
    """Bold "𝐏𝐮𝐬𝐤𝐞𝐬𝐦𝐚𝐬" of styled social-media text is the keyword puskesmas, as "Puskesmas" is."""
    styled = ROUTER.route("𝐏𝐮𝐬𝐤𝐞𝐬𝐦𝐚𝐬 Aikmel tutup jam 10")
    plain = ROUTER.route("Puskesmas Aikmel tutup jam 10")
    assert (styled.rule, styled.agency, styled.region) == (plain.rule, plain.agency, plain.region) == (
        "layanan-kesehatan", "puskesmas-aikmel", "lotim-aikmel")


_WORD = re.compile(r"[^\W_]+")


@settings(max_examples=400, deadline=None, derandomize=True)
@given(TEXT)
@example("ℌ ϒ ᴬ 𝐎𝐁𝐀𝐓 ﷺ Straße İstanbul")
def test_normalized_words_are_folded_once_and_for_all(text):
    """Every word is letters or digits only, already folded: normalizing again changes nothing."""
    said = words(text)
    assert all(_WORD.fullmatch(w) for w in said)
    assert words(" ".join(said)) == said
    assert normalize(normalize(text)) == normalize(text)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(ANY_TEXT, st.none() | ANY_TEXT)
def test_control_characters_are_removed_and_nothing_else(text, name):
    """A message loses its control characters (tab and newlines kept) and keeps every other character in order."""
    msg = InboundMessage(channel="telegram", provider_message_id="1", text=text, received_at=NOW, raw=text,
                         reporter=Reporter(name=name))
    clean = without_control_characters(msg)
    assert not has_control(clean.text) and not has_control(clean.reporter.name)
    kept = "".join(c for c in text if not has_control(c))
    assert clean.text == kept
    assert not has_control(clean.raw)
