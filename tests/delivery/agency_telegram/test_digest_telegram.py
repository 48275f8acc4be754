"""The sweep's digest in an agency's Telegram group (a fake Bot API): one HTML message, escaped, within 4,096."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from agency_telegram_helpers import group_deliverer
from delivery.digest import digest_group_message
from delivery.telegram_text import MAX_TEXT, units
from providers.outcome import Delivered, Delivery, Permanent

URL = "http://aduan.test/agency/tickets/"
WITA = ZoneInfo("Asia/Makassar")
SCRIPT = "<script>alert(1)</script>"
DINKES_GROUP = "-1001000000010"  # dinkes-ntb's telegram_chat in the sample agencies.yaml
NTB_CARE_GROUP = "-1001000000001"


def ticket(n: int, category: str | None = "kesehatan", due_at: str | None = "2026-03-20T01:00:00+00:00") -> dict:
    """The n-th ticket of a digest's list."""
    code = f"NTB-{n:08d}"
    return {"code": code, "status": "assigned", "category": category,
            "region": {"code": "lotim", "name": "Kabupaten Lombok Timur"}, "due_at": due_at, "ticket_url": URL + code}


def dead(n: int) -> dict:
    """The n-th dead delivery of the operators' digest: its last error an agency's HTML answer."""
    return {"delivery_id": f"00000000-0000-4000-8000-{n:012d}", "agency": {"code": "dinkes-ntb", "name": "Dinkes"},
            "transport": "webhook", "event": "ticket.assigned", "last_error": "HTTP 404: <h1>Not & Found</h1>"}


def agency_digest(**changes) -> dict:
    """A small digest of dinkes-ntb."""
    digest = {"audience": "agency", "agency": {"code": "dinkes-ntb", "name": "Dinas Kesehatan Provinsi NTB"},
              "at": "2026-03-23T08:00:00+08:00", "open": 2, "overdue": 1, "dead_deliveries": 0,
              "by_status": {"assigned": 2}, "overdue_tickets": [ticket(1, category=f"obat {SCRIPT} & alkes")],
              "open_tickets": [ticket(1, category=f"obat {SCRIPT} & alkes"), ticket(2, category=None, due_at=None)],
              "more_overdue": 0, "more_open": 0}
    return {**digest, **changes}


def long_operators_digest() -> dict:
    """The operators' digest on a bad day: 200 overdue (50 listed), 80 open (50 listed), 60 dead (50 listed)."""
    return {"audience": "operators", "agency": {"code": "ntb-care", "name": "Tim NTB Care"},
            "at": "2026-03-23T08:00:00+08:00", "open": 280, "overdue": 200, "dead_deliveries": 60,
            "by_status": {"assigned": 150, "acknowledged": 80, "in_progress": 50},
            "overdue_tickets": [ticket(n, category=f"kesehatan & <gizi> {n}") for n in range(50)],
            "open_tickets": [ticket(1000 + n, due_at=None) for n in range(50)],
            "more_overdue": 150, "more_open": 30, "triage": 4,
            "dead": [dead(n) for n in range(50)], "dashboard_url": "http://aduan.test/dashboard"}


def digest_delivery(digest, target: str = DINKES_GROUP, agency: str = "dinkes-ntb") -> Delivery:
    """A digest row as the worker hands it to the deliverer."""
    return Delivery("3c9e7a51-2f4b-4d8e-a6c0-1b2d3e4f5a6b", "telegram_chat", target, "digest", {"digest": digest}, 1,
                    agency)


class Tags(HTMLParser):
    """Collect the tags of a message and check every one it opens it closes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open.pop() == tag


def tags_of(text: str) -> set[str]:
    parser = Tags()
    parser.feed(text)
    parser.close()
    assert parser.open == []
    return parser.tags


def entities_whole(text: str) -> bool:
    """Whether every & starts a whole entity (no escape cut in half)."""
    return all(re.match(r"&(amp|lt|gt|quot|#x27);", text[m.start():]) for m in re.finditer("&", text))


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def group_runtime(make_runtime, bot_api):
    """A runtime with the bot token set and the Bot API pointed at the fake."""
    return make_runtime(telegram_token=bot_api.token, telegram_api_url=bot_api.url)


async def test_the_group_receives_the_digest_as_html_with_names_escaped(group_runtime, bot_api, session):
    """sendMessage to the agency's group in HTML mode: counts, each ticket linked, a category's markup as text."""
    outcome = await group_deliverer(group_runtime)(digest_delivery(agency_digest()), session)

    assert outcome == Delivered("message 1001")
    [sent] = bot_api.sent()
    assert str(sent["chat_id"]) == DINKES_GROUP and sent["parse_mode"] == "HTML"
    assert json.loads(sent["link_preview_options"]) == {"is_disabled": True}
    line1 = (f'• <a href="{URL}NTB-00000001">NTB-00000001</a> · Diteruskan ke instansi · '
             "obat &lt;script&gt;alert(1)&lt;/script&gt; &amp; alkes · Kabupaten Lombok Timur · "
             "batas 2026-03-20 09:00 WITA")
    assert sent["text"] == (
        "<b>Ringkasan Dinas Kesehatan Provinsi NTB</b>\n"
        "Per 2026-03-23 08:00 WITA\n"
        "Terbuka: 2 · Terlambat: 1 · Pengiriman gagal: 0\n"
        "Diteruskan ke instansi: 2\n"
        "\n<b>Tiket terlambat</b>\n"
        f"{line1}\n"
        "\n<b>Tiket terbuka</b>\n"
        f"{line1}\n"
        f'• <a href="{URL}NTB-00000002">NTB-00000002</a> · Diteruskan ke instansi · Kabupaten Lombok Timur'
    )
    assert tags_of(sent["text"]) == {"b", "a"}


async def test_the_operators_digest_shows_dead_deliveries_and_the_dashboard(group_runtime, bot_api, session):
    """The operators' group reads triage, each dead delivery with its error escaped, and the dashboard link last."""
    digest = {**long_operators_digest(), "open": 0, "overdue": 0, "dead_deliveries": 1, "by_status": {},
              "overdue_tickets": [], "open_tickets": [], "more_overdue": 0, "more_open": 0, "dead": [dead(7)]}
    delivery = digest_delivery(digest, target=NTB_CARE_GROUP, agency="ntb-care")

    assert isinstance(await group_deliverer(group_runtime)(delivery, session), Delivered)

    [sent] = bot_api.sent()
    assert sent["text"] == (
        "<b>Ringkasan tim pengaduan</b>\n"
        "Per 2026-03-23 08:00 WITA\n"
        "Terbuka: 0 · Terlambat: 0 · Menunggu triase: 4 · Pengiriman gagal: 1\n"
        "\n<b>Tiket terlambat</b>\nTidak ada.\n"
        "\n<b>Tiket terbuka</b>\nTidak ada.\n"
        "\n<b>Pengiriman gagal</b>\n"
        "• <code>00000000-0000-4000-8000-000000000007</code> · Dinkes · webhook · ticket.assigned: "
        "HTTP 404: &lt;h1&gt;Not &amp; Found&lt;/h1&gt;\n"
        '\n<a href="http://aduan.test/dashboard">Buka dasbor</a>'
    )


