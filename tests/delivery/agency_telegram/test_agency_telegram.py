"""The "telegram_chat" deliverer against a fake Bot API: what the agency's group receives, and how failures are classified."""

from __future__ import annotations

import json
import logging
import random
import socket
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

import aiohttp
import pytest
from structlog.testing import capture_logs

from agency_telegram_helpers import group_deliverer
from complaints.model import Reporter
from delivery.group_render import group_message
from delivery.telegram_group import make_telegram_group_deliverer
from delivery.telegram_text import MAX_TEXT, units
from delivery.worker import OutboxWorker
from providers.outcome import Delivered, Delivery, Permanent, RetryLater

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)  # when file_complaint files, by default
OBAT = "Obat di puskesmas Aikmel kosong sudah 2 minggu <script>alert(1)</script> & pasien pulang"
AIKMEL_GROUP = "-1003000000001"  # puskesmas-aikmel's telegram_chat in the sample agencies.yaml


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def group_runtime(make_runtime, bot_api):
    """A runtime with the bot token set and the Bot API pointed at the fake."""
    return make_runtime(telegram_token=bot_api.token, telegram_api_url=bot_api.url)


class Tags(HTMLParser):
    """Collect the tags of a message, to check it uses only what Telegram's HTML mode knows."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)


def tags_of(text: str) -> set[str]:
    parser = Tags()
    parser.feed(text)
    return parser.tags


def test_no_deliverer_without_a_bot_token(make_runtime):
    """Agency groups wait in the outbox while ADUAN_TELEGRAM_TOKEN is unset."""
    assert make_telegram_group_deliverer(None, "http://127.0.0.1:9", make_runtime().tickets) is None


async def test_the_group_receives_the_ticket_with_the_text_escaped(group_runtime, bot_api, file_complaint,
                                                                   outbox_deliveries, session):
    """sendMessage goes to <root>/bot<token>/sendMessage: the group's chat id, HTML with the citizen's markup escaped."""
    code = file_complaint(group_runtime, OBAT, reporter=Reporter(name="Baiq Nurul", phone="+6281234567890"))
    [d] = outbox_deliveries(group_runtime, "telegram_chat")
    assert (d.event, d.target, d.agency) == ("ticket.assigned", AIKMEL_GROUP, "puskesmas-aikmel")

    outcome = await group_deliverer(group_runtime)(d, session)

    assert outcome == Delivered("message 1001")
    [call] = [c for c in bot_api.calls if c.method == "sendMessage"]
    assert call.path == f"/bot{bot_api.token}/sendMessage"
    sent = call.params
    assert str(sent["chat_id"]) == AIKMEL_GROUP and sent["parse_mode"] == "HTML"
    assert json.loads(sent["link_preview_options"]) == {"is_disabled": True}
    text = sent["text"]
    assert text.startswith(f"<b>Aduan baru</b> · <code>{code}</code>\n")
    for fact in ("Jenis: Pengaduan", "Kategori: obat", "Prioritas: Tinggi", "Wilayah: Kecamatan Aikmel"):
        assert fact in text
    assert "sudah 2 minggu &lt;script&gt;alert(1)&lt;/script&gt; &amp; pasien pulang" in text
    assert text.endswith(f'<a href="http://aduan.test/agency/tickets/{code}">Buka tiket {code}</a>')
    assert tags_of(text) == {"b", "code", "a"}
    # A group is read by many: the reporter is for those who open the ticket.
    assert "Baiq" not in text and "6281234567890" not in text


async def test_the_triage_teams_group_opens_the_complaint_in_the_console(group_runtime, bot_api, file_complaint,
                                                                          outbox_deliveries, session):
    """A complaint no rule routes reaches the triage team's group linked to the operators' page, not the inbox's."""
    code = file_complaint(group_runtime, "mohon perhatiannya bapak ibu")
    [d] = outbox_deliveries(group_runtime, "telegram_chat")
    assert (d.event, d.target, d.agency) == ("ticket.triage", "-1001000000001", "ntb-care")
    assert isinstance(await group_deliverer(group_runtime)(d, session), Delivered)
    [sent] = bot_api.sent()
    assert sent["text"].startswith(f"<b>Perlu verifikasi</b> · <code>{code}</code>\n")
    assert sent["text"].endswith(f'<a href="http://aduan.test/dashboard/complaints/{code}">Buka tiket {code}</a>')


