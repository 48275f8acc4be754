"""The Telegram media fetcher: `getFile` for the file's path, then the file under `<api root>/file/bot<token>/<path>`
(https://core.telegram.org/bots/api#getfile). The Bot API serves files up to 20 MB; larger ones are refused by
`getFile` itself, final."""

from __future__ import annotations

from telegram.error import TelegramError

from channels.descriptor import Fetched, Fetcher, Get
from channels.telegram.settings import TelegramSettings
from providers.outcome import Permanent, RetryLater
from providers.telegram import classify, ready_bot


def telegram_fetcher(settings: TelegramSettings) -> Fetcher:
    """Return the fetcher of Telegram file ids, for the bot token of the settings."""
    token, api_url = settings.telegram_token, settings.telegram_api_url.rstrip("/")
    if not token:
        raise ValueError("the telegram fetcher needs ADUAN_TELEGRAM_TOKEN")
    # python-telegram-bot hands back `file_path` already joined to its file URL, which holds the token: the path
    # Telegram gave is what follows this prefix, and the URL is built here from it (never logged, never stored).
    prefix = f"{api_url}/file/bot{token}/"

    async def fetch(file_id: str, get: Get) -> Fetched | RetryLater | Permanent:
        """Ask for the file's path, then download it."""
        try:
            bot = await ready_bot(token, api_url)
            found = await bot.get_file(file_id)
        except TelegramError as exc:
            return classify(exc, token)
        path = found.file_path or ""
        if not path.startswith(prefix) or len(path) == len(prefix):
            # A local Bot API server answers a path on its own disk, which is not served over HTTP.
            return Permanent("Telegram gave no downloadable file path")
        return await get(path)

    return fetch


def fetchers(settings: TelegramSettings) -> dict[str, Fetcher]:
    """Return the fetcher of the "telegram" attachments when a bot token is set."""
    return {"telegram": telegram_fetcher(settings)} if settings.telegram_token else {}
