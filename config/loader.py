"""Load the YAML files of a config folder, validate each against its model and all against each other."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from config.backtracking import repeats_a_repetition
from config.models import (FILES, OPTIONAL, PLACEHOLDER_RE, PLACEHOLDERS, PRIORITIES, AgenciesFile, Agency, Region,
                           RegionsFile, ReplyTemplate, Rule, RulesFile, Settings, TemplatesFile, duration_order)
from config.yamlsource import Document, YamlError, parse


@dataclass(frozen=True)
class RegionNode:
    """A region with its place in the tree resolved."""

    code: str
    name: str
    parent: str | None
    depth: int
    timezone: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    """A whole, checked configuration; `version` identifies its content."""

    regions: dict[str, RegionNode]
    root: str
    agencies: dict[str, Agency]
    rules: tuple[Rule, ...]
    triage: str
    settings: Settings
    version: str
    templates: tuple[ReplyTemplate, ...] = ()  # templates.yaml's replies, in file order; none without the file

    def ancestors(self, code: str) -> list[str]:
        """Return the region and its parents up to the root, nearest first."""
        chain = []
        node: str | None = code
        while node is not None:
            chain.append(node)
            node = self.regions[node].parent
        return chain

    def is_within(self, code: str, ancestor: str) -> bool:
        """Tell whether region `code` is `ancestor` or lies below it."""
        return ancestor in self.ancestors(code)


@dataclass
class LoadResult:
    """What loading found: the config (None when there are errors), errors and warnings."""

    config: Config | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def agency_secret_variable(code: str) -> str:
    """Name the environment variable holding an agency's webhook secret."""
    return "ADUAN_AGENCY_SECRET_" + code.upper().replace("-", "_")


def _describe(error: Mapping) -> str:
    loc = error["loc"]
    where = ""
    for part in loc:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    if error["type"] == "extra_forbidden":
        parent = where.rsplit(".", 1)[0] if "." in where else "top level"
        return f'unknown key "{loc[-1]}" in {parent}'
    if error["type"] == "missing" and len(loc) >= 2 and loc[-1] == "id" and loc[-2] in ("title", "text"):
        return f'{where}: the Bahasa Indonesia text is required ("en", the English, is optional)'
    if error["type"] == "missing":
        return f"{where}: required key is missing"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if error["type"] == "string_pattern_mismatch" and "h|wd" in str(error.get("ctx", {}).get("pattern", "")):
        message = 'a duration is "<N>h" (clock hours) or "<N>wd" (working days)'
    elif error["type"] == "string_pattern_mismatch" and "a-z0-9-" in str(error.get("ctx", {}).get("pattern", "")):
        message = "a code is lower-case letters, digits and '-'"
    return f"{where}: {message}" if where else message


