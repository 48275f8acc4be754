"""The buttons of a ticket in an agency's Telegram group (SPEC section 15): what a press means, whether it is honoured,
and the words the group reads back. Pure: the Telegram edge reads the store, asks here, and writes what is decided.

A button's `callback_data` names the action and the ticket (`ack:NTB-7K3QX9P2`). Telegram hands it back from the
client, so it is only a hint: at every press the person is looked up by their Telegram user id and everything is
checked again here, as the agency inbox checks a form: an active account of role agency linked to that id
(`user add --telegram-id`), its agency holding the ticket (complaints.reach WORK), and the move allowed now
(complaints.transitions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from complaints import who
from complaints.codes import canonical
from complaints.messages import status_name
from complaints.model import has_control
from complaints.reach import ACKNOWLEDGING, WORK, reach
from complaints.timefmt import MONTHS
from complaints.transitions import agency_move_error, hand_on_error

ACKNOWLEDGE = "ack"  # Terima
RETURN = "ret"  # Bukan wewenang: back to triage, with the reason the officer gives by replying to the bot
ACTIONS = (ACKNOWLEDGE, RETURN)
MAX_DATA_BYTES = 64  # callback_data is 1-64 bytes (https://core.telegram.org/bots/api#inlinekeyboardbutton)
MAX_REASON = 4000  # as long as a return's reason may be in the inbox and the agency API
REASON_SHOWN = 300  # characters of the reason the edited group message repeats

# Why a press (or an answer) changes nothing; each is answered to the person in these words.
NOT_LINKED = "not_linked"  # no active agency account is linked to this Telegram user
NOT_YOURS = "not_yours"  # the ticket is not held by the person's agency (or there is no such ticket)
ALREADY = "already"  # acknowledged already (a second press, or Telegram delivering the first again)
NOT_NOW = "not_now"  # the ticket's status does not allow the move any more
STALE = "stale"  # the button names a ticket the message it sits on does not show

WORDS: dict[str, dict[str, str]] = {
    "id": {
        "button_ack": "Terima",
        "button_return": "Bukan wewenang",
        "button_open": "Buka",
        NOT_LINKED: "Akun Telegram Anda belum ditautkan ke akun instansi di Aduan. Minta admin menautkannya "
                    "(user add --telegram-id).",
        NOT_YOURS: "Tiket ini bukan milik instansi Anda.",
        ALREADY: "Sudah diterima.",
        NOT_NOW: "Tiket ini berstatus {status}: tidak dapat diubah dari sini.",
        STALE: "Tombol ini tidak berlaku untuk pesan ini.",
        "acknowledged": "Diterima atas nama {name}.",
        "asked": "Balas pertanyaan bot dengan alasannya.",
        "asked_before": "Pertanyaan sudah dikirim: balas pesan bot itu dengan alasannya.",
        "ask_failed": "Pertanyaan tidak terkirim. Coba tekan lagi.",
        "done_ack": "Diterima oleh {name}, {at}",
        "done_return": "Dikembalikan ke tim verifikasi (bukan wewenang) oleh {name}, {at}. Alasan: {reason}",
        "question": "{name}, mengapa tiket {code} bukan wewenang instansi Anda? Balas pesan ini dengan alasannya; "
                    "tim verifikasi akan membacanya.",
        "placeholder": "Alasan bukan wewenang",
        "answer_refused": "Tiket {code} tidak dikembalikan: {why}",
    },
    "en": {
        "button_ack": "Acknowledge",
        "button_return": "Not our authority",
        "button_open": "Open",
        NOT_LINKED: "Your Telegram account is not linked to an agency account in Aduan. Ask an administrator to "
                    "link it (user add --telegram-id).",
        NOT_YOURS: "This ticket is not your agency's.",
        ALREADY: "Already acknowledged.",
        NOT_NOW: "This ticket is {status}: it cannot be changed from here.",
        STALE: "This button does not belong to this message.",
        "acknowledged": "Acknowledged in the name of {name}.",
        "asked": "Reply to the bot's question with the reason.",
        "asked_before": "The question was sent: reply to that message of the bot with the reason.",
        "ask_failed": "The question could not be sent. Press again.",
        "done_ack": "Acknowledged by {name}, {at}",
        "done_return": "Returned to triage (not our authority) by {name}, {at}. Reason: {reason}",
        "question": "{name}, why is ticket {code} not your agency's authority? Reply to this message with the "
                    "reason; the triage team will read it.",
        "placeholder": "Reason it is not ours",
        "answer_refused": "Ticket {code} was not returned: {why}",
    },
}


def words(language: str) -> dict[str, str]:
    """The group's words in the settings' language (Bahasa Indonesia unless it is `en`)."""
    return WORDS.get(language, WORDS["id"])


# --- the button's data -------------------------------------------------------------------------------


def button_data(action: str, code: str) -> str:
    """The callback_data of a button: its action and the ticket's code, e.g. "ack:NTB-7K3QX9P2"."""
    data = f"{action}:{code}"
    if action not in ACTIONS or len(data.encode()) > MAX_DATA_BYTES:
        raise ValueError(f"not a button's data: {data!r}")
    return data


