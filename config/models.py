"""Pydantic models of the operators' YAML files (regions, agencies, rules, settings, reply templates)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

CODE_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
DURATION_PATTERN = r"^[1-9][0-9]*(h|wd)$"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# A channel's name; which names exist is the service's channel registry, checked by the loader (config/loader.py).
Channel = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=32)]
Kind = Literal["complaint", "aspiration", "inquiry"]
Priority = Literal["low", "normal", "high", "urgent"]
Language = Literal["id", "en"]

KINDS: tuple[str, ...] = ("complaint", "aspiration", "inquiry")
PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")


class Strict(BaseModel):
    """Base of every config model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


Code = Annotated[str, Field(pattern=CODE_PATTERN, min_length=1, max_length=64)]
Duration = Annotated[str, Field(pattern=DURATION_PATTERN)]


def duration_order(duration: str) -> tuple[int, int]:
    """Order durations ("4h", "2wd") by the least time each can last, to tell the shorter of two terms: N hours last
    N hours; N working days at least 24·N hours (each ends at the clock's time of day, N working days on). On a tie
    hours come first: they never last longer."""
    amount, unit = int(duration.rstrip("hwd")), duration.lstrip("0123456789")
    return (amount, 0) if unit == "h" else (24 * amount, 1)


class Region(Strict):
    """One node of the jurisdiction tree."""

    code: Code
    name: str = Field(min_length=1)
    timezone: str | None = None
    aliases: list[str] = []
    children: list[Region] = []


class RegionsFile(Strict):
    """regions.yaml: the tree, with exactly one root."""

    regions: list[Region] = Field(min_length=1, max_length=1)