class _Checker:
    """Collect problems as `file:line: message` while checking one config folder."""

    def __init__(self, directory: Path, env: Mapping[str, str], channels: Collection[str] | None) -> None:
        self.directory = directory
        self.env = env
        self.channels = channels
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.docs: dict[str, Document] = {}

    def error(self, file: str, path: tuple, message: str) -> None:
        line = self.docs[file].line_of(path) if file in self.docs else 1
        self.errors.append(f"{file}:{line}: {message}")

    def warn(self, file: str, path: tuple, message: str) -> None:
        line = self.docs[file].line_of(path) if file in self.docs else 1
        self.warnings.append(f"{file}:{line}: {message}")

    def read(self) -> tuple[dict[str, object], str]:
        """Parse and validate each file against its model; return the models and a content hash."""
        models: dict[str, object] = {}
        digest = hashlib.sha256()
        for name, model in FILES.items():
            path = self.directory / name
            if not path.exists():
                if name in OPTIONAL:
                    models[name] = OPTIONAL[name]()
                    continue
                self.errors.append(f"{name}:1: file is missing from {self.directory}")
                continue
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                self.errors.append(f"{name}:1: not UTF-8 text (byte {exc.start}): save the file as UTF-8")
                continue
            except OSError as exc:
                self.errors.append(f"{name}:1: cannot be read: {exc.strerror or exc}")
                continue
            digest.update(name.encode() + b"\0" + text.encode() + b"\0")
            try:
                doc = parse(text)
            except YamlError as exc:
                self.errors.append(f"{name}:{exc.line}: {exc.message}")
                continue
            self.docs[name] = doc
            if not isinstance(doc.data, dict):
                self.error(name, (), "the file must hold a mapping at the top level")
                continue
            try:
                models[name] = model.model_validate(doc.data)
            except ValidationError as exc:
                for err in exc.errors():
                    self.error(name, tuple(err["loc"]), _describe(err))
        return models, digest.hexdigest()[:12]

    def regions(self, regions_file: RegionsFile) -> tuple[dict[str, RegionNode], str]:
        """Flatten the region tree, checking codes, aliases and time zones."""
        nodes: dict[str, RegionNode] = {}
        alias_owner: dict[str, str] = {}
        root = regions_file.regions[0]
        if root.timezone is None:
            self.error("regions.yaml", ("regions", 0), f'root region "{root.code}" needs a timezone (e.g. Asia/Makassar)')

        def walk(region: Region, path: tuple, parent: str | None, depth: int, tz: str) -> None:
            zone = region.timezone or tz
            if region.timezone is not None:
                try:
                    ZoneInfo(region.timezone)
                except (ZoneInfoNotFoundError, ValueError):
                    self.error("regions.yaml", path + ("timezone",), f'unknown time zone "{region.timezone}"')
            if region.code in nodes:
                self.error("regions.yaml", path + ("code",), f'duplicate region code "{region.code}"')
            for i, alias in enumerate((region.name, *region.aliases)):
                key = " ".join(re.findall(r"\w+", alias.casefold()))
                if not key:
                    self.error("regions.yaml", path + ("aliases", i - 1), f'alias "{alias}" has no letters or digits')
                    continue
                owner = alias_owner.setdefault(key, region.code)
                if owner != region.code:
                    self.warn(
                        "regions.yaml",
                        path + (("aliases", i - 1) if i else ("name",)),
                        f'"{alias}" names both "{owner}" and "{region.code}"; text that says it goes to "{owner}"',
                    )
            nodes.setdefault(
                region.code,
                RegionNode(region.code, region.name, parent, depth, zone, tuple(region.aliases)),
            )
            for i, child in enumerate(region.children):
                walk(child, path + ("children", i), region.code, depth + 1, zone)

        walk(root, ("regions", 0), None, 0, root.timezone or "UTC")
        return nodes, root.code

    def agencies(self, agencies_file: AgenciesFile, regions: dict[str, RegionNode]) -> dict[str, Agency]:
        """Check agency codes, regions, escalation and forwarding targets, service clashes and transports."""
        agencies: dict[str, Agency] = {}
        by_service_region: dict[tuple[str, str], str] = {}
        for i, agency in enumerate(agencies_file.agencies):
            path = ("agencies", i)
            if agency.code in agencies:
                self.error("agencies.yaml", path + ("code",), f'duplicate agency code "{agency.code}"')
                continue
            agencies[agency.code] = agency
            if agency.region not in regions:
                self.error("agencies.yaml", path + ("region",), f'agency "{agency.code}": unknown region "{agency.region}"')
            clash = by_service_region.setdefault((agency.service, agency.region), agency.code)
            if clash != agency.code:
                self.error(
                    "agencies.yaml",
                    path + ("service",),
                    f'agencies "{clash}" and "{agency.code}" both serve "{agency.service}" in region "{agency.region}"; '
                    "jurisdiction needs one per service and region",
                )
            for j, target in enumerate(agency.deliver):
                tpath = path + ("deliver", j)
                if target.webhook and not self.env.get(agency_secret_variable(agency.code)):
                    self.error(
                        "agencies.yaml",
                        tpath,
                        f'agency "{agency.code}": webhook target needs its secret in {agency_secret_variable(agency.code)}',
                    )
                if target.email and not self.env.get("ADUAN_SMTP_URL"):
                    self.warn(
                        "agencies.yaml",
                        tpath,
                        f'agency "{agency.code}": e-mail is not configured (ADUAN_SMTP_URL); deliveries wait in the outbox',
                    )
                if target.telegram_chat and not self.env.get("ADUAN_TELEGRAM_TOKEN"):
                    self.warn(
                        "agencies.yaml",
                        tpath,
                        f'agency "{agency.code}": Telegram is not configured (ADUAN_TELEGRAM_TOKEN); '
                        "deliveries wait in the outbox",
                    )
        for i, agency in enumerate(agencies_file.agencies):
            if agency.escalate_to is not None and agency.escalate_to not in agencies:
                self.error(
                    "agencies.yaml",
                    ("agencies", i, "escalate_to"),
                    f'agency "{agency.code}": escalate_to names unknown agency "{agency.escalate_to}"',
                )
            for j, target in enumerate(agency.forward_to):
                if target == agency.code:
                    self.error("agencies.yaml", ("agencies", i, "forward_to", j),
                               f'agency "{agency.code}": forward_to names the agency itself; list the others it may '
                               "forward to")
                elif target not in agencies:
                    self.error("agencies.yaml", ("agencies", i, "forward_to", j),
                               f'agency "{agency.code}": forward_to names unknown agency "{target}"')
        return agencies

    def whatsapp_templates(self, settings: Settings) -> None:
        """Warn where WhatsApp can send but notices outside the 24-hour window would find no template (SPEC 16)."""
        sending = bool(self.env.get("ADUAN_WHATSAPP_TOKEN") and self.env.get("ADUAN_WHATSAPP_PHONE_ID"))
        templates = settings.whatsapp_templates
        if sending and "status" not in templates:
            missing = "no whatsapp_templates" if not templates else "whatsapp_templates has no `status` template"
            self.warn("settings.yaml", ("whatsapp_templates",) if templates else (),
                      f"{missing}: a notice to a WhatsApp citizen more than 24 h after their last message "
                      f"{'of a use without its own template ' if templates else ''}goes by SMS when their number is "
                      "known, else it is recorded undeliverable")

    def sla_terms(self, agencies_file: AgenciesFile, settings: Settings) -> None:
        """Warn where an agency's own SLA is longer than a `by_priority` term of the settings: there the priority's
        shorter term binds (sla.terms.terms_for), which the agency's file alone does not tell its reader."""
        by_priority = settings.sla.by_priority
        for i, agency in enumerate(agencies_file.agencies):
            for name, done in (("acknowledge", "acknowledged"), ("resolve", "resolved")):
                own = getattr(agency.sla, name) if agency.sla is not None else None
                if own is None:
                    continue
                shorter = [(priority, term) for priority in reversed(PRIORITIES)
                           if (term := getattr(by_priority.get(priority), name, None)) is not None
                           and duration_order(term) < duration_order(own)]
                if not shorter:
                    continue
                given = ", ".join(f"{priority} {term}" for priority, term in shorter)
                (first, first_term), *rest = shorter
                binding = "".join([f"{first} tickets must be {done} within {first_term}",
                                   *(f", {priority} ones within {term}" for priority, term in rest)])
                self.warn("agencies.yaml", ("agencies", i, "sla", name),
                          f'agency "{agency.code}": its own sla {name} {own} is longer than by_priority {given} in '
                          f"settings.yaml; the shorter term wins, so there {binding}")

    def rules(self, rules_file: RulesFile, agencies: dict[str, Agency], regions: dict[str, RegionNode], root: str) -> None:
        """Check rule names, references, keywords and patterns; warn about unreachable services."""
        if rules_file.triage not in agencies:
            self.error("rules.yaml", ("triage",), f'triage names unknown agency "{rules_file.triage}"')
        services = {a.service for a in agencies.values()}
        seen: dict[str, int] = {}
        for i, rule in enumerate(rules_file.rules):
            path = ("rules", i)
            if rule.name in seen:
                self.error("rules.yaml", path + ("name",), f'duplicate rule name "{rule.name}" (first at rule {seen[rule.name] + 1})')
            seen.setdefault(rule.name, i)
            for key in ("any", "all", "none"):
                for j, word in enumerate(getattr(rule.when, key)):
                    if not re.search(r"\w", word.rstrip("*")):
                        self.error("rules.yaml", path + ("when", key, j), f'rule "{rule.name}": keyword "{word}" has no letters or digits')
                    elif "*" in word.rstrip("*") or word.endswith("**"):
                        self.error("rules.yaml", path + ("when", key, j), f'rule "{rule.name}": "*" may only end a keyword ("{word}")')
            for j, name in enumerate(rule.when.channel):
                if self.channels is not None and name not in self.channels:
                    self.error("rules.yaml", path + ("when", "channel", j),
                               f'rule "{rule.name}": unknown channel "{name}" (channels: {", ".join(self.channels)})')
            for j, code in enumerate(rule.when.region):
                if code not in regions:
                    self.error("rules.yaml", path + ("when", "region", j), f'rule "{rule.name}": unknown region "{code}"')
            if rule.when.pattern is not None:
                try:
                    re.compile(rule.when.pattern)
                except re.error as exc:
                    self.error("rules.yaml", path + ("when", "pattern"), f'rule "{rule.name}": bad regular expression: {exc}')
                else:
                    if repeats_a_repetition(rule.when.pattern):
                        self.warn("rules.yaml", path + ("when", "pattern"),
                                  f'rule "{rule.name}": pattern repeats a repetition, as (a+)+ does; one message can '
                                  "make it backtrack for minutes and hold up intake: repeat the inner part once (a+) "
                                  "or make it possessive (a++)")
            if rule.then.agency is not None and rule.then.agency not in agencies:
                self.error("rules.yaml", path + ("then", "agency"), f'rule "{rule.name}": unknown agency "{rule.then.agency}"')
            if rule.then.service is not None:
                if rule.then.service not in services:
                    self.error(
                        "rules.yaml",
                        path + ("then", "service"),
                        f'rule "{rule.name}": no agency serves "{rule.then.service}" (services: {", ".join(sorted(services))})',
                    )
                else:
                    self._reach(rule, path, agencies, regions, root)

    def templates(self, templates_file: TemplatesFile) -> None:
        """Check reply template names, blank texts and placeholders."""
        allowed = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        seen: dict[str, int] = {}
        for i, template in enumerate(templates_file.templates):
            path = ("templates", i)
            if template.name in seen:
                self.error("templates.yaml", path + ("name",),
                           f'duplicate template name "{template.name}" (first at template {seen[template.name] + 1})')
            seen.setdefault(template.name, i)
            for part in ("title", "text"):
                for language in ("id", "en"):
                    value = getattr(getattr(template, part), language)
                    if value is None:
                        continue
                    where = path + (part, language)
                    if not value.strip():
                        self.error("templates.yaml", where, f'template "{template.name}": {part}.{language} is blank')
                    for found in PLACEHOLDER_RE.findall(value):
                        if found not in PLACEHOLDERS:
                            self.error("templates.yaml", where,
                                       f'template "{template.name}": unknown placeholder {{{found}}} in '
                                       f"{part}.{language}; the placeholders are {allowed}")

    def _reach(self, rule: Rule, path: tuple, agencies: dict[str, Agency], regions: dict[str, RegionNode], root: str) -> None:
        covered = {a.region for a in agencies.values() if a.service == rule.then.service}

        def reached(code: str) -> bool:
            node: str | None = code
            while node is not None:
                if node in covered:
                    return True
                node = regions[node].parent
            return False

        scope = [r for r in rule.when.region if r in regions] or [root]
        lost = sorted(
            code
            for code in regions
            if any(code == s or _below(regions, code, s) for s in scope) and not reached(code)
        )
        if lost:
            shown = ", ".join(lost[:8]) + (f" and {len(lost) - 8} more" if len(lost) > 8 else "")
            self.warn(
                "rules.yaml",
                path + ("then", "service"),
                f'rule "{rule.name}": no agency of service "{rule.then.service}" covers {shown}; '
                "their complaints go to triage",
            )


