"""What every channel's parse owes intake, and the generated input its property tests share (issue 15, item 4).

A parse takes whatever reaches its webhook: it answers with its own verdict (`Malformed`, `Ignored`, `Parsed`), never
an exception, and every message it hands intake can be stored as it is: its provider id, sender, reporter and
attachments within their columns (read from store.models, so a column change moves the limit), every string
encodable as UTF-8 (neither SQLite nor PostgreSQL can hold a lone surrogate), times aware, places on the globe.
Intake does not cut a field: a message that does not fit is refused by the store, answered 503, and retried by the
provider for as long as it retries.

Budgets: the profile `aduan-fuzz` is deterministic (`derandomize`) so that CI runs the same examples every time, in a
few seconds per file. `ADUAN_FUZZ_SCALE=N` multiplies every budget by N and draws new examples on each run, for a
longer hunt by hand.
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from channels.ladder import Malformed, Parsed
from complaints.model import InboundMessage, without_control_characters
from intake.fit import fit_to_store
from providers.outcome import StatusReport
from store import models

SCALE = max(1, int(os.environ.get("ADUAN_FUZZ_SCALE", "1")))
settings.register_profile(
    "aduan-fuzz", deadline=None, derandomize=SCALE == 1, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
FUZZ = settings.get_profile("aduan-fuzz")


def budget(examples: int) -> settings:
    """The fuzz profile with `examples` examples (times ADUAN_FUZZ_SCALE)."""
    return settings(FUZZ, max_examples=examples * SCALE)


NOW = datetime(2026, 1, 1, 3, 0, tzinfo=timezone.utc)


def _length(column) -> int | None:
    return getattr(column.type, "length", None)


_IN, _COMPLAINT, _REPORTER, _FILE = (models.InboundMessage.__table__.c, models.Complaint.__table__.c,
                                      models.Reporter.__table__.c, models.Attachment.__table__.c)
# The column each field of a message lands in (the shortest where it lands in two); None: no length limit.
LIMITS = {
    "provider_message_id": _length(_IN.provider_message_id),
    "sender_id": min(_length(_IN.sender_id), _length(_COMPLAINT.sender_id)),
    "reply_to": _length(_COMPLAINT.reply_to),
    "reply_via": _length(_COMPLAINT.reply_via),
    "edit_of": _length(_IN.provider_message_id),  # looked up as the original's provider id
    "name": _length(_REPORTER.name),
    "phone": _length(_REPORTER.phone),
    "email": _length(_REPORTER.email),
    "channel_user_id": _length(_REPORTER.channel_user_id),
    "kind": _length(_FILE.kind),
    "content_type": _length(_FILE.content_type),
    "file_name": _length(_FILE.name),
    "channel_ref": _length(_FILE.channel_ref),
}
ATTACHMENT_KINDS = {"image", "document", "audio", "voice", "video", "sticker", "unknown"}
BIGINT = 2**63  # attachments.size is a signed 64-bit integer (SQLite's INTEGER too)
STATUSES = {"sent", "delivered", "read", "failed"}


def _utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _string(problems: list[str], field: str, value: object, *, required: bool = False) -> None:
    """Note what is wrong with a string field: missing when required, not a str, too long, or not UTF-8."""
    if value is None:
        if required:
            problems.append(f"{field} missing")
        return
    if not isinstance(value, str):
        problems.append(f"{field} is {type(value).__name__}, not str")
        return
    if required and not value:
        problems.append(f"{field} empty")
    limit = LIMITS.get(field)
    if limit is not None and len(value) > limit:
        problems.append(f"{field} longer than its column ({limit})")
    if not _utf8(value):
        problems.append(f"{field} not encodable as UTF-8 (a lone surrogate)")


def misfits(msg: InboundMessage) -> list[str]:
    """Every way a message would not be stored as it is: a field past its column, not UTF-8, or of another type."""
    problems: list[str] = []
    _string(problems, "provider_message_id", msg.provider_message_id, required=True)
    for field in ("sender_id", "reply_to", "reply_via", "edit_of", "region", "category", "language", "raw"):
        _string(problems, field, getattr(msg, field))
    _string(problems, "text", msg.text, required=True)
    r = msg.reporter
    for field in ("name", "phone", "email", "channel_user_id"):
        _string(problems, field, getattr(r, field))
    for a in msg.attachments:
        _string(problems, "kind", a.kind, required=True)
        _string(problems, "content_type", a.content_type)
        _string(problems, "file_name", a.name)
        _string(problems, "channel_ref", a.channel_ref)
        if a.size is not None and not (type(a.size) is int and -BIGINT <= a.size < BIGINT):
            problems.append("attachment size past a signed 64-bit integer")
    return problems


def assert_message_for_intake(msg: object, channel: str) -> None:
    """A message intake can take: its channel, a non-empty provider id and text, aware times, a place on the globe,
    attachments of a known kind with a reference (the column sizes are `misfits`' to check)."""
    assert isinstance(msg, InboundMessage) and msg.channel == channel
    assert isinstance(msg.provider_message_id, str) and msg.provider_message_id
    assert isinstance(msg.text, str) and msg.text.strip()
    assert isinstance(msg.raw, str)
    assert msg.received_at.tzinfo is not None
    assert msg.sent_at is None or (msg.sent_at.tzinfo is not None and msg.sent_at <= msg.received_at)
    assert all(v is None or isinstance(v, str) for v in (msg.sender_id, msg.reply_to, msg.reply_via, msg.edit_of))
    r = msg.reporter
    assert all(v is None or isinstance(v, str) for v in (r.name, r.phone, r.email, r.channel_user_id))
    assert (msg.lat is None) == (msg.lon is None)
    if msg.lat is not None:
        assert all(isinstance(v, float | int) and not isinstance(v, bool) and math.isfinite(v) for v in (msg.lat, msg.lon))
        assert -90 <= msg.lat <= 90 and -180 <= msg.lon <= 180
    for a in msg.attachments:
        assert a.kind in ATTACHMENT_KINDS
        assert isinstance(a.channel_ref or a.stored_path, str) and (a.channel_ref or a.stored_path)
        assert a.size is None or type(a.size) is int
        assert all(v is None or isinstance(v, str) for v in (a.content_type, a.name))


def assert_status_report(report: object, transport: str) -> None:
    """A status callback the outbox can match to a delivery: a wamid within its column, a kept status, aware time."""
    assert isinstance(report, StatusReport) and report.transport == transport
    limit = _length(models.DeliveryStatus.__table__.c.provider_message_id)
    assert isinstance(report.provider_message_id, str) and 0 < len(report.provider_message_id) <= limit
    assert report.status in STATUSES
    assert report.at is None or report.at.tzinfo is not None
    assert report.code is None or type(report.code) is int
    assert report.title is None or isinstance(report.title, str)
    assert report.recipient is None or (isinstance(report.recipient, str) and len(report.recipient) <= 128)


def status_misfits(report: StatusReport) -> list[str]:
    """Every way a status callback would not be stored as it is (its strings must be UTF-8)."""
    return [f"status {field} not encodable as UTF-8 (a lone surrogate)"
            for field in ("provider_message_id", "title", "recipient")
            if isinstance(getattr(report, field), str) and not _utf8(getattr(report, field))]


def assert_parsed(result: object, channel: str) -> None:
    """Malformed with its reason, or Parsed: ignored reasons as text, messages intake takes, statuses the outbox
    matches (a Meta channel's verdict)."""
    assert isinstance(result, Parsed | Malformed)
    if isinstance(result, Malformed):
        assert isinstance(result.reason, str) and result.reason
        return
    assert all(isinstance(reason, str) for reason in result.ignored)
    for msg in result.messages:
        assert_message_for_intake(msg, channel)
    for report in result.statuses:
        assert_status_report(report, channel)


# Generated values. Strings of any code point (a JSON body may carry the escape "\ud800"), numbers of any size, and
# strings just past each column, in the characters ids are made of.
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=24)
PAST_COLUMNS = st.sampled_from([129, 201, 256, 300, 5000]).flatmap(
    lambda n: st.sampled_from(["7", "a", "é", "\ud800"]).map(lambda c: c * n))
