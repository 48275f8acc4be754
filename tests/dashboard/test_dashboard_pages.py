"""The dashboard's pages over the seeded data set (tests/dashboard/seed.py): counts, charts, queues, a complaint."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from app.server import create_app
from app.build import build_runtime

from api.dashboard.charts import bar_chart
from tests.dashboard import seed as sample
from tests.dashboard.conftest import sign_in

PERIOD = f"/dashboard?since={sample.SINCE}&until={sample.UNTIL}"


@pytest.fixture
async def operator(client, env):
    """The test client, signed in as the operator."""
    assert (await sign_in(client, env.operator_token)).status == 303
    return client


def kpi(html: str, name: str) -> str:
    found = re.search(rf'<dd data-kpi="{name}">([^<]*)</dd>', html)
    assert found, f"no count {name} on the page"
    return found.group(1)


def bars(html: str, by: str) -> list[str]:
    """The `received` of each bar of a chart, top to bottom."""
    found = re.search(rf'<svg class="chart" data-by="{by}".*?</svg>', html, re.S)
    assert found, f"no chart by {by}"
    return re.findall(r'<g class="bar" data-received="(\d+)">', found.group(0))


async def test_overview_shows_the_period_counts(operator, seeded):
    """The period's counts are those of the data set: 5 received, 1 resolved, 3 in process, 1 overdue, 1 rejected."""
    resp = await operator.get(PERIOD)
    assert resp.status == 200
    html = await resp.text()
    assert "1–31 Maret 2026" in html
    assert kpi(html, "received") == "5"
    assert kpi(html, "resolved") == "1"
    assert kpi(html, "in_process") == "3"
    assert kpi(html, "overdue") == "1"
    assert kpi(html, "rejected") == "1"
    assert kpi(html, "within_sla") == "50,0%"
    assert kpi(html, "median_hours_to_acknowledge") == "2,0 jam"
    assert kpi(html, "median_hours_to_resolve") == "10,0 jam"


async def test_overview_draws_one_bar_per_group_of_each_dimension(operator, seeded):
    """Each chart is an inline SVG with a bar per region, agency, category and channel of the period."""
    html = await (await operator.get(PERIOD)).text()
    assert bars(html, "region") == ["3", "1", "1"]
    assert bars(html, "agency") == ["2", "1", "1", "1"]
    assert bars(html, "category") == ["2", "1", "1", "1"]
    assert bars(html, "channel") == ["2", "1", "1", "1"]
    assert "Kota Mataram" in html and "Kabupaten Lombok Timur" in html
    assert "Belum ditugaskan" in html and "Tanpa kategori" in html


async def test_overview_lists_the_triage_queue_oldest_first(operator, seeded):
    """The triage queue holds the new and triage complaints, whatever the period, oldest first, each linked."""
    html = await (await operator.get(PERIOD)).text()
    triage = html.split('id="triage"', 1)[1].split("</section>", 1)[0]
    assert '<span class="badge" data-count="triage">2</span>' in triage
    assert re.findall(r'href="/dashboard/complaints/([^"]+)"', triage) == ["NTB-AAAA0000", "NTB-SCR1PT00"]


async def test_overview_lists_overdue_complaints_with_agency_and_due_time(operator, seeded):
    """The overdue list names the complaint, its agency and its due time in WITA."""
    html = await (await operator.get(PERIOD)).text()
    overdue = html.split('id="overdue"', 1)[1].split("</section>", 1)[0]
    assert 'data-count="overdue">1</span>' in overdue
    assert re.findall(r'href="/dashboard/complaints/([^"]+)"', overdue) == ["NTB-AAAA0003"]
    assert "Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Lombok Timur" in overdue
    assert "13 Mar 2026 09.00 WITA" in overdue  # acknowledge due: 10 March 09.00 WITA + 3 days


async def test_overview_shows_the_outbox_health_and_dead_deliveries(operator, seeded):
    """Deliveries are counted per state, and the dead one is listed with its agency, transport, event and error."""
    html = await (await operator.get(PERIOD)).text()
    outbox = html.split('id="outbox"', 1)[1].split("</section>", 1)[0]
    counts = dict(re.findall(r'<dd data-state="(\w+)">(\d+)</dd>', outbox))
    assert counts == {"pending": "2", "sending": "0", "failed": "0", "dead": "1", "refused": "0",
                      "undeliverable": "0", "delivered": "3"}
    assert "HTTP 410 Gone from the agency&#39;s webhook" in outbox
    assert "webhook" in outbox and "ticket.assigned" in outbox
    assert 'href="/dashboard/complaints/NTB-AAAA0003"' in outbox


async def test_complaint_text_is_escaped(operator, seeded):
    """A complaint text with <script> appears as text, on the overview and on its own page."""
    for path in (PERIOD, f"/dashboard/complaints/{sample.SCRIPT_CODE}"):
        html = await (await operator.get(path)).text()
        assert "&lt;script&gt;alert(&#39;aduan&#39;)&lt;/script&gt;" in html
        assert "<script" not in html


async def test_overview_defaults_to_this_month(operator, seeded):
    """Without a period the page shows this month so far, which holds none of March's complaints."""
    resp = await operator.get("/dashboard")
    assert resp.status == 200
    html = await resp.text()
    assert kpi(html, "received") == "0"
    assert "Belum ada aduan pada periode ini." in html


