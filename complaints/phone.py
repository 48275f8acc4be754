"""Phone numbers as the service stores them: E.164 ("+" and digits) wherever a channel gives an international number."""

from __future__ import annotations

import re

# The digits of an international number: a country code never starts with 0, and E.164 allows at most 15
# digits; 7 is the shortest Vonage's SMS API takes in `to` (pattern \d{7,15}).
_INTERNATIONAL_DIGITS = re.compile(r"[1-9][0-9]{6,14}")
_SEPARATORS = re.compile(r"[\s-]")


def e164(number: str, *, plus_implied: bool = False) -> str:
    """Return an international number as "+" and its digits; anything else (a local 08… number, a short code,
    an alphanumeric sender) stripped of outer spaces, as given.

    "+62 812-0000-1111" becomes "+6281200001111". With `plus_implied`, for a gateway that writes every
    international number without its "+" (Vonage's `msisdn`), bare digits are one too: "6281234567890"
    becomes "+6281234567890".
    """
    given = number.strip()
    compact = _SEPARATORS.sub("", given)
    if compact.startswith("+"):
        digits = compact[1:]
    elif plus_implied:
        digits = compact
    else:
        return given
    return "+" + digits if _INTERNATIONAL_DIGITS.fullmatch(digits) else given