NUMBERS = (st.integers(-(2**70), 2**70) | st.floats() | st.sampled_from([0, -1, 2**63, 2**64 - 1, 1e300, 1.5]))
SCALARS = st.none() | st.booleans() | NUMBERS | ANY_TEXT | PAST_COLUMNS


def json_values(fields: Iterable[str], telling: Iterable[object] = ()) -> st.SearchStrategy:
    """Arbitrary JSON whose objects often hold the provider's own field names and values that sit on a decision."""
    names = st.sampled_from(sorted(set(fields))) | st.text(max_size=4)
    scalars = SCALARS | st.sampled_from(list(telling)) if telling else SCALARS
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=4),
                        max_leaves=12)


# One value of each JSON type and each trouble, for the exhaustive pass over every field of a fixture.
DELETE = object()
SAMPLES = [DELETE, None, True, False, 0, -1, 1.5, 2**64 - 1, -(2**70), float("nan"), float("inf"), "", " ", "x",
           "\ud800", "\x00", "7" * 150, "7" * 250, "a" * 300, [], [None], [{}], {}, {"id": "x"}]


def dumps(value: object) -> bytes:
    """Write a JSON body as a provider's would arrive, NaN and big integers included (what Python's json writes)."""
    return json.dumps(value).encode()


def paths(value: object, prefix: tuple = ()) -> Iterator[tuple]:
    """Yield the path of every field (object member or array item) inside a JSON value."""
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield prefix + (key,)
        yield from paths(inner, prefix + (key,))


