"""Every message the Telegram parse gives fits the store as it is (the parse's other properties:
test_telegram_parse_properties.py)."""

from __future__ import annotations

import json

import orjson

from tests.channels.parse_properties import NOW, assert_all_fit, changed_inputs, note_misfits

from channels.telegram.inbound import parse
from telegram_fakes import BOT_USERNAME, FIXTURES

UPDATES = {path.stem: json.loads(path.read_bytes()) for path in sorted(FIXTURES.glob("*.json"))}


def _body(update) -> bytes | None:
    """The update as Telegram would send it; None for what JSON cannot hold (orjson's 64-bit integers, NaN)."""
    try:
        return orjson.dumps(update)
    except orjson.JSONEncodeError:
        return None


def test_every_message_fits_the_store():
    """Every message from any fixture with any field changed fits its columns and is valid UTF-8."""
    found: dict[str, str] = {}
    for change, update in changed_inputs(UPDATES):
        body = _body(update)
        result = parse(body, BOT_USERNAME, NOW) if body is not None else None
        if isinstance(result, list):
            note_misfits(found, result, change)
    assert_all_fit(found)
