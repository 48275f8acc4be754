"""Shared pieces of the outage fault tests: a config forwarding to a fake agency, a disk that fills, the count line."""

from __future__ import annotations

import errno
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

from config.loader import load_config
from tests.delivery.agency_webhook.agency_webhook_helpers import AGENCY_EMAIL_LINE


def counts_line(**counts: int) -> str:
    """Return the one line a fault test prints: `sent=… acknowledged=… stored=… duplicated=… lost=…`."""
    return " ".join(f"{name}={value}" for name, value in counts.items())


def webhook_config(config_dir: str | Path, target: Path, url: str):
    """Copy the sample config to `target` with a webhook to `url` for puskesmas-aikmel; return the checked config."""
    shutil.copytree(config_dir, target)
    agencies = (target / "agencies.yaml").read_text()
    assert agencies.count(AGENCY_EMAIL_LINE) == 1, "the sample config changed: update AGENCY_EMAIL_LINE"
    (target / "agencies.yaml").write_text(agencies.replace(AGENCY_EMAIL_LINE,
                                                           f"      - webhook: {url}\n" + AGENCY_EMAIL_LINE))
    result = load_config(target)
    assert result.errors == []
    return result.config


def aware(value: datetime) -> datetime:
    """Read a stored time as UTC (SQLite gives it back without an offset)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


class FullDisk:
    """A disk that runs out of space: while `full`, a write puts down half its bytes and fails with ENOSPC.

    Half a write and then ENOSPC is what a filling disk does; the code under test must not leave that half behind.
    """

    def __init__(self) -> None:
        self.full = False
        self.refused = 0  # writes that failed for want of space

    def _fail(self, raw, data) -> None:
        raw.write(bytes(data)[: len(data) // 2])
        raw.flush()
        self.refused += 1
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def wrap(self, raw):
        """Return a file object whose writes fail while the disk is full (everything else as the real file)."""
        return _FillingFile(self, raw)

    def open(self, *args, **kwargs):
        """Stand in for the builtin `open` of a module that writes files."""
        return self.wrap(open(*args, **kwargs))

    def os_module(self):
        """Stand in for the `os` module of a module that writes through `os.fdopen`."""
        return _FillingOs(self)


class _FillingFile:
    def __init__(self, disk: FullDisk, raw) -> None:
        self._disk, self._raw = disk, raw

    def write(self, data) -> int:
        if self._disk.full:
            self._disk._fail(self._raw, data)
        return self._raw.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._raw.close()

    def __getattr__(self, name):
        return getattr(self._raw, name)


class _FillingOs:
    def __init__(self, disk: FullDisk) -> None:
        self._disk = disk

    def fdopen(self, *args, **kwargs):
        return self._disk.wrap(os.fdopen(*args, **kwargs))

    def __getattr__(self, name):
        return getattr(os, name)
