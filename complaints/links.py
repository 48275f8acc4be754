"""The addresses the service sends people to about a complaint (SPEC section 14, the end).

An agency's people open a ticket in their inbox, `/agency/tickets/<code>`; the operators (the triage team,
`triage` in rules.yaml) open the complaint in their console, `/dashboard/complaints/<code>`; machines read the
ticket from the agency API; citizens follow their complaint on its public page, `/track/<code>`. Everything is
under ADUAN_PUBLIC_URL.
"""

from __future__ import annotations


def track_url(public_url: str, code: str, language: str | None) -> str:
    """The public tracking page of a complaint, in the citizen's language: `?lang=en` for English; without it the
    page speaks the complaint's own language, so a link to a complaint written in Bahasa Indonesia needs none."""
    return f"{public_url}/track/{code}" + ("?lang=en" if language == "en" else "")


def agency_page_url(public_url: str, code: str) -> str:
    """The agency inbox's page of a ticket."""
    return f"{public_url}/agency/tickets/{code}"


def operator_page_url(public_url: str, code: str) -> str:
    """The operator console's page of a complaint."""
    return f"{public_url}/dashboard/complaints/{code}"


def agency_api_url(public_url: str, code: str) -> str:
    """The agency API's ticket, for an agency's own system."""
    return f"{public_url}/api/v1/agency/tickets/{code}"


def page_url_for(public_url: str, code: str, agency: str | None, triage: str) -> str:
    """The page the people of `agency` open for a complaint: the console's for the triage team, else the inbox's."""
    return operator_page_url(public_url, code) if agency == triage else agency_page_url(public_url, code)