async def test_an_escalation_to_the_triage_team_links_to_the_console(group_runtime, bot_api, file_complaint, session):
    """The same ticket links to the inbox for its agency and to the console when it is escalated to the triage team."""
    code = file_complaint(group_runtime, OBAT)
    to_agency = Delivery("d-a", "telegram_chat", AIKMEL_GROUP, "ticket.updated", {"code": code}, 1, "puskesmas-aikmel")
    to_team = Delivery("d-t", "telegram_chat", "-1001000000001", "ticket.escalated", {"code": code}, 1, "ntb-care")
    for delivery in (to_agency, to_team):
        assert isinstance(await group_deliverer(group_runtime)(delivery, session), Delivered)
    agency_text, team_text = (sent["text"] for sent in bot_api.sent())
    assert agency_text.endswith(f'<a href="http://aduan.test/agency/tickets/{code}">Buka tiket {code}</a>')
    assert team_text.startswith("<b>Eskalasi</b>")
    assert team_text.endswith(f'<a href="http://aduan.test/dashboard/complaints/{code}">Buka tiket {code}</a>')


async def test_a_channel_username_is_a_target_too(group_runtime, bot_api, file_complaint, session):
    """A target like @dinkes_lotim goes to the Bot API as given."""
    code = file_complaint(group_runtime, OBAT)
    delivery = Delivery("d-1", "telegram_chat", "@dinkes_lotim", "ticket.escalated", {"code": code}, 1, "dinkes-lotim")
    assert isinstance(await group_deliverer(group_runtime)(delivery, session), Delivered)
    [sent] = bot_api.sent()
    assert sent["chat_id"] == "@dinkes_lotim" and sent["text"].startswith("<b>Eskalasi</b>")


async def test_a_follow_up_is_posted_as_additional_information(group_runtime, bot_api, file_complaint,
                                                               outbox_deliveries, session):
    """A sender's second message within the merge window reaches the group, escaped, under "Tambahan informasi"."""
    sender = {"channel": "telegram", "sender_id": "5550001", "reply_to": "5550001", "mergeable": True}
    file_complaint(group_runtime, OBAT, **sender)
    file_complaint(group_runtime, "ini resepnya <i>dokter</i>", at=NOW + timedelta(minutes=3), **sender)
    _, update = outbox_deliveries(group_runtime, "telegram_chat")
    assert update.event == "ticket.updated"
    assert isinstance(await group_deliverer(group_runtime)(update, session), Delivered)
    [sent] = bot_api.sent()
    assert sent["text"].startswith("<b>Tambahan informasi</b>")
    assert "• 2026-11-24 16:03 WITA: ini resepnya &lt;i&gt;dokter&lt;/i&gt;" in sent["text"]


async def test_a_long_complaint_is_cut_to_one_message_keeping_the_link(group_runtime, bot_api, file_complaint,
                                                                       outbox_deliveries, session):
    """9,000 characters of text (escapes and emoji included) fit in 4,096, cut, with the newest follow-up and the link."""
    sender = {"channel": "telegram", "sender_id": "5550002", "reply_to": "5550002", "mergeable": True}
    long_text = "Obat di puskesmas Aikmel kosong. " + "antre & menunggu 😞 " * 450
    code = file_complaint(group_runtime, long_text, **sender)
    file_complaint(group_runtime, "lampiran: foto antrean", at=NOW + timedelta(minutes=1), **sender)
    _, update = outbox_deliveries(group_runtime, "telegram_chat")
    assert isinstance(await group_deliverer(group_runtime)(update, session), Delivered)
    [sent] = bot_api.sent()
    text = sent["text"]
    assert units(text) <= MAX_TEXT
    assert "…" in text and "16:01 WITA: lampiran: foto antrean" in text
    assert text.endswith(f'<a href="http://aduan.test/agency/tickets/{code}">Buka tiket {code}</a>')
    assert "&amp" in text and "&a…" not in text and "&am…" not in text  # no entity cut in half


