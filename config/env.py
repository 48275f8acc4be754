"""The environment variables of SPEC section 3 that the service itself reads (secrets stay here)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Env:
    """Process settings from the environment; secrets are never logged."""

    database_url: str = "sqlite:///var/aduan.db"
    config_dir: str = "config"
    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    operator_token: str | None = None
    secret_key: str | None = None
    var_dir: str = "var"
    trust_forwarded_for: bool = False
    intake_writer: str = "process"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Env:
        """Read the ADUAN_* variables, with the SPEC's defaults."""
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
            trust_forwarded_for=e.get("ADUAN_TRUST_FORWARDED_FOR", "") in ("1", "true", "yes"),
            intake_writer=e.get("ADUAN_INTAKE_WRITER", cls.intake_writer),
        )