class DeliverTarget(Strict):
    """One delivery target of an agency: exactly one of webhook, email, telegram_chat."""

    webhook: str | None = Field(default=None, pattern=r"^https?://\S+$")
    email: str | None = None
    telegram_chat: str | None = Field(default=None, pattern=r"^(-?[0-9]+|@[A-Za-z0-9_]{5,})$")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not EMAIL_RE.match(value):
            raise ValueError(f"not an e-mail address: {value!r}")
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> DeliverTarget:
        given = [k for k in ("webhook", "email", "telegram_chat") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("a delivery target names exactly one of webhook, email, telegram_chat")
        return self


class AgencySLA(Strict):
    """SLA durations that override the settings' for one agency."""

    acknowledge: Duration | None = None
    resolve: Duration | None = None


class Agency(Strict):
    """An office or unit that receives tickets."""

    code: Code
    name: str = Field(min_length=1)
    service: Code
    region: Code
    escalate_to: str | None = None
    # Agencies outside its region it may forward tickets to (those in its region or below it it always may).
    forward_to: list[Code] = []
    deliver: list[DeliverTarget] = Field(min_length=1)
    sla: AgencySLA | None = None


class AgenciesFile(Strict):
    """agencies.yaml."""

    agencies: list[Agency] = Field(min_length=1)


class When(Strict):
    """A rule's conditions; every condition stated must hold."""

    any: list[str] = []
    all: list[str] = []
    none: list[str] = []
    channel: list[Channel] = []
    region: list[str] = []
    kind: list[Kind] = []
    pattern: str | None = None


class Then(Strict):
    """A rule's outcome: a service (found by jurisdiction) or one exact agency."""

    service: str | None = None
    agency: str | None = None
    category: str | None = None
    priority: Priority = "normal"

    @model_validator(mode="after")
    def _service_or_agency(self) -> Then:
        if (self.service is None) == (self.agency is None):
            raise ValueError("then: give exactly one of service or agency")
        return self


class Rule(Strict):
    """One routing rule."""

    name: str = Field(min_length=1)
    when: When = When()
    then: Then


class RulesFile(Strict):
    """rules.yaml: the triage agency and the rules in order."""

    triage: Code
    rules: list[Rule] = []


class PrioritySLA(Strict):
    """SLA overrides for one priority."""

    acknowledge: Duration | None = None
    resolve: Duration | None = None


class SLASettings(Strict):
    """Default SLA durations."""

    acknowledge: Duration = "3wd"
    resolve: Duration = "14wd"
    escalate_after: Duration = "2wd"
    # How long a complaint may wait in triage for the operators (SPEC section 15), from its arrival or its return.
    triage: Duration = "1wd"
    by_priority: dict[Priority, PrioritySLA] = {}


CALLING_CODE = re.compile(r"^[1-9][0-9]{0,2}$")


class SendLimits(Strict):
    """How much the service may send to citizens by SMS and e-mail (SPEC section 17)."""

    sms_countries: list[str] = ["62"]  # calling codes an SMS may go to
    per_destination_per_day: int = Field(default=5, ge=1)  # to one number or address in any 24 h
    per_hour: int = Field(default=1000, ge=1)  # SMS and e-mails to citizens in all, in any hour

    @field_validator("sms_countries", mode="before")
    @classmethod
    def _codes_as_text(cls, value: object) -> object:
        # `[62]` in YAML is a list of numbers; a calling code reads the same either way.
        if isinstance(value, list):
            return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
        return value

    @field_validator("sms_countries")
    @classmethod
    def _calling_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not CALLING_CODE.match(code):
                raise ValueError(f'"{code}" is not a calling code: 1 to 3 digits without "+", e.g. "62" for Indonesia')
        return value


TemplateUse = Literal["status", "ack", "reply"]
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
TEMPLATE_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")


class WhatsAppTemplate(Strict):
    """A message template registered in WhatsApp Manager; its body takes four parameters, in order: the tracking
    code, the status in words, the agency's name and the tracking link."""

    name: str  # as registered: lower-case letters, digits and underscores
    language: str  # the language code it was registered in: "id", "en", "en_US"

    @field_validator("name")
    @classmethod
    def _template_name(cls, value: str) -> str:
        if not TEMPLATE_NAME.match(value):
            raise ValueError(f'"{value}" is not a WhatsApp template name: lower-case letters, digits and "_" only, '
                             'as registered in WhatsApp Manager, e.g. "aduan_status"')
        return value

    @field_validator("language")
    @classmethod
    def _template_language(cls, value: str) -> str:
        if not TEMPLATE_LANGUAGE.match(value):
            raise ValueError(f'"{value}" is not a template language code: "id" for Bahasa Indonesia, "en" or "en_US" '
                             "for English, as the template was registered")
        return value


class Settings(Strict):
    """settings.yaml; every key optional."""

    tracking_prefix: str = Field(default="ADU", pattern=r"^[A-Z0-9]{1,8}$")
    language: Language = "id"
    sweep_interval_hours: int = Field(default=8, ge=1, le=168)
    merge_window_minutes: int = Field(default=10, ge=0, le=1440)
    # How long a complaint waits for the citizen's answer to a question (SPEC section 15).
    reply_window_days: int = Field(default=14, ge=1, le=90)
    sla: SLASettings = SLASettings()
    close_resolved_after: Duration = "10wd"
    max_body_bytes: int = Field(default=1048576, ge=1024, le=64 * 1048576)
    rate_limit_per_minute: int = Field(default=20, ge=1)
    attachments_quota_bytes: int = Field(default=5 * 1024**3, ge=0)  # all stored attachment files together (SPEC 17)
    max_attachment_bytes: int = Field(default=10 * 1024**2, ge=1024, le=1024**3)  # one fetched or uploaded file (SPEC 16)
    send_limits: SendLimits = SendLimits()
    # The WhatsApp templates notices go as outside the 24-hour window (SPEC 16), by use: `status` (status changes,
    # and any notice without a template of its own), `ack` (the acknowledgement), `reply` (a person's reply).
    whatsapp_templates: dict[TemplateUse, WhatsAppTemplate] = Field(default_factory=dict)


# What a reply template may fill in: the complaint's tracking code, the agency's name, the due time as text.
PLACEHOLDERS: tuple[str, ...] = ("code", "agency", "due")
# Every "{...}" of a template's text; the loader refuses one that is not a placeholder above.
PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")


class Wording(Strict):
    """A text in Bahasa Indonesia (required) and in English (optional: the Indonesian stands in for it)."""

    id: str = Field(min_length=1)
    en: str | None = Field(default=None, min_length=1)


class ReplyTemplate(Strict):
    """A named reply the console and the inbox offer in their reply forms."""

    name: Code
    title: Wording  # what the form shows in its list of replies
    text: Wording  # what is sent, with {code}, {agency} and {due} filled in


class TemplatesFile(Strict):
    """templates.yaml (optional): the named replies, in the order the forms offer them."""

    templates: list[ReplyTemplate] = []


FILES: dict[str, type[Strict]] = {
    "regions.yaml": RegionsFile,
    "agencies.yaml": AgenciesFile,
    "rules.yaml": RulesFile,
    "settings.yaml": Settings,
    "templates.yaml": TemplatesFile,
}
# Files a config folder may leave out, and what stands for each then.
OPTIONAL: dict[str, type[Strict]] = {"settings.yaml": Settings, "templates.yaml": TemplatesFile}
