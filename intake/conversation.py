"""What a message on a messaging channel asks for: a status, an objection, the instructions, or nothing (a complaint).

Pure: text in, a command out. A message is a command only when it reads as one whole:
- a status request is `STATUS`, `CEK`, `CHECK` or `/status` (with up to three filler words such as "status aduan")
  followed by a tracking code of this service and nothing but punctuation; a message that is only a code is one too;
- an objection is `KEBERATAN`, `OBJECTION` or `/keberatan` followed by a code, then the citizen's reason;
- a request for instructions is `/start`, `/help`, `BANTUAN`, `HELP`, `INFO`, `MENU`, `MULAI` alone (Telegram's
  `/start <payload>` too), a bare `STATUS`/`CEK` (or "cek status aduan" with no code), or only greetings.
Anything else with content is a complaint (or a follow-up): "Cek jalan berlubang", "Status bantuan PKH saya",
"Info banjir" and "Check out my new phone!" are complaints. A tracking code reads as one when it has this service's
prefix (`NTB-7K3QX9P2`, `ntb 7k3qx9p2`, `ntb7k3qx9p2`), or another prefix written with its dash, or is the 8
characters alone with a digit among them, and `canonical` accepts it (O read as 0, I and L as 1).

Every pattern here is linear, and only a bounded head of the text is matched: a long message cannot stall intake.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from complaints.codes import canonical
from router.text import words

# Commands are short; a code and its keyword fit well within this. An objection's reason may be longer: it is
# sliced off the full text, never matched.
HEAD = 200
# A message of greetings alone is a few words; anything longer is read as a complaint.
GREETING_MAX = 100

_KEYWORD = re.compile(r"(/?)([A-Za-z]{2,12})(?:@\w{1,64})?(?![A-Za-z0-9_])")
_TOKEN = re.compile(r"[A-Za-z0-9]{1,24}")
_SEPARATORS = " \t\r\n:.,-"
_TRAILING = " \t\r\n.,!?;:)(\"'"

STATUS_WORDS = frozenset({"status", "cek", "check"})
HELP_WORDS = frozenset({"start", "help", "bantuan", "info", "menu", "mulai"})
OBJECTION_WORDS = frozenset({"keberatan", "objection", "object"})
# Words people put between the keyword and the code: "cek status aduan NTB-…", "check my complaint NTB-…".
FILLER_WORDS = frozenset({"status", "aduan", "laporan", "pengaduan", "kode", "tiket", "no", "nomor", "nomer", "saya",
                          "code", "complaint", "ticket", "my", "of", "for", "the"})
MAX_FILLERS = 3

GREETINGS = frozenset(
    """halo hallo hallo haloo hai hay hi hii hello helo hey pagi siang sore malam selamat met slmt
    assalamualaikum assalamu alaikum assalammualaikum asalamualaikum ass wr wb warahmatullahi wabarakatuh
    salam permisi min mimin admin kak kakak pak bu bapak ibu om mas mbak tes test testing p ping
    good morning afternoon evening shalom swastiastu namo buddhaya sampurasun punten""".split()
)


@dataclass(frozen=True)
class Command:
    """A request that is not a complaint: `status` (with the code as typed), `objection` (to a resolution, with the
    code and the citizen's reason) or `help`."""

    name: str
    code: str | None = None
    note: str | None = None


def read_code(text: str, start: int, prefix: str) -> tuple[str, int] | None:
    """Read a tracking code at `start` (spaces skipped): (canonical code, where it ends), or None when none is there."""
    at = _skip(text, start, " \t\r\n")
    first = _TOKEN.match(text, at)
    if first is None:
        return None
    head, end = first.group(), first.end()
    # Prefix and body apart: "NTB-7K3QX9P2", "ntb 7k3qx9p2", "ADU-7K3QX9P2" (another prefix needs its dash).
    if end < len(text) and text[end] in " -":
        gap = end + 1 if text[end] == "-" else _skip(text, end, " ")
        body = _TOKEN.match(text, gap)
        if body is not None and len(body.group()) == 8 and (
                head.upper() == prefix.upper() or (text[end] == "-" and len(head) <= 8 and _has_digit(body.group()))):
            code = canonical(f"{head}-{body.group()}")
            if code is not None:
                return code, body.end()
    # One token: "ntb7k3qx9p2" with this service's prefix, or the 8 characters alone with a digit.
    if len(head) == len(prefix) + 8 and head.upper().startswith(prefix.upper()):
        code = canonical(f"{prefix}-{head[len(prefix):]}")
    elif len(head) == 8 and _has_digit(head):
        code = canonical(f"{prefix}-{head}")
    else:
        code = None
    return (code, end) if code is not None else None


def classify(text: str, prefix: str) -> Command | None:
    """Return the command a message asks for, or None when it is a complaint (or part of one)."""
    start = len(text) - len(text.lstrip())
    head = text[start:start + HEAD]
    short = len(text) - start <= HEAD  # every command but an objection is short
    keyword = _KEYWORD.match(head)
    if keyword is not None:
        slash, word = keyword.group(1) == "/", keyword.group(2).lower()
        after = keyword.end()
        if word in OBJECTION_WORDS:
            return _objection(text, start, head, after, slash and short, prefix)
        if word in STATUS_WORDS:
            return _status(head, after, slash, prefix) if short else None
        if word in HELP_WORDS:
            rest = head[after:].strip(_TRAILING)
            # Telegram's deep link sends "/start <payload>": still a request for instructions.
            if short and (not rest or (slash and not any(ch.isspace() for ch in rest))):
                return Command("help")
            return None
    if short:
        code = read_code(head, 0, prefix)
        if code is not None and not head[code[1]:].strip(_TRAILING):
            return Command("status", code[0])
    if len(text) - start <= GREETING_MAX:
        said = words(text)
        if said and len(said) <= 8 and all(w in GREETINGS for w in said):
            return Command("help")
    return None


def _status(head: str, after: int, slash: bool, prefix: str) -> Command | None:
    """STATUS followed by a code (and only punctuation): the status; alone: how to ask; anything else: a complaint."""
    rest = head[after:]
    if not rest.strip(_TRAILING):
        return Command("help")  # "STATUS" without a code: tell them how to ask
    at = _skip(rest, 0, _SEPARATORS)
    for _ in range(MAX_FILLERS + 1):
        code = read_code(rest, at, prefix)
        if code is not None:
            return Command("status", code[0]) if not rest[code[1]:].strip(_TRAILING) else None
        word = _TOKEN.match(rest, at)
        if word is None or word.group().lower() not in FILLER_WORDS:
            break
        at = _skip(rest, word.end(), _SEPARATORS)
        if not rest[at:].strip(_TRAILING):
            return Command("help")  # "cek status aduan" without a code: tell them how to ask
    tail = rest.strip(_TRAILING)
    if slash and tail and not any(ch.isspace() for ch in tail):
        return Command("status", None)  # "/status something": a code we cannot read
    return None  # "status saya belum jelas…" is a complaint


def _objection(text: str, start: int, head: str, after: int, slash: bool, prefix: str) -> Command | None:
    """KEBERATAN with a code is an objection (the rest is its reason); the word opening a sentence is a complaint."""
    at = _skip(head, after, _SEPARATORS)
    code = read_code(head, at, prefix)
    if code is not None:
        end = code[1]
        if end == len(head) or not head[end].isalnum():
            note = text[start + end:].strip(_TRAILING + "-!") or None
            return Command("objection", code[0], note)
    if slash or (len(head) < HEAD and not head[after:].strip(_TRAILING)):
        return Command("objection", None)  # "KEBERATAN" alone, or "/keberatan" without a code: tell them how
    return None  # "Keberatan saya atas pelayanan…" is a complaint


def _skip(text: str, at: int, chars: str) -> int:
    """Return the first index at or after `at` whose character is not in `chars`."""
    while at < len(text) and text[at] in chars:
        at += 1
    return at


def _has_digit(token: str) -> bool:
    return any(ch.isdigit() for ch in token)


# A rating (SPEC section 15), read only from a reporter who was asked for one: a digit 1–5 first, alone as a number
# ("5", "4/5", "5 dari 5", "3 bintang"), then the citizen's words if any.
_RATING = re.compile(r"\s*([1-5])(?![0-9.,])\s*(?:(?:/|dari|out\s+of)\s*5(?![0-9])|bintang|stars?)?[\s.,!:;\-–—]*",
                     re.IGNORECASE)
RATING_COMMENT_CHARS = 1000


def read_rating(text: str) -> tuple[int, str | None] | None:
    """The rating and comment of a message that opens with one ("5 terima kasih, cepat sekali"), else None."""
    found = _RATING.match(text[:HEAD])
    if found is None:
        return None
    comment = text[found.end():].strip()[:RATING_COMMENT_CHARS]
    return int(found.group(1)), comment or None
