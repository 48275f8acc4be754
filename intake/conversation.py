"""What a message on a messaging channel asks for: a status, the instructions, or nothing (a complaint).

Pure: text in, a command out. SPEC section 6: `STATUS <code>`, `CEK <code>`, `/status <code>` or a
message that is only a code answer with the status; `KEBERATAN <code> <reason>` (or `/keberatan`) objects to a
resolution, which sends the complaint back to its agency; `/start`, `/help`, `BANTUAN`, `HELP` answer with
the instructions; a message that is only a greeting gets the instructions instead of opening a
complaint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from complaints.codes import canonical
from router.text import words

_STATUS = re.compile(r"^\s*/?(?:status|cek|check)(?:@\w+)?[\s:.-]*(?P<code>\S.*?)?\s*$", re.I)
_HELP = re.compile(r"^\s*/?(?:start|help|bantuan|info|menu)(?:@\w+)?(?:\s+\S+)?\s*$", re.I)
_OBJECTION = re.compile(r"^\s*/?(?:keberatan|objection|object)(?:@\w+)?[\s:.-]*(?P<rest>.*?)\s*$", re.I | re.S)
_OBJECTED_CODE = re.compile(r"^(?P<code>[A-Za-z0-9]{1,8}[-\s]?[A-Za-z0-9]{8})(?:$|[\s:.,!-]+(?P<note>.*)$)", re.S)
_CODE_ONLY = re.compile(r"^\s*(?P<code>[A-Za-z0-9]{1,8}[-\s]?[A-Za-z0-9]{8})\s*[.!]?\s*$")

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


def classify(text: str) -> Command | None:
    """Return the command a message asks for, or None when it is a complaint (or part of one)."""
    if _HELP.match(text):
        return Command("help")
    objection = _OBJECTION.match(text)
    if objection:
        rest = objection.group("rest")
        said = _OBJECTED_CODE.match(rest)
        typed = said.group("code") if said else ""
        # A code as people type it has its dash or a digit; "Keberatan atas semuanya" is words, not a code.
        code = canonical(typed) if "-" in typed or any(ch.isdigit() for ch in typed) else None
        if code is not None:
            return Command("objection", code, (said.group("note") or "").strip() or None)
        if not rest or text.lstrip().startswith("/"):
            return Command("objection", None)  # "KEBERATAN" alone, or "/keberatan" without a code: tell them how
        return None  # "Keberatan saya atas pelayanan…" is a complaint
    status = _STATUS.match(text)
    if status:
        typed = status.group("code")
        if not typed:
            return Command("help")  # "STATUS" without a code: tell them how to ask
        code = canonical(typed.strip(" .,!?;:"))
        if code is not None:
            return Command("status", code)
        if text.lstrip().startswith("/"):
            return Command("status", None)  # "/status something": a code we cannot read
        return None  # "status saya belum jelas…" is a complaint
    only_code = _CODE_ONLY.match(text)
    if only_code and canonical(only_code.group("code")) and any(ch.isdigit() for ch in only_code.group("code")):
        return Command("status", canonical(only_code.group("code")))
    said = words(text)
    if said and len(said) <= 8 and all(w in GREETINGS for w in said):
        return Command("help")
    return None