async def test_a_long_digest_stays_under_the_limit_and_says_how_many_were_left_out(group_runtime, bot_api, session):
    """200 overdue, 80 open and 60 dead fit one message: each list shows its first items and counts the rest."""
    delivery = digest_delivery(long_operators_digest(), target=NTB_CARE_GROUP, agency="ntb-care")

    assert isinstance(await group_deliverer(group_runtime)(delivery, session), Delivered)

    [sent] = bot_api.sent()
    text = sent["text"]
    assert units(text) <= MAX_TEXT
    overdue = re.findall(r"^• <a href=\"[^\"]+\">(NTB-000000\d\d)</a> .*batas", text, re.M)
    opened = re.findall(r"^• <a href=\"[^\"]+\">(NTB-00001\d\d\d)</a>", text, re.M)
    dead_ids = re.findall(r"^• <code>([0-9a-f-]+)</code>", text, re.M)
    # Every list gets a share, in its own order, and says how many it leaves out.
    assert overdue == [f"NTB-{n:08d}" for n in range(len(overdue))] and len(overdue) >= 5
    assert opened == [f"NTB-{1000 + n:08d}" for n in range(len(opened))] and len(opened) >= 5
    assert dead_ids == [f"00000000-0000-4000-8000-{n:012d}" for n in range(len(dead_ids))] and len(dead_ids) >= 3
    assert f"\n… dan {200 - len(overdue)} lainnya\n\n<b>Tiket terbuka</b>\n" in text
    assert f"\n… dan {80 - len(opened)} lainnya\n\n<b>Pengiriman gagal</b>\n" in text
    dashboard = '<a href="http://aduan.test/dashboard">Buka dasbor</a>'
    assert text.endswith(f"\n… dan {60 - len(dead_ids)} lainnya\n\n{dashboard}")
    assert "kesehatan &amp; &lt;gizi&gt; 0 ·" in text and "<gizi>" not in text
    assert tags_of(text) == {"b", "a", "code"} and entities_whole(text)


@pytest.mark.parametrize("limit", [700, 1000, 1500, 2500, 4096])
def test_every_limit_is_kept_with_every_heading_and_count(limit):
    """However small the room, the message keeps within it, with each heading and its "… dan N lainnya"."""
    text = digest_group_message(long_operators_digest(), WITA, limit=limit)
    assert units(text) <= limit
    shown = len(re.findall(r"^• ", text, re.M))
    counts = [int(n) for n in re.findall(r"^… dan (\d+) lainnya$", text, re.M)]
    assert len(counts) == 3 and sum(counts) + shown == 200 + 80 + 60
    for heading in ("<b>Tiket terlambat</b>", "<b>Tiket terbuka</b>", "<b>Pengiriman gagal</b>"):
        assert heading in text
    assert tags_of(text) <= {"b", "a", "code"} and entities_whole(text)


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, 'digest delivery has no "digest" object in its payload'),
        ({"digest": [1, 2]}, "digest delivery cannot be shown: the digest is not an object"),
        ({"digest": {**agency_digest(), "open_tickets": [{"status": "assigned"}]}},
         "digest delivery cannot be shown: open_tickets: a ticket has no code"),
        ({"digest": {**long_operators_digest(), "dead": [{"delivery_id": "x", "transport": "email"}]}},
         "digest delivery cannot be shown: dead: dead delivery x has no transport or event"),
    ],
)
async def test_a_corrupt_digest_row_is_final_and_posts_nothing(group_runtime, bot_api, session, payload, detail):
    """A digest row whose digest is missing or unreadable is a final failure naming the problem; nothing is posted."""
    delivery = Delivery("d-corrupt", "telegram_chat", DINKES_GROUP, "digest", payload, 1, "dinkes-ntb")
    assert await group_deliverer(group_runtime)(delivery, session) == Permanent(detail)
    assert bot_api.sent() == []
