"""The reply templates (templates.yaml) as the reply forms of the console and the inbox offer them: each a link that
opens the page with its text in the box (`?template=<name>`), filled for the complaint in the citizen's language."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from complaints.templates import fill_template, template_title

MAX_NAME_CHARS = 64


def offered(config, language: str) -> list[dict[str, str]]:
    """The templates a reply form lists: name and title in the page's language."""
    return [{"name": tpl.name, "title": template_title(tpl, language)} for tpl in config.templates]


def prefilled(request: web.Request, config, complaint: Mapping, agency_name: str | None, due_text: str | None) -> str | None:
    """The text of the template the page was opened with (`?template=`), for this complaint; None without one."""
    name = request.query.get("template", "")[:MAX_NAME_CHARS]
    for tpl in config.templates if name else ():
        if tpl.name == name:
            return fill_template(tpl, complaint["language"], code=complaint["code"], agency=agency_name, due=due_text)
    return None
