"""A sweep's digests link each listed ticket to the page its reader opens: an agency's inbox, the operators' console."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from delivery.digest import digest_group_message, digest_html, digest_of, digest_text
from providers.outcome import Delivery
from sweep.digest import DigestFacts, build_digests

PUBLIC = "http://aduan.test"
NOW = datetime(2026, 11, 24, 0, 0, tzinfo=timezone.utc)
DUE = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


def row(code: str, agency: str) -> dict:
    """A listed ticket as the sweep reads it from the store."""
    return {"code": code, "status": "assigned", "category": "kesehatan", "region": "lombok-timur", "agency": agency,
            "due_at": DUE}


@pytest.fixture
def digests(sample_config) -> dict[tuple[str, str], dict]:
    """The digests of one overdue ticket of Dinkes Lombok Timur and one the triage team itself holds, by
    (audience, agency)."""
    lotim, team = row("NTB-7K3QX9P2", "dinkes-lotim"), row("NTB-4HWM2RT8", sample_config.triage)
    facts = DigestFacts(counts={"dinkes-lotim": {"assigned": 1}, sample_config.triage: {"assigned": 1}},
                        overdue_counts={"dinkes-lotim": 1, sample_config.triage: 1},
                        overdue_rows={"dinkes-lotim": [lotim], sample_config.triage: [team]},
                        all_overdue=[lotim, team])
    return {(d["audience"], agency): d for agency, d in build_digests(sample_config, facts, NOW, PUBLIC)}


def as_delivery(digest: dict, agency: str) -> Delivery:
    """The outbox row carrying a digest, as a deliverer is handed it."""
    return Delivery("d-digest", "email", "x@example.id", "digest", {"digest": digest}, 1, agency)


def test_an_agencys_digest_links_its_inbox(digests):
    """Dinkes Lombok Timur's digest opens the ticket in its inbox; machines get the API's address beside it."""
    [listed] = digests[("agency", "dinkes-lotim")]["overdue_tickets"]
    assert listed["ticket_url"] == f"{PUBLIC}/agency/tickets/NTB-7K3QX9P2"
    assert listed["api_url"] == f"{PUBLIC}/api/v1/agency/tickets/NTB-7K3QX9P2"


def test_the_operators_digest_links_the_console(digests):
    """The operators' overview opens every overdue ticket, whoever holds it, in the console."""
    listed = digests[("operators", "ntb-care")]["overdue_tickets"]
    assert [t["ticket_url"] for t in listed] == [f"{PUBLIC}/dashboard/complaints/NTB-7K3QX9P2",
                                                 f"{PUBLIC}/dashboard/complaints/NTB-4HWM2RT8"]


def test_the_triage_teams_own_tickets_link_the_console(digests):
    """The triage team's digest of the tickets it holds itself links the console too: its people are operators."""
    [listed] = digests[("agency", "ntb-care")]["overdue_tickets"]
    assert listed["ticket_url"] == f"{PUBLIC}/dashboard/complaints/NTB-4HWM2RT8"


def test_every_rendering_carries_the_readers_link(digests):
    """The e-mail's two parts and the group message link the agency's digest to the inbox, the operators' to the
    console, and neither to the API."""
    for (audience, agency), page in ((("agency", "dinkes-lotim"), "/agency/tickets/NTB-7K3QX9P2"),
                                     (("operators", "ntb-care"), "/dashboard/complaints/NTB-7K3QX9P2")):
        digest = digest_of(as_delivery(digests[(audience, agency)], agency))
        text, html, group = digest_text(digest, None), digest_html(digest, None), digest_group_message(digest, None)
        assert f"  {PUBLIC}{page}\n" in text
        assert f'<a href="{PUBLIC}{page}">NTB-7K3QX9P2</a>' in html
        assert f'• <a href="{PUBLIC}{page}">NTB-7K3QX9P2</a>' in group
        for body in (text, html, group):
            assert "/api/v1/" not in body
