"""Route a complaint: rules compiled once per config version, jurisdiction by the region tree."""

from __future__ import annotations

import re
from dataclasses import dataclass

from config.loader import Config
from router.matcher import Keyword, Match, Matcher, compile_keyword
from router.text import words

# A citizen's text is routed on its first ROUTE_CHARS characters: as many as the web form and the API take
# (api/public.py MAX_TEXT), so every complaint they accept routes on all its words, and a Telegram message
# (4,096 at most) or an SMS of a few parts fits whole. A longer text (a gateway's own concatenation, a
# forged update) routes on its head, and its cost stays bounded.
ROUTE_CHARS = 10_000
# A rule's `pattern` is an operator's regular expression, run by Python's backtracking engine: the sample's
# `\bobat\w*\b.*\b(kosong|habis|langka)\b` costs the square of the length it searches (1.5 s on 20,000
# characters of "obat obat …", the writer waiting meanwhile; 350 ms on 10,000). Patterns search the first
# PATTERN_CHARS characters, some 150 words: an SMS of six parts whole, and many times the longest sample
# complaint (tests/router/, 86 characters), where what a pattern looks for opens the complaint. That
# pattern then costs 3 to 5 ms at worst (bench/hostile_intake.py). Keywords still see ROUTE_CHARS.
PATTERN_CHARS = 1_000


class UnknownRegion(ValueError):
    """A region code that the configuration does not know."""


@dataclass(frozen=True)
class Decision:
    """Where a complaint goes and why."""

    rule: str | None
    agency: str
    agency_name: str
    service: str | None
    region: str
    region_name: str
    region_source: str
    category: str | None
    priority: str
    kind: str
    status: str
    matched: tuple[str, ...]
    steps: tuple[str, ...]
    config_version: str

    def as_dict(self) -> dict:
        """Return the decision as the JSON object of `route --json`."""
        return {
            "rule": self.rule,
            "agency": {"code": self.agency, "name": self.agency_name},
            "service": self.service,
            "region": {"code": self.region, "name": self.region_name},
            "region_source": self.region_source,
            "category": self.category,
            "priority": self.priority,
            "kind": self.kind,
            "status": self.status,
            "matched": list(self.matched),
            "steps": list(self.steps),
            "config_version": self.config_version,
        }


@dataclass(frozen=True)
class _CompiledRule:
    index: int
    name: str
    any: frozenset[int]
    all: frozenset[int]
    none: frozenset[int]
    channels: frozenset[str]
    regions: tuple[str, ...]
    kinds: frozenset[str]
    pattern: re.Pattern[str] | None
    service: str | None
    agency: str | None
    category: str | None
    priority: str


