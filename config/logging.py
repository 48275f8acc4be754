"""structlog set-up: JSON when not on a terminal, a request id on every line, secrets never logged."""

from __future__ import annotations

import logging
import re
import sys
from datetime import datetime, timezone
from typing import TextIO

import orjson

import structlog

_SECRETISH = re.compile(r"(token|secret|password|authorization|signature|cookie|csrf)", re.I)
_secret_keys: dict[str, bool] = {}


def _redact(_logger, _method, event: dict) -> dict:
    """Blank any field whose name says it holds a secret (names are few: the verdict is remembered)."""
    for key in event:
        secret = _secret_keys.get(key)
        if secret is None:
            secret = _secret_keys[key] = bool(_SECRETISH.search(key))
        if secret:
            event[key] = "[redacted]"
    return event


def _timestamp(_logger, _method, event: dict) -> dict:
    event["timestamp"] = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
    return event


def _json(event: dict, **_kw) -> str:
    return orjson.dumps(event, default=str).decode()


def console_renderer() -> structlog.dev.ConsoleRenderer:
    """The terminal's renderer, with plain tracebacks: rich's (used when rich is installed) prints every frame's
    local variables, which may hold a token or a citizen's message, and takes seconds on a large frame."""
    return structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)


def configure(level: str = "INFO", json_output: bool | None = None, stream: TextIO | None = None) -> None:
    """Configure structlog (and the standard logging beside it) to write to `stream` (stderr by default)."""
    stream = stream or sys.stderr
    if json_output is None:
        json_output = not stream.isatty()
    processors = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        _timestamp,
        _redact,
        structlog.processors.format_exc_info,
        structlog.processors.JSONRenderer(serializer=_json) if json_output else console_renderer(),
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(stream),
        # Not cached: reconfiguring (a reload of the level, the tests' capture) reaches every logger.
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
