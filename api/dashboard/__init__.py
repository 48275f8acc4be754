"""The operator dashboard at /dashboard (SPEC section 10): login, the period's stats with charts, queues, a complaint.

Signing in and out is login.py, the pages overview.py and complaints.py, how they answer render.py; charts are inline
SVG laid out by charts.py, and the pages load nothing from elsewhere (static.py serves the stylesheet).
"""

from __future__ import annotations

from functools import partial

from aiohttp import web

from api.dashboard import complaints, overview
from api.dashboard.login import Login
from api.dashboard.render import BASE, Pages
from api.dashboard.static import Stylesheet
from edges.runtime import Runtime


def routes(runtime: Runtime) -> list[web.RouteDef]:
    """The dashboard's routes."""
    stylesheet = Stylesheet()
    pages = Pages(runtime, stylesheet.url)
    login = Login(pages)
    return [
        web.get(BASE, pages.guarded(partial(overview.show, pages))),
        web.get(f"{BASE}/login", pages.guarded(login.login_form)),
        web.post(f"{BASE}/login", pages.guarded(login.login)),
        web.post(f"{BASE}/logout", pages.guarded(login.logout)),
        web.get(f"{BASE}/complaints/{{code}}", pages.guarded(partial(complaints.show, pages))),
        web.get(f"{BASE}/static/{{name}}", stylesheet.serve),
    ]
