"""The workbench's pages (SPEC sections 10, 13 and 14): signing in, the operators' overview and console, the agency
inbox, and the stored files.

Signing in and out is login.py, the overview overview.py, the console console.py, the files files.py; forms.py
holds what every form checks, render.py how pages answer; charts are inline SVG laid out by charts.py, and the pages
load nothing from elsewhere (static.py serves the stylesheet).
"""

from __future__ import annotations

from functools import partial

from aiohttp import web

from api.dashboard import overview
from api.dashboard.console import FORMS, Console
from api.dashboard.files import Files
from api.dashboard.inbox import INBOX, Inbox
from api.dashboard.login import Login
from api.dashboard.render import BASE, Pages
from api.dashboard.static import Stylesheet
from edges.runtime import Runtime


def routes(runtime: Runtime) -> list[web.RouteDef]:
    """The dashboard's routes."""
    stylesheet = Stylesheet()
    pages = Pages(runtime, stylesheet.url)
    login = Login(pages)
    console = Console(pages)
    files = Files(pages)
    inbox = Inbox(pages)
    return [
        web.get(BASE, pages.guarded(partial(overview.show, pages))),
        web.get(f"{BASE}/login", pages.guarded(login.login_form)),
        web.post(f"{BASE}/login", pages.guarded(login.login)),
        web.post(f"{BASE}/logout", pages.guarded(login.logout)),
        web.get(f"{BASE}/welcome", pages.guarded(login.welcome_form)),
        web.post(f"{BASE}/welcome", pages.guarded(login.welcome)),
        web.get(f"{BASE}/password", pages.guarded(login.password_form)),
        web.post(f"{BASE}/password", pages.guarded(login.change_password)),
        web.get(f"{BASE}/complaints", pages.guarded(console.list_page)),
        web.post(f"{BASE}/complaints/assign", pages.guarded(console.bulk_assign)),
        web.get(f"{BASE}/complaints/{{code}}", pages.guarded(console.show)),
        web.post(f"{BASE}/complaints/{{code}}/{{form:{'|'.join(FORMS)}}}", pages.guarded(console.act)),
        web.get(INBOX, pages.guarded(inbox.list_page)),
        web.get(f"{INBOX}/tickets/{{code}}", pages.guarded(inbox.show)),
        *(web.post(f"{INBOX}/tickets/{{code}}/{form}", pages.guarded(partial(inbox.act, form)))
          for form in ("status", "reply", "forward", "return", "note")),
        web.post(f"{BASE}/reload", pages.guarded(console.reload)),
        web.get(f"{BASE}/static/{{name}}", stylesheet.serve),
        web.get("/files/{id}", pages.guarded(files.serve)),
    ]