class Router:
    """A compiled rule set for one config version; `route` is pure and does no I/O."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.version = config.version
        keyword_index: dict[tuple[tuple[str, ...], bool], int] = {}
        keywords: list[Keyword] = []

        def ids(texts: list[str]) -> frozenset[int]:
            out = set()
            for text in texts:
                kw = compile_keyword(text)
                key = (kw.parts, kw.prefix)
                if key not in keyword_index:
                    keyword_index[key] = len(keywords)
                    keywords.append(kw)
                out.add(keyword_index[key])
            return frozenset(out)

        self._rules: list[_CompiledRule] = []
        self._by_keyword: dict[int, set[int]] = {}
        always: list[int] = []
        for i, rule in enumerate(config.rules):
            w, t = rule.when, rule.then
            compiled = _CompiledRule(
                index=i,
                name=rule.name,
                any=ids(w.any),
                all=ids(w.all),
                none=ids(w.none),
                channels=frozenset(w.channel),
                regions=tuple(w.region),
                kinds=frozenset(w.kind),
                pattern=re.compile(w.pattern) if w.pattern is not None else None,
                service=t.service,
                agency=t.agency,
                category=t.category,
                priority=t.priority,
            )
            self._rules.append(compiled)
            # A rule needing keywords can only match when one of its any/all keywords is present.
            needed = compiled.all or compiled.any
            if needed:
                for kw in needed:
                    self._by_keyword.setdefault(kw, set()).add(i)
            else:
                always.append(i)
        self._always = frozenset(always)
        # Region names and aliases join the same index, after the rule keywords: one pass finds both.
        self._first_region_keyword = len(keywords)
        self._region_of: dict[int, str] = {}
        for node in config.regions.values():
            for text in (node.name, *node.aliases):
                self._region_of[len(keywords)] = node.code
                keywords.append(compile_keyword(text))
        self._keywords = keywords
        self._matcher = Matcher(keywords)
        self._jurisdiction = {(a.service, a.region): a.code for a in config.agencies.values()}

    def route(self, text: str, *, region: str | None = None, channel: str | None = None, kind: str = "complaint") -> Decision:
        """Decide the agency for a complaint and explain the decision (on the text's first ROUTE_CHARS characters)."""
        text = _head(text, ROUTE_CHARS)
        tokens = words(text)
        searched = _head(text, PATTERN_CHARS)
        found: dict[int, str] = {}
        regions: list[Match] = []
        first_region = self._first_region_keyword
        for m in self._matcher.find(tokens):
            if m.keyword >= first_region:
                regions.append(m)
            elif m.keyword not in found:
                found[m.keyword] = " ".join(tokens[m.start : m.end])
        region_code, region_source, region_step = self._region(tokens, regions, region)
        candidates = set(self._always)
        for kw in found:
            candidates |= self._by_keyword.get(kw, set())
        for i in sorted(candidates):
            rule = self._rules[i]
            matched = self._match(rule, found, searched, region_code, channel, kind)
            if matched is not None:
                return self._decide(rule, matched, region_code, region_source, region_step, kind)
        triage = self.config.agencies[self.config.triage]
        return self._decision(
            None, triage.code, None, region_code, region_source, None, "normal", kind, "triage", (),
            (region_step, f"no rule matched → triage: {triage.code} ({triage.name})"),
        )

    def _match(self, rule: _CompiledRule, found: dict[int, str], text: str, region: str, channel: str | None, kind: str) -> tuple[str, ...] | None:
        if rule.any and not (rule.any & found.keys()):
            return None
        if rule.all and not rule.all <= found.keys():
            return None
        if rule.none & found.keys():
            return None
        if rule.channels and channel not in rule.channels:
            return None
        if rule.kinds and kind not in rule.kinds:
            return None
        if rule.regions and not any(self.config.is_within(region, r) for r in rule.regions):
            return None
        wanted = rule.any | rule.all
        matched = [said for k, said in found.items() if k in wanted]
        if rule.pattern is not None:
            hit = rule.pattern.search(text)
            if hit is None:
                return None
            matched.append(f"pattern: {rule.pattern.pattern}")
        return tuple(dict.fromkeys(matched))

    def _region(self, tokens: list[str], matches: list[Match], given: str | None) -> tuple[str, str, str]:
        regions = self.config.regions
        if given:
            if given not in regions:
                raise UnknownRegion(f'unknown region "{given}"')
            return given, "given", f"region {given} ({regions[given].name}) given"
        if matches:
            best = _most_specific(matches, self._region_of, regions)
            code = self._region_of[best.keyword]
            said = " ".join(tokens[best.start : best.end])
            return code, "text", f'region {code} ({regions[code].name}) found in the text: "{said}"'
        root = self.config.root
        return root, "default", f"no region in the text → {root} ({regions[root].name})"

    def _decide(self, rule: _CompiledRule, matched: tuple[str, ...], region: str, region_source: str, region_step: str, kind: str) -> Decision:
        steps = [region_step, f"rule {rule.name} matched: {', '.join(matched) if matched else 'no word condition'}"]
        agency, service, status = self._agency_of(rule, region, steps)
        return self._decision(rule.name, agency, service, region, region_source, rule.category, rule.priority, kind, status, matched, tuple(steps))

    def _agency_of(self, rule: _CompiledRule, region: str, steps: list[str]) -> tuple[str, str | None, str]:
        """The agency, service and status of a matched rule's complaint, each step of the search added to `steps`."""
        if rule.agency is not None:
            steps.append(f"rule names agency {rule.agency}")
            return rule.agency, None, "assigned"
        for node in self.config.ancestors(region):
            agency = self._jurisdiction.get((rule.service, node))
            if agency is not None:
                steps.append(f"{node}: {agency} serves {rule.service}")
                return agency, rule.service, "assigned"
            steps.append(f"{node}: no agency serves {rule.service}")
        triage = self.config.agencies[self.config.triage]
        steps.append(f"no agency of {rule.service} up to the root → triage: {triage.code}")
        return triage.code, rule.service, "triage"

    def _decision(self, rule, agency, service, region, region_source, category, priority, kind, status, matched, steps) -> Decision:
        # The names are the configuration's, read here so that every decision carries them.
        return Decision(
            rule=rule, kind=kind, category=category, priority=priority, status=status,
            agency=agency, agency_name=self.config.agencies[agency].name, service=service,
            region=region, region_name=self.config.regions[region].name, region_source=region_source,
            matched=matched, steps=steps, config_version=self.version,
        )

def _most_specific(matches: list[Match], region_of: dict[int, str], regions) -> Match:
    """Pick the region match: longest spans first (no part of a longer name), then deepest, then earliest."""
    kept = [m for m, inside in zip(matches, _inside_longer(matches)) if not inside]
    return min(kept, key=lambda m: (-regions[region_of[m.keyword]].depth, m.start, -(m.end - m.start)))


def _inside_longer(matches: list[Match]) -> list[bool]:
    """Tell for each match whether another, longer one covers its span; sorted once, not each against each."""
    inside = [False] * len(matches)
    # By start, the longer first: every span that could cover a match comes before it. Matches of one span
    # (two regions sharing a name) are decided together, so they never cover each other.
    order = sorted(range(len(matches)), key=lambda i: (matches[i].start, -matches[i].end))
    furthest = -1  # the end reached by the spans seen so far
    k = 0
    while k < len(order):
        span = matches[order[k]][1:]
        group = k
        while k < len(order) and matches[order[k]][1:] == span:
            k += 1
        if furthest >= span[1]:
            for i in order[group:k]:
                inside[i] = True
        furthest = max(furthest, span[1])
    return inside


def _head(text: str, limit: int) -> str:
    """The first `limit` characters of a text, less a word the limit cuts in two."""
    if len(text) <= limit:
        return text
    end = limit
    if text[end].isalnum():
        while end > 0 and text[end - 1].isalnum():
            end -= 1
    return text[:end] if end > 0 else text[:limit]


def compile_router(config: Config) -> Router:
    """Compile a config's rules into a router."""
    return Router(config)
