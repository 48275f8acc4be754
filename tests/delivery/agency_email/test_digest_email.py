"""The sweep's digest by e-mail (aiosmtpd on loopback): what an agency and the operators read, in both parts."""

from __future__ import annotations

from email.message import EmailMessage
from html.parser import HTMLParser

import aiohttp
import pytest

from delivery.email import make_email_deliverer
from providers.outcome import Delivered, Delivery, Permanent

URL = "http://aduan.test/agency/tickets/"
CONSOLE = "http://aduan.test/dashboard/complaints/"  # the operators' page of a complaint
DINKES = {"code": "dinkes-ntb", "name": "Dinas Kesehatan Provinsi NTB"}
SCRIPT = "<script>alert(1)</script>"


def ticket(code: str, status: str, category: str | None, region: str | None, due_at: str | None) -> dict:
    """A ticket as a digest lists it."""
    return {"code": code, "status": status, "category": category,
            "region": {"code": "r", "name": region} if region else None, "due_at": due_at, "ticket_url": URL + code}


def agency_digest(**changes) -> dict:
    """Dinkes NTB's digest: one overdue ticket and two open ones, 148 more overdue left out of the list."""
    digest = {
        "audience": "agency", "agency": DINKES, "at": "2026-03-23T08:00:00+08:00",
        "open": 12, "overdue": 3, "dead_deliveries": 1,
        "by_status": {"in_progress": 3, "assigned": 5, "acknowledged": 4},
        "overdue_tickets": [ticket("NTB-7K3QX9P2", "assigned", "kesehatan", "Kabupaten Lombok Timur",
                                   "2026-03-20T01:00:00+00:00")],
        "open_tickets": [ticket("NTB-7K3QX9P2", "assigned", "kesehatan", "Kabupaten Lombok Timur",
                                "2026-03-20T01:00:00+00:00"),
                         ticket("NTB-4HWM2RT8", "in_progress", None, None, None)],
        "more_overdue": 148, "more_open": 0,
    }
    return {**digest, **changes}


def operators_digest() -> dict:
    """The operators' digest: triage waiting, the overdue ticket linked to the console, one dead delivery whose error
    is an agency's HTML page."""
    overdue = ticket("NTB-7K3QX9P2", "assigned", "kesehatan", "Kabupaten Lombok Timur", "2026-03-20T01:00:00+00:00")
    return {**agency_digest(audience="operators", agency={"code": "ntb-care", "name": "Tim NTB Care"},
                            overdue_tickets=[{**overdue, "ticket_url": CONSOLE + "NTB-7K3QX9P2"}], open_tickets=[],
                            more_overdue=0),
            "triage": 4,
            "dead": [{"delivery_id": "5f0c2a4e-dead-4d1b-9a51-000000000001", "agency": DINKES,
                      "transport": "webhook", "event": "ticket.assigned",
                      "last_error": "HTTP 404: <html><b>Not Found</b></html>"}],
            "dashboard_url": "http://aduan.test/dashboard"}


def digest_delivery(digest, target: str = "pengaduan@dinkes.ntbprov.example", agency: str = "dinkes-ntb"):
    """A digest row as the worker hands it to the deliverer."""
    return Delivery("8a1d5c7e-0b6f-4c3a-9d2e-5f4a3b2c1d0e", "email", target, "digest", {"digest": digest}, 1, agency)


class Links(HTMLParser):
    """Collect the links of an HTML part (href and text), the texts of its table rows, and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.rows: list[list[str]] = []
        self.tags: set[str] = set()
        self._href: str | None = None
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "a":
            self._href = dict(attrs)["href"]
        elif tag == "tr":
            self.rows.append([])
        self._in_cell = self._in_cell or tag in ("td", "th")

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._href is not None:
            self.links.append((self._href, data))
            self._href = None
        if self._in_cell:
            self.rows[-1].append(data)


def links_of(page: str) -> Links:
    parser = Links()
    parser.feed(page)
    return parser


def subject(message: EmailMessage) -> str:
    """The subject as a mail client shows it.

    Python folds a long ASCII subject before its first word ("Subject:\\r\\n [Aduan] …", valid RFC 5322 folding)
    and its parser then keeps the folding space; mail clients drop it.
    """
    return message["Subject"].strip()


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain-text and HTML bodies of a received message."""
    return tuple(message.get_body((subtype,)).get_content().replace("\r\n", "\n") for subtype in ("plain", "html"))


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


