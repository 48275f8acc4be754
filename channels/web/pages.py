"""Render the pages from the Jinja2 templates (autoescaped) and name the headers every page carries."""

from __future__ import annotations

from pathlib import Path

from channels.web import i18n
from edges.pages import page_templates

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"

# Everything the pages load comes from us; no page may be framed (clickjacking) and the form
# may only post back to us.
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    # Forms carry a per-visitor token and tracking pages a complaint's status: never cache them.
    "Cache-Control": "no-store",
}

_env = page_templates(HERE / "templates")


def render(template: str, lang: str, switch_url: str, **context) -> str:
    """Render a page in a language; `switch_url` is the same page in the other language."""
    return _env.get_template(template).render(
        lang=lang,
        t=i18n.messages(lang),
        other_lang=i18n.other_language(lang),
        switch_url=switch_url,
        **context,
    )
