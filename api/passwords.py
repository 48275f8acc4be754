"""People's passwords (SPEC section 13): at least 10 characters, kept as Argon2id hashes (argon2-cffi, its default
parameters: RFC 9106's second recommended profile), compared in the library's constant time, never logged.

Hashing and checking take tens of milliseconds and 64 MiB by design: callers run them off the event loop.
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_CHARS = 10
MAX_CHARS = 256  # a passphrase fits; a megabyte "password" does not reach the hasher

_hasher = PasswordHasher()
# Checked when the e-mail has no account (or no password yet), so that a wrong address costs what a wrong password
# does and the time of an answer tells nothing of who has an account.
_UNUSABLE = _hasher.hash(secrets.token_urlsafe(24))


def problem(password: str, again: str | None = None) -> str | None:
    """Why a new password cannot be used (`too_short`, `too_long`, `mismatch`), or None."""
    if len(password) < MIN_CHARS:
        return "too_short"
    if len(password) > MAX_CHARS:
        return "too_long"
    if again is not None and again != password:
        return "mismatch"
    return None


def hash_password(password: str) -> str:
    """The Argon2id hash a password is stored as."""
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Tell whether `password` is the one `stored` was made from; None (no account, no password) is never right
    but takes as long."""
    if not password or len(password) > MAX_CHARS:
        return False
    try:
        return _hasher.verify(stored or _UNUSABLE, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def link_secret() -> str:
    """A fresh one-time sign-in link's secret (256 random bits)."""
    return secrets.token_urlsafe(32)
