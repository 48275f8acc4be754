"""The Jinja set-up every HTML page of ours shares: the web channel's form and tracking pages, and the dashboard."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape


def page_templates(folder: Path) -> Environment:
    """Jinja for our HTML pages: everything escaped (complaint texts are untrusted), an unknown name an error, no
    stray blank lines."""
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
