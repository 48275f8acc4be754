"""The operator console's rules (SPEC section 14), pure: which agencies the assign form offers first, whether an
assignment, a change of the complaint's details or a merge may be made. The console's pages and the operator API
ask the same functions, so the two cannot drift apart.

Problems are returned as keys (`unknown_agency`, `final`, …) that the pages put in words and the API in English.
"""

from __future__ import annotations

from collections.abc import Mapping

from complaints.model import breaks_line
from complaints.transitions import FINAL_STATUSES
from complaints.names import KIND_NAMES, PRIORITY_NAMES

# The kinds and priorities a complaint takes: those the pages have names for (config.models checks the same lists
# in the YAML; a test keeps the two equal).
KINDS = tuple(KIND_NAMES["id"])
PRIORITIES = tuple(PRIORITY_NAMES["id"])

MAX_CATEGORY_CHARS = 64


def assign_choices(config, region: str | None) -> tuple[list[str], list[str]]:
    """The agencies the assign form offers: first those serving the complaint's region or a region above it (nearest
    region first, then the configuration's order), then every other agency; the triage team is not among them."""
    chain = config.ancestors(region) if region in config.regions else [config.root]
    depth = {code: i for i, code in enumerate(chain)}
    candidates = [code for code in config.agencies if code != config.triage]
    near = sorted((c for c in candidates if config.agencies[c].region in depth),
                  key=lambda c: depth[config.agencies[c].region])
    rest = [c for c in candidates if c not in set(near)]
    return near, rest


def assign_problem(complaint: Mapping, target: str | None, config) -> str | None:
    """Why the complaint cannot be assigned to `target`: `unknown_agency`, `final` (closed or rejected) or
    `already` (it is that agency's and out of triage); None when it can."""
    if not target or target not in config.agencies:
        return "unknown_agency"
    if complaint["status"] in FINAL_STATUSES:
        return "final"
    if complaint["agency"] == target and complaint["status"] != "triage":
        return "already"
    return None


def update_changes(complaint: Mapping, form: Mapping[str, str], config) -> tuple[dict, dict[str, str]]:
    """What an update of category, priority, region and kind changes (only the fields given that differ), and the
    problem of each field that cannot take its value (`category_invalid`, `priority_invalid`, `region_unknown`,
    `kind_invalid`)."""
    changes: dict = {}
    problems: dict[str, str] = {}
    if "category" in form:
        category = form["category"].strip() or None
        if category is not None and (len(category) > MAX_CATEGORY_CHARS or breaks_line(category)):
            problems["category"] = "category_invalid"
        elif category != complaint["category"]:
            changes["category"] = category
    for name, allowed in (("priority", PRIORITIES), ("kind", KINDS)):
        if name in form and form[name] != complaint[name]:
            if form[name] not in allowed:
                problems[name] = f"{name}_invalid"
            else:
                changes[name] = form[name]
    if "region" in form and form["region"] != complaint["region"]:
        if form["region"] not in config.regions:
            problems["region"] = "region_unknown"
        else:
            changes["region"] = form["region"]
    return changes, problems


def merge_problem(duplicate: Mapping, into: Mapping | None) -> str | None:
    """Why `duplicate` cannot be merged into `into`: `merge_unknown` (no such complaint), `merge_self`,
    `merge_final` (the duplicate is already closed or rejected) or `merge_into_final` (the other one is); else None."""
    if into is None:
        return "merge_unknown"
    if into["id"] == duplicate["id"]:
        return "merge_self"
    if duplicate["status"] in FINAL_STATUSES:
        return "merge_final"
    if into["status"] in FINAL_STATUSES:
        return "merge_into_final"
    return None
