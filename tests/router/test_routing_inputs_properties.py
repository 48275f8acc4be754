"""Routing takes any region, channel and kind a caller passes beside any text: a decision of the config, or
UnknownRegion for a region code it does not know (the API and the form answer that 400), never another exception.
(Texts alone: test_routing_properties.py.)"""

from __future__ import annotations

import json

from hypothesis import example, given
from hypothesis import strategies as st

from config.loader import load_config
from router import UnknownRegion, compile_router
from tests.channels.parse_properties import budget
from tests.conftest import SAMPLE_CONFIG

CONFIG = load_config(SAMPLE_CONFIG, env={}).config
ROUTER = compile_router(CONFIG)
KNOWN = sorted(CONFIG.regions)
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=60)
WORDS = st.lists(st.sampled_from(sorted({w.rstrip("*") for r in CONFIG.rules for w in r.when.any}) + KNOWN), max_size=8)
TEXT = ANY_TEXT | WORDS.map(" ".join)
# A region as callers write it: a known code, one in other letters or with spaces, or anything.
REGION = (st.none() | st.sampled_from(KNOWN) | st.sampled_from(KNOWN).map(str.upper)
          | st.sampled_from(KNOWN).map(lambda code: f" {code} ") | ANY_TEXT)
CHANNEL = st.none() | st.sampled_from(["web", "api", "sms", "telegram", "whatsapp", "facebook", "instagram"]) | ANY_TEXT
KIND = st.sampled_from(["complaint", "aspiration", "inquiry"]) | ANY_TEXT


@budget(500)
@given(TEXT, REGION, CHANNEL, KIND)
@example("obat kosong di puskesmas", "", "telegram", "complaint")
@example("obat kosong", "\ud800", "\x00", "")
def test_any_region_channel_and_kind_route_or_name_the_unknown_region(text, region, channel, kind):
    """A decision of the config for a known (or no) region, UnknownRegion naming any other, whatever the rest."""
    try:
        decision = ROUTER.route(text, region=region, channel=channel, kind=kind)
    except UnknownRegion as exc:
        assert region and region not in CONFIG.regions and isinstance(str(exc), str)
        return
    assert not region or region in CONFIG.regions
    assert decision.agency in CONFIG.agencies and decision.region in CONFIG.regions
    assert decision.kind == kind and decision.status in ("assigned", "triage")
    assert decision.category is None or isinstance(decision.category, str)
    if region:
        assert (decision.region, decision.region_source) == (region, "given")
    # What `route --json` prints: one JSON object, whatever the input held.
    assert json.loads(json.dumps(decision.as_dict()))["agency"]["code"] == decision.agency
