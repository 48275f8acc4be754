"""Keep uploaded files under `<var_dir>/attachments/<yyyy>/<mm>/` with names we make, never the sender's."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from channels.web.sniff import FileType
from complaints.model import Attachment


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file written for one submission: where it is and the attachment it becomes."""

    path: Path
    attachment: Attachment


def save(var_dir: str | Path, data: bytes, filetype: FileType, name: str | None, now: datetime) -> StoredFile:
    """Write an upload under a fresh random name and describe it as an attachment (blocking I/O)."""
    relative = f"attachments/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.{filetype.ext}"
    path = Path(var_dir) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_whole(path, data)
    attachment = Attachment(
        kind=filetype.kind,
        content_type=filetype.content_type,
        stored_path=relative,
        size=len(data),
        name=name,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return StoredFile(path, attachment)


def _write_whole(path: Path, data: bytes) -> None:
    """Write the file whole or not at all: to a temporary name beside it, then renamed over it; a write that fails
    (the disk full) leaves nothing behind and raises OSError."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    try:
        with open(temporary, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def replace_content(stored: StoredFile, data: bytes) -> StoredFile:
    """Write cleaned content over a stored file and forget its original name (blocking I/O)."""
    _write_whole(stored.path, data)
    attachment = dataclasses.replace(stored.attachment, size=len(data), sha256=hashlib.sha256(data).hexdigest(), name=None)
    return StoredFile(stored.path, attachment)


def remove(files: list[StoredFile]) -> None:
    """Delete files of a submission that was not stored (blocking I/O)."""
    for stored in files:
        stored.path.unlink(missing_ok=True)