async def test_unreadable_period_is_400_and_shows_this_month(operator):
    """A period that cannot be read answers 400 with an Indonesian explanation and this month's figures."""
    resp = await operator.get("/dashboard?since=2026-13-01&until=2026-03-31")
    assert resp.status == 400
    html = await resp.text()
    assert "Periode tidak dapat dibaca" in html
    assert kpi(html, "received") == "0"


async def test_complaint_page_shows_the_complaint_its_timeline_and_deliveries(operator, seeded):
    """The complaint page shows its fields in local time, the timeline and the deliveries."""
    resp = await operator.get(f"/dashboard/complaints/{sample.OVERDUE_CODE.lower()}")
    assert resp.status == 200
    html = await resp.text()
    assert sample.OVERDUE_CODE in html
    assert "Jembatan di Selong putus, warga tidak bisa lewat" in html
    assert '<dd data-field="received_at">10 Mar 2026 11.00 WITA</dd>' in html
    assert '<dd data-field="overdue">Ya' in html
    assert "jalan-dan-jembatan" in html  # the rule, and the routing event's detail
    assert "Terlambat" in html and "Dieskalasi" not in html
    assert "HTTP 410 Gone" in html and "Gagal permanen" in html
    for header in ("Content-Security-Policy", "X-Content-Type-Options", "Cache-Control"):
        assert header in resp.headers


async def test_complaint_page_shows_the_reporter_of_a_named_complaint(operator, seeded):
    """Operators see who reported a complaint that is not anonymous."""
    html = await (await operator.get(f"/dashboard/complaints/{sample.NAMED_CODE}")).text()
    assert sample.REPORTER_NAME in html
    assert "+6281234567890" in html


async def test_anonymous_complaint_page_shows_no_reporter_identity(operator, seeded):
    """An anonymous complaint's page names nobody: no name, no phone, no channel id."""
    resp = await operator.get(f"/dashboard/complaints/{sample.ANONYMOUS_CODE}")
    assert resp.status == 200
    html = await resp.text()
    assert "Bantuan sosial tidak sampai ke keluarga kami" in html
    assert "Anonim" in html
    assert sample.ANONYMOUS_NAME not in html
    assert sample.ANONYMOUS_PHONE not in html
    assert "6281199990000" not in html


@pytest.mark.parametrize("code", ["NTB-ZZZZZZZZ", "not-a-code", "%3Cscript%3E"])
async def test_unknown_code_is_a_404_page(operator, seeded, code):
    """A code no complaint has answers a 404 HTML page (escaped), not JSON."""
    resp = await operator.get(f"/dashboard/complaints/{code}")
    assert resp.status == 404
    assert resp.content_type == "text/html"
    html = await resp.text()
    assert "Aduan tidak ditemukan" in html
    assert "<script>" not in html


async def test_pages_speak_english_when_the_settings_say_so(aiohttp_client, env, sample_config):
    """With `language: en` in settings.yaml the dashboard's labels are English."""
    config = replace(sample_config, settings=sample_config.settings.model_copy(update={"language": "en"}))
    runtime = build_runtime(env, config)
    try:
        with runtime.db.writer.begin() as conn:
            sample.seed(conn)
        client = await aiohttp_client(create_app(runtime))
        login = await client.get("/dashboard/login")
        assert '<html lang="en">' in await login.text()
        assert (await sign_in(client, env.operator_token)).status == 303
        html = await (await client.get(PERIOD)).text()
        assert "1–31 March 2026" in html
        assert "By region" in html and "Overdue complaints" in html
        assert kpi(html, "within_sla") == "50.0%"
        await client.close()
    finally:
        runtime.readers.shutdown(wait=True)
        runtime.db.dispose()


async def test_stylesheet_is_served_by_us(client):
    """The page's only stylesheet comes from the service itself, linked with its content hash."""
    html = await (await client.get("/dashboard/login")).text()
    href = re.search(r'<link rel="stylesheet" href="([^"]+)"', html).group(1)
    assert href.startswith("/dashboard/static/dashboard.css?v=")
    resp = await client.get(href)
    assert resp.status == 200
    assert resp.content_type == "text/css"
    assert "svg.chart" in await resp.text()
    assert "http" not in re.sub(r"https?://[^\s]*w3\.org[^\s]*", "", html)  # nothing loaded from elsewhere


def test_chart_gathers_the_groups_past_its_bars_into_one():
    """With more groups than bars, the last bar gathers the rest, and every count is kept."""
    groups = [{"key": {"code": f"r{i}", "name": f"Wilayah {i}"}, "received": 20 - i, "resolved": 1, "rejected": 0,
               "in_process": 19 - i, "overdue": 2} for i in range(12)]
    chart = bar_chart("region", groups, "Lainnya ({n} kelompok)", max_bars=10)
    assert len(chart.bars) == 10
    assert chart.gathered == 3
    assert chart.bars[-1].name == "Lainnya (3 kelompok)"
    assert chart.bars[-1].received == 11 + 10 + 9
    assert sum(b.received for b in chart.bars) == sum(g["received"] for g in groups)
    first = chart.bars[0]
    assert [s.kind for s in first.segments] == ["resolved", "in_time", "overdue"]
    assert chart.bars[-1].end == pytest.approx(82.0)  # the longest bar leaves room for its count
    assert first.end == pytest.approx(82.0 * 20 / 30, abs=0.01)
