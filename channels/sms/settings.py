"""The SMS channel's settings: each gateway's ADUAN_TWILIO_*, ADUAN_VONAGE_* and ADUAN_SMS_* (SPEC section 3)."""

from __future__ import annotations

from dataclasses import dataclass

from config.env import secret, url


@dataclass(frozen=True)
class SmsSettings:
    """A gateway is on when its first secret is set: Twilio's auth token, Vonage's signature secret, the generic one."""

    twilio_auth_token: str | None = secret()
    twilio_account_sid: str | None = None
    twilio_from: str | None = None
    twilio_api_url: str = url("https://api.twilio.com")
    vonage_signature_secret: str | None = secret()
    vonage_signature_method: str = "md5"
    vonage_api_key: str | None = None
    vonage_api_secret: str | None = secret()
    vonage_from: str | None = None
    vonage_api_url: str = url("https://rest.nexmo.com")
    sms_secret: str | None = secret()
    sms_send_url: str | None = None