def _below(regions: dict[str, RegionNode], code: str, ancestor: str) -> bool:
    node = regions[code].parent
    while node is not None:
        if node == ancestor:
            return True
        node = regions[node].parent
    return False


def load_config(directory: Path | str, env: Mapping[str, str] | None = None,
                channels: Collection[str] | None = None) -> LoadResult:
    """Load and check a config folder; every problem is reported as `file:line: message`.

    `channels`: the names a rule's `channel` condition may take (the service's registry); None checks their form only.
    """
    checker = _Checker(Path(directory), os.environ if env is None else env, channels)
    models, version = checker.read()
    if len(models) < len(FILES):
        return LoadResult(None, checker.errors, checker.warnings)
    regions, root = checker.regions(models["regions.yaml"])
    agencies = checker.agencies(models["agencies.yaml"], regions)
    checker.sla_terms(models["agencies.yaml"], models["settings.yaml"])
    checker.whatsapp_templates(models["settings.yaml"])
    rules_file: RulesFile = models["rules.yaml"]
    checker.rules(rules_file, agencies, regions, root)
    templates_file: TemplatesFile = models["templates.yaml"]
    checker.templates(templates_file)
    if checker.errors:
        return LoadResult(None, checker.errors, checker.warnings)
    config = Config(
        regions=regions,
        root=root,
        agencies=agencies,
        rules=tuple(rules_file.rules),
        triage=rules_file.triage,
        settings=models["settings.yaml"],
        version=version,
        templates=tuple(templates_file.templates),
    )
    return LoadResult(config, checker.errors, checker.warnings)
