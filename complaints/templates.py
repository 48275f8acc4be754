"""Fill a reply template (templates.yaml) for one complaint, in the citizen's language: pure code, no I/O.

A template's title and text are each in Bahasa Indonesia and, optionally, English (the Indonesian stands in for a
missing English). `{code}`, `{agency}` and `{due}` are the placeholders; the config check refuses any other, so
filling replaces exactly those and leaves every other character as written.
"""

from __future__ import annotations

import re

# What stands in for a value the complaint does not have yet (no agency while in triage, no due time).
MISSING = {
    "id": {"agency": "tim pengaduan", "due": "belum ditetapkan"},
    "en": {"agency": "the complaints team", "due": "not yet set"},
}
_PLACEHOLDER = re.compile(r"\{(code|agency|due)\}")


def in_language(wording, language: str) -> str:
    """A template's title or text in `language` ("id" or "en"); the Indonesian when it has no English."""
    english = getattr(wording, "en", None)
    return english if language == "en" and english else wording.id


def template_title(template, language: str) -> str:
    """The name a reply form shows for a template."""
    return in_language(template.title, language)


def fill_template(template, language: str, *, code: str, agency: str | None, due: str | None) -> str:
    """The template's text for one complaint: its tracking code, the agency's name and the due time as the page
    shows it (e.g. "26 Nov 2026 08.00 WITA"); a missing agency or due time reads as MISSING says."""
    missing = MISSING.get(language, MISSING["id"])
    values = {"code": code, "agency": agency or missing["agency"], "due": due or missing["due"]}
    return _PLACEHOLDER.sub(lambda m: values[m[1]], in_language(template.text, language))
