"""The environment variables of SPEC section 3 that the service itself reads (secrets stay here)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


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
    trust_forwarded_for: int = 0  # trusted proxies in front: the client is the N-th X-Forwarded-For entry from the right
    intake_writer: str = "process"
    outbox_worker: bool = True  # False: this instance queues replies and deliveries but does not send them
    sweep_scheduler: bool = True  # False: this instance never runs the scheduled sweep (`main.py sweep` still does)
    # Messaging channels (SPEC section 3); a channel is off without its first secret.
    telegram_token: str | None = None
    telegram_secret: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_mode: str = "webhook"
    facebook_app_secret: str | None = None
    facebook_verify_token: str | None = None
    facebook_page_token: str | None = None
    whatsapp_app_secret: str | None = None
    whatsapp_verify_token: str | None = None
    whatsapp_token: str | None = None
    whatsapp_phone_id: str | None = None
    graph_api_url: str = "https://graph.facebook.com/v26.0"
    twilio_auth_token: str | None = None
    twilio_account_sid: str | None = None
    twilio_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    vonage_signature_secret: str | None = None
    vonage_signature_method: str = "md5"
    vonage_api_key: str | None = None
    vonage_api_secret: str | None = None
    vonage_from: str | None = None
    vonage_api_url: str = "https://rest.nexmo.com"
    sms_secret: str | None = None
    sms_send_url: str | None = None
    smtp_url: str | None = None

    def secrets(self) -> tuple[str, ...]:
        """Every secret value set, for tests and log checks that none of them leaks."""
        names = ("operator_token", "secret_key", "telegram_token", "telegram_secret", "facebook_app_secret",
                 "facebook_verify_token", "facebook_page_token", "whatsapp_app_secret", "whatsapp_verify_token",
                 "whatsapp_token", "twilio_auth_token", "vonage_signature_secret", "vonage_api_secret", "sms_secret",
                 "smtp_url")
        return tuple(v for v in (getattr(self, n) for n in names) if v)

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
            trust_forwarded_for=proxies(e.get("ADUAN_TRUST_FORWARDED_FOR", "")),
            intake_writer=e.get("ADUAN_INTAKE_WRITER", cls.intake_writer),
            outbox_worker=e.get("ADUAN_OUTBOX_WORKER", "on").lower() not in ("0", "off", "false", "no"),
            sweep_scheduler=e.get("ADUAN_SWEEP", "on").lower() not in ("0", "off", "false", "no"),
            telegram_token=e.get("ADUAN_TELEGRAM_TOKEN") or None,
            telegram_secret=e.get("ADUAN_TELEGRAM_SECRET") or None,
            telegram_api_url=e.get("ADUAN_TELEGRAM_API_URL", cls.telegram_api_url).rstrip("/"),
            telegram_mode=e.get("ADUAN_TELEGRAM_MODE", cls.telegram_mode),
            facebook_app_secret=e.get("ADUAN_FACEBOOK_APP_SECRET") or None,
            facebook_verify_token=e.get("ADUAN_FACEBOOK_VERIFY_TOKEN") or None,
            facebook_page_token=e.get("ADUAN_FACEBOOK_PAGE_TOKEN") or None,
            whatsapp_app_secret=e.get("ADUAN_WHATSAPP_APP_SECRET") or None,
            whatsapp_verify_token=e.get("ADUAN_WHATSAPP_VERIFY_TOKEN") or None,
            whatsapp_token=e.get("ADUAN_WHATSAPP_TOKEN") or None,
            whatsapp_phone_id=e.get("ADUAN_WHATSAPP_PHONE_ID") or None,
            graph_api_url=e.get("ADUAN_GRAPH_API_URL", cls.graph_api_url).rstrip("/"),
            twilio_auth_token=e.get("ADUAN_TWILIO_AUTH_TOKEN") or None,
            twilio_account_sid=e.get("ADUAN_TWILIO_ACCOUNT_SID") or None,
            twilio_from=e.get("ADUAN_TWILIO_FROM") or None,
            twilio_api_url=e.get("ADUAN_TWILIO_API_URL", cls.twilio_api_url).rstrip("/"),
            vonage_signature_secret=e.get("ADUAN_VONAGE_SIGNATURE_SECRET") or None,
            vonage_signature_method=e.get("ADUAN_VONAGE_SIGNATURE_METHOD", cls.vonage_signature_method),
            vonage_api_key=e.get("ADUAN_VONAGE_API_KEY") or None,
            vonage_api_secret=e.get("ADUAN_VONAGE_API_SECRET") or None,
            vonage_from=e.get("ADUAN_VONAGE_FROM") or None,
            vonage_api_url=e.get("ADUAN_VONAGE_API_URL", cls.vonage_api_url).rstrip("/"),
            sms_secret=e.get("ADUAN_SMS_SECRET") or None,
            sms_send_url=e.get("ADUAN_SMS_SEND_URL") or None,
            smtp_url=e.get("ADUAN_SMTP_URL") or None,
        )
