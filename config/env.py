"""The environment variables of SPEC section 3: the service's own, and the reading of each channel's settings class."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import TypeVar

S = TypeVar("S")


def proxies(value: str) -> int:
    """Read ADUAN_TRUST_FORWARDED_FOR: a number of trusted proxies (0 or empty: none; `true`/`yes` still mean 1)."""
    value = value.strip().lower()
    if value in ("", "false", "no", "off"):
        return 0
    if value in ("true", "yes", "on"):
        return 1
    if not (value.isascii() and value.isdigit() and int(value) <= 16):
        raise ValueError(f'ADUAN_TRUST_FORWARDED_FOR is the number of trusted proxies in front (0 to 16), not "{value}"')
    return int(value)


def host_names(value: str) -> tuple[str, ...]:
    """Read ADUAN_MEDIA_HOSTS: comma-separated host names (no scheme, port or path), lower-cased."""
    names = tuple(dict.fromkeys(name.strip().lower().rstrip(".") for name in value.split(",") if name.strip()))
    wrong = [name for name in names if not all(ch.isalnum() or ch in ".-_" for ch in name)]
    if wrong:
        raise ValueError(f'ADUAN_MEDIA_HOSTS is a comma-separated list of host names, not "{wrong[0]}"')
    return names


def secret(default: str | None = None):
    """A settings field holding a secret: read like any other, never logged, listed by `secret_values`."""
    return field(default=default, metadata={"secret": True})


def url(default: str | None = None):
    """A settings field holding a URL: its trailing slash dropped, so paths join to it."""
    return field(default=default, metadata={"url": True})


def read_settings(cls: type[S], environ: Mapping[str, str]) -> S:
    """Read a settings dataclass from the environment: field `x_y` is ADUAN_X_Y; unset or empty keeps the default."""
    values = {}
    for f in fields(cls):
        raw = environ.get(f"ADUAN_{f.name.upper()}")
        if raw:
            values[f.name] = raw.rstrip("/") if f.metadata.get("url") else raw
    return cls(**values)


def secret_values(settings: object) -> tuple[str, ...]:
    """Every secret value set in a settings object."""
    return tuple(v for f in fields(settings) if f.metadata.get("secret") and (v := getattr(settings, f.name)))


@dataclass(frozen=True)
class Env:
    """Process settings from the environment; secrets are never logged.

    Each channel's own settings (SPEC section 3) are read by the settings class the channel declares
    (`channels.REGISTRY`), and kept by channel name in `channels`; a channel missing there has its defaults (off).
    """

    database_url: str = "sqlite:///var/aduan.db"
    config_dir: str = "config"
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    operator_token: str | None = None
    secret_key: str | None = None
    var_dir: str = "var"
    trust_forwarded_for: int = 0  # trusted proxies in front: the client is the N-th X-Forwarded-For entry from the right
    intake_writer: str = "process"
    outbox_worker: bool = True  # False: this instance queues replies and deliveries but does not send them
    sweep_scheduler: bool = True  # False: this instance never runs the scheduled sweep (`main.py sweep` still does)
    smtp_url: str | None = None
    media_hosts: tuple[str, ...] = ()  # hosts media may be fetched from besides the providers' own (SPEC 16)
    channels: Mapping[str, object] = field(default_factory=dict)

    def settings(self, name: str, cls: type[S]) -> S:
        """Return a channel's settings, its defaults when the environment named none."""
        found = self.channels.get(name)
        return found if isinstance(found, cls) else cls()

    def secrets(self) -> tuple[str, ...]:
        """Every secret value set, for tests and log checks that none of them leaks."""
        own = tuple(v for v in (self.operator_token, self.secret_key, self.smtp_url) if v)
        return own + tuple(v for settings in self.channels.values() for v in secret_values(settings))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None,
                     channels: Iterable[tuple[str, type]] = ()) -> Env:
        """Read the ADUAN_* variables, with the SPEC's defaults, and each named channel's settings class."""
        e = os.environ if environ is None else environ
        return cls(
            database_url=e.get("ADUAN_DATABASE_URL", cls.database_url),
            config_dir=e.get("ADUAN_CONFIG_DIR", cls.config_dir),
            host=e.get("ADUAN_HOST", cls.host),
            port=int(e.get("ADUAN_PORT", cls.port)),
            public_url=e.get("ADUAN_PUBLIC_URL", cls.public_url).rstrip("/"),
            operator_token=e.get("ADUAN_OPERATOR_TOKEN") or None,
            secret_key=e.get("ADUAN_SECRET_KEY") or None,
            var_dir=e.get("ADUAN_VAR_DIR", cls.var_dir),
            trust_forwarded_for=proxies(e.get("ADUAN_TRUST_FORWARDED_FOR", "")),
            intake_writer=e.get("ADUAN_INTAKE_WRITER", cls.intake_writer),
            outbox_worker=e.get("ADUAN_OUTBOX_WORKER", "on").lower() not in ("0", "off", "false", "no"),
            sweep_scheduler=e.get("ADUAN_SWEEP", "on").lower() not in ("0", "off", "false", "no"),
            smtp_url=e.get("ADUAN_SMTP_URL") or None,
            media_hosts=host_names(e.get("ADUAN_MEDIA_HOSTS", "")),
            channels={name: read_settings(settings, e) for name, settings in channels},
        )