def at(document: object, path: tuple) -> object:
    """Return the value at `path` inside a JSON document."""
    for key in path:
        document = document[key]
    return document


def replaced(document: object, path: tuple, value: object) -> object:
    """Return a copy of the document with the field at `path` set to `value` (deleted when it is DELETE)."""
    changed = copy.deepcopy(document)
    holder = at(changed, path[:-1])
    if value is DELETE:
        del holder[path[-1]]
    else:
        holder[path[-1]] = value
    return changed


def changed_inputs(documents: dict[str, object], samples: Iterable[object] = SAMPLES) -> Iterator[tuple[str, object]]:
    """Yield (a short name of the change, the document) for every field of every document, each removed or set to
    each sample value."""
    samples = list(samples)
    for name, document in documents.items():
        for path in paths(document):
            for value in samples:
                yield where(name, path, value), replaced(document, path, value)


def objects_in(document: object) -> list[tuple]:
    """The paths of the document's objects (itself included), where a generated field may be added."""
    return [p for p in ((), *paths(document)) if isinstance(at(document, p), dict)]


class Misfit(AssertionError):
    """Messages a parse gave that the store would refuse: the failure a fits-the-store test may be expected to raise."""


def note_misfits(found: dict[str, str], messages: Iterable[InboundMessage], where: str,
                 statuses: Iterable[StatusReport] = ()) -> None:
    """Add each way these messages, as intake stores them (intake/fit.py), and status callbacks misfit the store, with
    the first input that showed it."""
    stored = [fit_to_store(without_control_characters(msg)) for msg in messages]
    for problem in [*(p for msg in stored for p in misfits(msg)), *(p for s in statuses for p in status_misfits(s))]:
        found.setdefault(problem, where)


def assert_all_fit(found: dict[str, str]) -> None:
    """Raise Misfit listing every problem found, each with an input that shows it."""
    if found:
        raise Misfit("messages the store would refuse:\n" + "\n".join(f"- {p}; e.g. {w}" for p, w in sorted(found.items())))


def where(name: str, path: tuple, value: object) -> str:
    """Name one changed input briefly: the fixture, the field's path and its new value."""
    if value is DELETE:
        shown = "(removed)"
    elif isinstance(value, str) and len(value) > 16:
        shown = f"{value[:8]!r}… ({len(value)} characters)"
    else:
        shown = repr(value)[:24]
    return f"{name} {'.'.join(map(str, path))} = {shown}"
