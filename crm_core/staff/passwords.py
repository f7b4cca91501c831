"""Secrets: password rules, argon2id hashing and API token digests.

No password or token is ever stored or returned in clear: passwords as argon2id hashes,
tokens as their SHA-256 (a token is random, so a fast hash is enough).

Hashing is deliberately slow (tens of milliseconds and 64 MiB each); async callers run
it on the hashing's own few worker threads (:meth:`PasswordHashing.run`), never on the
event loop and never on the loop's shared default executor, and at most ``max_waiting``
wait their turn: a login flood is refused (:class:`HashingBusyError`) before it queues
unbounded work or memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from crm_core.staff.exceptions import HashingBusyError, WeakPasswordError

T = TypeVar("T")

MIN_LENGTH = 8
MAX_LENGTH = 256
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{20,128}")


def normalised(password: str) -> str:
    """The password in Unicode NFC, so the same characters typed differently still match."""
    return unicodedata.normalize("NFC", password)


def check_password(password: str, *, login: str) -> str:
    """The password (normalised) if it follows the rules, else :class:`WeakPasswordError`.

    Rules: 8 to 256 characters, not only spaces, no control characters, not the login.
    The error never repeats the password.
    """
    value = normalised(password)
    if len(value) < MIN_LENGTH:
        raise WeakPasswordError(
            f"a password needs at least {MIN_LENGTH} characters", min_length=MIN_LENGTH
        )
    if len(value) > MAX_LENGTH:
        raise WeakPasswordError(
            f"a password has at most {MAX_LENGTH} characters", max_length=MAX_LENGTH
        )
    if not value.strip():
        raise WeakPasswordError("a password cannot be only spaces")
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise WeakPasswordError("a password cannot contain control characters (tab, newline…)")
    if value.casefold() == login.strip().casefold():
        raise WeakPasswordError("the password cannot be the login name")
    return value


class PasswordHashing:
    """Hashes and verifies passwords with argon2id (argon2-cffi's recommended parameters).

    ``hasher`` may be given cheaper parameters in tests; hashes made with other
    parameters still verify, and :meth:`needs_rehash` tells when to upgrade them.
    :meth:`run` runs a hashing call on ``workers`` threads of its own, with at most
    ``max_waiting`` calls in flight or waiting.
    """

    def __init__(
        self, hasher: PasswordHasher | None = None, *, workers: int = 2, max_waiting: int = 32
    ) -> None:
        self._hasher = hasher or PasswordHasher(type=Type.ID)
        if self._hasher.type is not Type.ID:
            raise ValueError("passwords are hashed with argon2id only")
        if workers < 1 or max_waiting < workers:
            raise ValueError("need workers >= 1 and max_waiting >= workers")
        self._dummy: str | None = None
        self.workers = workers
        self.max_waiting = max_waiting
        self._pending = 0
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """``work(*args)`` on the hashing threads, or :class:`HashingBusyError` if
        ``max_waiting`` calls are already in flight or waiting."""
        if self._pending >= self.max_waiting:
            raise HashingBusyError("too many logins at once: try again in a moment", retry_after=1)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="argon2")
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work, *args)
        finally:
            self._pending -= 1

    def close(self) -> None:
        """Stop the hashing threads (calls already running finish)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    def hash(self, password: str) -> str:
        """A new salted argon2id hash (``$argon2id$…``) of ``password``."""
        return self._hasher.hash(normalised(password))

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``.

        With no stored hash (unknown user, user without a password) it checks against
        a dummy hash and answers ``False``, taking about as long as a real check, so
        the time taken does not tell which logins exist. A malformed hash is ``False``.
        """
        candidate = normalised(password)
        if stored is None or len(candidate) > MAX_LENGTH:
            self._verify(self._dummy_hash(), candidate)
            return False
        return self._verify(stored, candidate)

    def needs_rehash(self, stored: str) -> bool:
        """Whether ``stored`` was made with other parameters than today's (rehash at login)."""
        try:
            return self._hasher.check_needs_rehash(stored)
        except (InvalidHashError, ValueError):
            return True

    def _verify(self, stored: str, candidate: str) -> bool:
        try:
            return self._hasher.verify(stored, candidate)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy


def new_token() -> str:
    """A new API token: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def token_well_formed(token: object) -> bool:
    """Whether ``token`` could be one of ours (checked before any hashing or lookup)."""
    return isinstance(token, str) and TOKEN_SHAPE.fullmatch(token) is not None


def token_digest(token: str) -> str:
    """The SHA-256 (hex) of a token: what the database keeps instead of the token."""
    return hashlib.sha256(token.encode()).hexdigest()


__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "PasswordHashing",
    "check_password",
    "new_token",
    "normalised",
    "token_digest",
    "token_well_formed",
]