def read_button(data: str) -> tuple[str, str] | None:
    """The (action, canonical code) a callback_data names, or None when it is not one of our buttons."""
    action, _, code = data.partition(":")
    if action not in ACTIONS or len(data.encode()) > MAX_DATA_BYTES:
        return None
    found = canonical(code) if code else None
    return (action, found) if found else None


def names_ticket(shown: str | None, code: str) -> bool:
    """Tell whether the message a button sits on is about this ticket (a message we cannot read is given the
    benefit of the doubt: the checks of `judge` still hold)."""
    return shown is None or code in shown


# --- whether a press is honoured -------------------------------------------------------------------


@dataclass(frozen=True)
class Officer:
    """The linked account a press is honoured for."""

    user_id: int
    name: str
    agency: str

    @property
    def who(self) -> who.Who:
        """The actor of the timeline step, exactly as the inbox writes a signed-in officer's."""
        return who.user(self.user_id, self.name, "agency", self.agency)


@dataclass(frozen=True)
class Allowed:
    """The press (or the answer) is honoured, for this officer."""

    officer: Officer


@dataclass(frozen=True)
class Refused:
    """Nothing changes; `why` (NOT_LINKED, NOT_YOURS, ALREADY, NOT_NOW) is answered, with the ticket's status."""

    why: str
    status: str | None = None


def judge(action: str, accounts: Sequence[Mapping], ticket: Mapping | None) -> Allowed | Refused:
    """Decide a press of `action` on `ticket` (None: no such code) by the person whose active linked accounts are
    `accounts` (rows with id, name, role, agency), as things stand now."""
    officers = [a for a in accounts if a["role"] == "agency" and a["agency"]]
    if not officers:
        return Refused(NOT_LINKED)
    if ticket is None:
        return Refused(NOT_YOURS)
    # Only working a ticket honours a press, and WORK depends on who holds it alone: no timeline is needed.
    mine = [a for a in officers if reach(a["agency"], ticket["agency"], ()) == WORK]
    if not mine:
        return Refused(NOT_YOURS)
    status = ticket["status"]
    if action == ACKNOWLEDGE and agency_move_error(status, "acknowledged") is not None:
        return Refused(ALREADY if status in ACKNOWLEDGING else NOT_NOW, status)
    if action == RETURN and hand_on_error(status, "returned") is not None:
        return Refused(NOT_NOW, status)
    officer = mine[0]
    return Allowed(Officer(officer["id"], officer["name"], officer["agency"]))


def refusal(refused: Refused, language: str) -> str:
    """What the person is told when their press changes nothing."""
    status = status_name(refused.status, language) if refused.status else ""
    return words(language)[refused.why].format(status=status)


def reason_of(text: str | None) -> str | None:
    """The reason an answer gives: its text trimmed, without control characters, at most MAX_REASON characters;
    None when it says nothing."""
    if text is None:
        return None
    if has_control(text):
        text = "".join(ch for ch in text if not has_control(ch))
    text = text.strip()
    return text[:MAX_REASON] if text else None


# --- what the group reads back ---------------------------------------------------------------------


def short_time(at: datetime, zone: tzinfo, language: str) -> str:
    """A time as a group message says it, in the agency's zone: "3 Des 14.05" ("3 Dec 14:05" in English)."""
    local = at.astimezone(zone)
    months = MONTHS.get(language, MONTHS["id"])
    separator = ":" if language == "en" else "."
    return f"{local.day} {months[local.month - 1]} {local.hour:02d}{separator}{local.minute:02d}"


def done_line(action: str, name: str, at: datetime, zone: tzinfo, language: str, reason: str | None = None) -> str:
    """The line added to the ticket's message once a press is honoured: what was done, by whom, when."""
    t = words(language)
    when = short_time(at, zone, language)
    if action == ACKNOWLEDGE:
        return t["done_ack"].format(name=name, at=when)
    shown = reason or ""
    if len(shown) > REASON_SHOWN:
        shown = shown[: REASON_SHOWN - 1].rstrip() + "…"
    return t["done_return"].format(name=name, at=when, reason=shown)
