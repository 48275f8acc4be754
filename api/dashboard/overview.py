"""The dashboard's overview at /dashboard: the period's counts and charts, the triage and overdue queues, and the
outbox's health."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from aiohttp import web

from api.dashboard import forms, reads, words
from api.dashboard.charts import KINDS, bar_chart
from api.dashboard.render import BASE, Pages
from api.dashboard.signed_in import operator
from complaints.timefmt import local_time
from reports.period import PeriodError, parse_period
from reports.stats import DEFAULT_MIN_COUNT, build_stats

MAX_DATE_CHARS = 40


async def show(pages: Pages, request: web.Request) -> web.Response:
    """The period's counts and charts, the triage and overdue queues, and the outbox's health."""
    signed = await operator(pages, request)
    lang, config, zone = pages.language, pages.runtime.config, pages.root_zone
    t = words.labels(lang)
    now = datetime.now(timezone.utc)
    since, until = request.query.get("since") or None, request.query.get("until") or None
    problem = False
    try:
        if len(since or "") > MAX_DATE_CHARS or len(until or "") > MAX_DATE_CHARS:
            raise PeriodError("too long")
        period = parse_period(since, until, zone, now)
    except PeriodError:
        problem = True
        period = parse_period(None, None, zone, now)
    data = await pages.runtime.read(reads.load_overview, period, now)
    stats = {by: build_stats(data.cells[by], period, by, config, now, DEFAULT_MIN_COUNT,
                              pages.runtime.channel_labels["id"]) for by in reads.DIMENSIONS}
    today = now.astimezone(ZoneInfo(zone)).date()
    last_month_start = _first_of_previous_month(today)
    shortcuts = [
        (t["this_month"], BASE),
        (t["last_month"], f"{BASE}?since={last_month_start.isoformat()}"
                          f"&until={(today.replace(day=1) - timedelta(days=1)).isoformat()}"),
        (t["last_30_days"], f"{BASE}?since={(today - timedelta(days=29)).isoformat()}&until={today.isoformat()}"),
    ]
    return pages.render(
        "overview.html",
        400 if problem else 200,
        csrf=signed.csrf,
        done=t.get(f"done_{forms.done(request)}") if forms.done(request) in ("reloaded", "password_set") else None,
        version=config.version,
        principal=signed.principal,
        problem=problem,
        since_value=since if problem and since else period.since.isoformat(),
        until_value=until if problem and until else period.until.isoformat(),
        period_label=words.days(period.since, period.until, lang),
        zone=zone,
        generated=local_time(now, zone, lang),
        total=stats["agency"]["total"],
        charts=[(by, t[f"by_{by}"], bar_chart(by, stats[by]["groups"], t["others"])) for by in reads.DIMENSIONS],
        kinds=KINDS,
        ranking=stats["agency"]["ranking"][:5],
        min_count=DEFAULT_MIN_COUNT,
        data=data,
        shortcuts=shortcuts,
        f=pages.formatters(lang, zone),
    )


def _first_of_previous_month(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)
