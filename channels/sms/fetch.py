"""The Twilio MMS fetcher: `MediaUrl<N>` fetched with HTTP Basic (account SID, auth token); Twilio answers with a
redirect to its media host (mms.twiliocdn.com, a URL valid 4 hours), followed without the credentials
(https://www.twilio.com/docs/messaging/api/media-resource). Vonage and the generic gateways offer no fetcher."""

from __future__ import annotations

import aiohttp
from yarl import URL

from channels.descriptor import Fetched, Fetcher, Get
from channels.sms import twilio
from channels.sms.settings import SmsSettings
from providers.outcome import Permanent, RetryLater

TWILIO_DOMAIN = "twilio.com"


def twilio_fetcher(settings: SmsSettings) -> Fetcher:
    """Return the fetcher of Twilio media URLs, with the account's credentials."""
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token
    if not (sid and token):
        raise ValueError("the twilio fetcher needs ADUAN_TWILIO_ACCOUNT_SID and ADUAN_TWILIO_AUTH_TOKEN")
    api_host = URL(settings.twilio_api_url).host
    auth = {"Authorization": aiohttp.encode_basic_auth(sid, token)}

    async def fetch(url: str, get: Get) -> Fetched | RetryLater | Permanent:
        """Download the media URL; the credentials go only to Twilio's API (or the configured API root)."""
        try:
            host = (URL(url).host or "").lower().rstrip(".")
        except ValueError:
            return Permanent("not a URL")
        ours = host == api_host or host == TWILIO_DOMAIN or host.endswith("." + TWILIO_DOMAIN)
        return await get(url, auth if ours else None)

    return fetch


def fetchers(settings: SmsSettings) -> dict[str, Fetcher]:
    """Return the fetcher of the "sms-twilio" attachments when the account SID and auth token are set."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return {}
    return {twilio.VIA: twilio_fetcher(settings)}