async def test_agency_digest_arrives_with_both_parts(make_runtime, mail_server, session):
    """Subject with the agency and counts; the plain part lists the tickets in WITA; the HTML part links each code."""
    runtime = make_runtime(smtp_url=mail_server.url())
    delivery = digest_delivery(agency_digest())

    assert await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(delivery, session) == Delivered("accepted by 127.0.0.1")

    [got] = mail_server.messages
    assert got.rcpt_tos == ["pengaduan@dinkes.ntbprov.example"]
    msg = got.message
    assert subject(msg) == "[Aduan] Ringkasan Dinas Kesehatan Provinsi NTB: 12 terbuka, 3 terlambat"
    assert msg["X-Aduan-Event"] == "digest" and msg["X-Aduan-Delivery"] == delivery.delivery_id
    assert msg.get_content_type() == "multipart/alternative"
    text, page = parts(msg)
    assert text == f"""Ringkasan Dinas Kesehatan Provinsi NTB
Per 2026-03-23 08:00 WITA

Terbuka:          12
Terlambat:        3
Pengiriman gagal: 1

Menurut status:
- Diteruskan ke instansi: 5
- Diterima instansi: 4
- Sedang ditindaklanjuti: 3

Tiket terlambat:
- NTB-7K3QX9P2 · Diteruskan ke instansi · kesehatan · Kabupaten Lombok Timur · batas 2026-03-20 09:00 WITA
  {URL}NTB-7K3QX9P2
… dan 148 lainnya

Tiket terbuka:
- NTB-7K3QX9P2 · Diteruskan ke instansi · kesehatan · Kabupaten Lombok Timur · batas 2026-03-20 09:00 WITA
  {URL}NTB-7K3QX9P2
- NTB-4HWM2RT8 · Sedang ditindaklanjuti
  {URL}NTB-4HWM2RT8
"""
    found = links_of(page)
    assert found.links == [(URL + "NTB-7K3QX9P2", "NTB-7K3QX9P2"), (URL + "NTB-7K3QX9P2", "NTB-7K3QX9P2"),
                           (URL + "NTB-4HWM2RT8", "NTB-4HWM2RT8")]
    assert "<title>[Aduan] Ringkasan Dinas Kesehatan Provinsi NTB: 12 terbuka, 3 terlambat</title>" in page
    assert "<li>Diteruskan ke instansi: 5</li><li>Diterima instansi: 4</li>" in page
    assert "<p>… dan 148 lainnya</p>" in page
    overdue = ["NTB-7K3QX9P2", "Diteruskan ke instansi", "kesehatan", "Kabupaten Lombok Timur", "2026-03-20 09:00 WITA"]
    assert found.rows == [
        ["Terbuka", "12"], ["Terlambat", "3"], ["Pengiriman gagal", "1"],
        ["Kode", "Status", "Kategori", "Wilayah", "Batas waktu"], overdue,
        ["Kode", "Status", "Kategori", "Wilayah", "Batas waktu"], overdue,
        ["NTB-4HWM2RT8", "Sedang ditindaklanjuti", "-", "-", "-"],
    ]
    assert "dasbor" not in text.lower() and "dasbor" not in page.lower()  # the dashboard is the operators'


