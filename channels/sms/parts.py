"""A disk spool for the parts of long inbound SMS, so a part is acknowledged only once it is durably kept.

Why a spool on disk, not memory: Vonage stops redelivering a part once we answer 200, so a part held
only in memory would be lost with the process (a deploy, a crash) and the citizen's message cut short.
Each part is written to its own file (temporary file, fsync, rename) under
`<var>/sms/vonage-parts/<group>/` before the 200; a restarted service finds it there. When a group is
whole it is handed to intake once as one message; a group still incomplete five minutes after its first
part is handed over with "[…]" where parts are missing (a part may never come). After a group is handed
over a small `done.json` remembers its message ids for a day (as long as Vonage retries), so a late
redelivery of a part is answered 200 and dropped instead of opening a new group.

The trade-off: the spool lives on one host's disk. Several instances behind a load balancer must share
`ADUAN_VAR_DIR` (or pin the Vonage route to one instance), or parts of one message may land on
different hosts and be handed over as separate partial messages after five minutes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from channels.sms.vonage import Part

WINDOW = 300.0  # seconds to wait for the rest of a long message
DONE_TTL = 86400.0  # Vonage retries an unacknowledged request for 24 hours


@dataclass
class Group:
    """The parts held for one (msisdn, concat-ref), and the message ids of the last group handed over."""

    key: str
    parts: dict[int, Part] = field(default_factory=dict)
    kept_at: dict[int, float] = field(default_factory=dict)
    done: dict[str, float] = field(default_factory=dict)  # message id → when its group was handed over

    def complete(self) -> bool:
        """Tell whether every part 1..total is held."""
        if not self.parts:
            return False
        total = max(p.total for p in self.parts.values())
        return all(n in self.parts for n in range(1, total + 1))

    def expired(self, now: float, window: float = WINDOW) -> bool:
        """Tell whether the first part held is older than the window."""
        return bool(self.kept_at) and now - min(self.kept_at.values()) > window


def group_key(msisdn: str, ref: str) -> str:
    """Name the folder of a group: a hash, so no sender-chosen text becomes a path."""
    return hashlib.sha256(f"{msisdn}\0{ref}".encode()).hexdigest()[:32]


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class PartSpool:
    """Parts on disk, one file each; blocking file calls (run them off the event loop)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _dir(self, key: str) -> Path:
        return self.root / key

    def load(self, key: str) -> Group:
        """Read one group's parts and its record of the last group handed over."""
        group = Group(key)
        folder = self._dir(key)
        if not folder.is_dir():
            return group
        for path in folder.glob("part-*.json"):
            try:
                data = json.loads(path.read_text("utf-8"))
                kept_at = data.pop("kept_at")
                part = Part(**data)
            except (OSError, ValueError, TypeError, KeyError):
                continue  # a torn or foreign file: never written by us through the rename
            group.parts[part.number] = part
            group.kept_at[part.number] = kept_at
        done = folder / "done.json"
        if done.exists():
            try:
                group.done = {str(k): float(v) for k, v in json.loads(done.read_text("utf-8")).items()}
            except (OSError, ValueError, TypeError, AttributeError):
                pass
        return group

    def keep(self, part: Part, now: float | None = None) -> None:
        """Write one part durably (a redelivered part replaces itself)."""
        key = group_key(part.msisdn, part.ref)
        folder = self._dir(key)
        folder.mkdir(parents=True, exist_ok=True)
        record = {**asdict(part), "kept_at": time.time() if now is None else now}
        _write_atomically(folder / f"part-{part.number}.json", json.dumps(record).encode())

    def handed_over(self, group: Group, now: float | None = None) -> None:
        """Forget a group's parts once intake has its message; remember their ids for late redeliveries."""
        now = time.time() if now is None else now
        folder = self._dir(group.key)
        record = {k: at for k, at in group.done.items() if now - at <= DONE_TTL}
        record.update({p.message_id: now for p in group.parts.values()})
        _write_atomically(folder / "done.json", json.dumps(record).encode())
        for number in group.parts:
            (folder / f"part-{number}.json").unlink(missing_ok=True)

    def keys(self) -> list[str]:
        """List the groups on disk."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def prune(self, group: Group, now: float | None = None) -> bool:
        """Remove a group folder with no parts whose record is older than a day; tell whether it went."""
        now = time.time() if now is None else now
        if group.parts or any(now - at <= DONE_TTL for at in group.done.values()):
            return False
        shutil.rmtree(self._dir(group.key), ignore_errors=True)
        return True