def test_long_follow_ups_keep_the_newest_and_share_the_room_with_the_text():
    """When text and follow-ups are both long, each gets half; the oldest follow-ups are the ones cut."""
    ticket = {"code": "NTB-7K3QX9P2", "kind": "complaint", "category": "obat", "priority": "high",
              "region": {"code": "lotim-aikmel", "name": "Kecamatan Aikmel"}, "attachments": [],
              "text": "awal " + "x" * 5000,
              "followups": [{"at": f"2026-11-24T08:{i:02d}:00+00:00", "text": f"tambahan {i} " + "y" * 200}
                            for i in range(40)],
              "ticket_url": "http://aduan.test/agency/tickets/NTB-7K3QX9P2"}
    text = group_message("ticket.updated", ticket, None, limit=2000)
    assert units(text) <= 2000
    assert "awal x" in text and "tambahan 39 " in text and "tambahan 0 " not in text
    assert text.count("x") > 500 and text.count("y") > 500


@pytest.mark.parametrize(
    ("label", "status", "body", "expected"),
    [
        ("flood control", 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 17",
                                "parameters": {"retry_after": 17}}, RetryLater("flood control: retry in 17 s", 17.0)),
        ("chat not found", 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"},
         Permanent("BadRequest: Chat not found")),
        ("bot removed from the group", 403,
         {"ok": False, "error_code": 403, "description": "Forbidden: bot was kicked from the supergroup chat"},
         Permanent),
        ("server error", 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}, RetryLater),
        ("bad gateway", 502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}, RetryLater),
    ],
)
async def test_failures_are_classified(label, status, body, expected, group_runtime, bot_api, file_complaint,
                                       outbox_deliveries, session):
    """429 retries after Telegram's delay, 5xx retries; a chat not found or a removed bot is permanent."""
    file_complaint(group_runtime, OBAT)
    [d] = outbox_deliveries(group_runtime, "telegram_chat")
    bot_api.scripted.append((status, body))
    outcome = await group_deliverer(group_runtime)(d, session)
    if isinstance(expected, type):
        assert type(outcome) is expected
    else:
        assert outcome == expected
    assert bot_api.token not in outcome.detail and bot_api.token.split(":")[1] not in outcome.detail


async def test_an_unknown_complaint_is_permanent(group_runtime, bot_api, session):
    """A delivery whose complaint is not in the store is not sent and not retried."""
    delivery = Delivery("d-1", "telegram_chat", AIKMEL_GROUP, "ticket.assigned", {"code": "NTB-00000000"}, 1)
    assert await group_deliverer(group_runtime)(delivery, session) == Permanent("no complaint NTB-00000000")
    assert bot_api.sent() == []


def closed_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


async def test_the_token_never_reaches_a_detail_or_a_log(make_runtime, bot_api, file_complaint, outbox_deliveries,
                                                         caplog):
    """Through the outbox worker: a 5xx, a 400, an unreachable API and a rejected token; no token anywhere."""
    caplog.set_level(logging.DEBUG)
    runtime = make_runtime(telegram_token=bot_api.token, telegram_api_url=bot_api.url)
    for _ in range(2):
        file_complaint(runtime, OBAT)
    bot_api.scripted += [(500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}),
                         (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})]
    unreachable = make_runtime(telegram_token=bot_api.token, telegram_api_url=closed_url())
    wrong = "7350000000:WrongTokenWrongTokenWrongToken"
    rejected = make_runtime(telegram_token=wrong, telegram_api_url=bot_api.url)
    with capture_logs() as logs:
        for hours, rt in enumerate((runtime, unreachable, rejected), start=1):
            worker = OutboxWorker(rt.db, {"telegram_chat": group_deliverer(rt)}, rng=random.Random(1))
            await worker.run_once(NOW + timedelta(hours=hours))
    details = [line["detail"] for line in logs if line["event"] in ("outbox.retry_scheduled", "outbox.dead")]
    assert details[:2] == ["NetworkError: Internal Server Error", "BadRequest: Chat not found"]
    assert details[2].startswith("NetworkError: ") and details[3] == "the bot token was rejected by Telegram"
    # The fake Bot API's own access log shows the token in its paths, as Telegram's would: not ours to check.
    ours = [r.getMessage() for r in caplog.records if r.name != "aiohttp.access"]
    everything = repr(logs) + "\n".join(ours)
    for secret in (bot_api.token, bot_api.token.split(":")[1], wrong, wrong.split(":")[1]):
        assert secret not in everything