async def test_markup_in_a_category_or_region_is_escaped_in_the_html(make_runtime, mail_server, session):
    """A category and a region name holding <script> show as text in the HTML part, as given in the plain one."""
    runtime = make_runtime(smtp_url=mail_server.url())
    listed = ticket("NTB-7K3QX9P2", "assigned", f"obat {SCRIPT}", f"Desa <b>Aikmel</b> & {SCRIPT}",
                    "2026-03-20T01:00:00+00:00")
    digest = agency_digest(agency={"code": "dinkes-ntb", "name": "Dinas <i>Kesehatan</i>"},
                           overdue_tickets=[listed], open_tickets=[], more_overdue=0)

    assert isinstance(await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(digest_delivery(digest), session), Delivered)

    [got] = mail_server.messages
    assert subject(got.message) == "[Aduan] Ringkasan Dinas <i>Kesehatan</i>: 12 terbuka, 3 terlambat"
    text, page = parts(got.message)
    assert f"obat {SCRIPT}" in text and f"Desa <b>Aikmel</b> & {SCRIPT}" in text
    assert "obat &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Desa &lt;b&gt;Aikmel&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Dinas &lt;i&gt;Kesehatan&lt;/i&gt;" in page
    assert "<script" not in page and "<i>" not in page
    assert links_of(page).tags <= {"html", "head", "meta", "title", "body", "h2", "h3", "p", "table", "tr", "th",
                                   "td", "a", "ul", "li"}
    assert "Tiket terbuka:\nTidak ada.\n" in text
    assert '<h3 style="font-size:15px">Tiket terbuka</h3>\n<p>Tidak ada.</p>' in page


async def test_operators_digest_lists_dead_deliveries_and_links_the_dashboard(make_runtime, mail_server, session):
    """The operators read triage and failed deliveries in the subject, each dead delivery, and the dashboard link."""
    runtime = make_runtime(smtp_url=mail_server.url())
    delivery = digest_delivery(operators_digest(), target="tim@ntbcare.example", agency="ntb-care")

    assert isinstance(await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(delivery, session), Delivered)

    [got] = mail_server.messages
    assert subject(got.message) == ("[Aduan] Ringkasan tim pengaduan: 12 terbuka, 3 terlambat, "
                                      "4 menunggu triase, 1 pengiriman gagal")
    text, page = parts(got.message)
    assert text.startswith("Ringkasan tim pengaduan\nPer 2026-03-23 08:00 WITA\n\n"
                           "Terbuka:          12\nTerlambat:        3\nMenunggu triase:  4\nPengiriman gagal: 1\n")
    assert text.endswith("""
Pengiriman gagal:
- 5f0c2a4e-dead-4d1b-9a51-000000000001 · Dinas Kesehatan Provinsi NTB · webhook · ticket.assigned
  Kesalahan terakhir: HTTP 404: <html><b>Not Found</b></html>

Dasbor: http://aduan.test/dashboard
""")
    assert "HTTP 404: &lt;html&gt;&lt;b&gt;Not Found&lt;/b&gt;&lt;/html&gt;" in page and "<b>" not in page
    assert "<code>5f0c2a4e-dead-4d1b-9a51-000000000001</code>" in page
    assert f"- NTB-7K3QX9P2 · Diteruskan ke instansi · kesehatan · Kabupaten Lombok Timur · batas 2026-03-20 09:00 WITA\n  {CONSOLE}NTB-7K3QX9P2\n" in text
    assert links_of(page).links == [(CONSOLE + "NTB-7K3QX9P2", "NTB-7K3QX9P2"), ("http://aduan.test/dashboard", "Buka dasbor")]


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({}, 'digest delivery has no "digest" object in its payload'),
        ({"digest": None}, "digest delivery cannot be shown: the digest is not an object"),
        ({"digest": {**operators_digest(), "triage": -1}}, "digest delivery cannot be shown: triage is not a count"),
        ({"digest": {k: v for k, v in operators_digest().items() if k != "dashboard_url"}},
         "digest delivery cannot be shown: dashboard_url is not text"),
        ({"digest": {**agency_digest(), "by_status": {"lost": 1}}},
         "digest delivery cannot be shown: by_status is not a count per status"),
    ],
)
async def test_a_corrupt_digest_row_is_final_and_sends_nothing(make_runtime, mail_server, session, payload, detail):
    """A digest row whose digest is missing or unreadable is a final failure naming the problem; no mail goes out."""
    runtime = make_runtime(smtp_url=mail_server.url())
    delivery = Delivery("d-corrupt", "email", "tim@ntbcare.example", "digest", payload, 1, "ntb-care")
    assert await make_email_deliverer(runtime.env.smtp_url, runtime.tickets)(delivery, session) == Permanent(detail)
    assert mail_server.messages == []
