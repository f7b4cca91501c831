"""Login throttling: back-off and lock-out after failed logins, per login and per address.

Each login name and each client address has a count of recent failures. After
``backoff_after`` of them the next attempt must wait (1 s, then twice as long each time,
up to ``max_backoff``); after ``lock_after`` the key is locked out for ``lockout``. While a
key must wait, attempts are refused at once, before any password hashing, so a flood
costs no argon2 work. A key's failures are forgotten ``lockout`` after its last one, and a
successful login clears its login's count (not its address's: a shared address keeps the
count its other users earned).

The state is in memory, bounded to ``max_keys`` keys: the service is one process, and a
restart forgetting the counts only ends the lock-outs early.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limit:
    """How many failures of one key start the back-off, and how many lock it out."""

    backoff_after: int
    lock_after: int

    def __post_init__(self) -> None:
        if not 1 <= self.backoff_after <= self.lock_after:
            raise ValueError("need 1 <= backoff_after <= lock_after")


@dataclass(frozen=True)
class ThrottlePolicy:
    """Limits per login and per address, the lock-out and the back-off delays."""

    per_login: Limit = Limit(backoff_after=3, lock_after=5)
    per_address: Limit = Limit(backoff_after=10, lock_after=50)
    lockout: timedelta = timedelta(minutes=15)
    backoff: timedelta = timedelta(seconds=1)
    max_backoff: timedelta = timedelta(seconds=30)
    max_keys: int = 10_000


@dataclass
class _Failures:
    count: int
    last: datetime
    wait_until: datetime


@dataclass(frozen=True)
class Verdict:
    """What a failure did to its keys: whether one was locked out by it, and which."""

    locked: tuple[str, ...]


class LoginThrottle:
    """Counts failed logins per login name and per address; says when to refuse."""

    def __init__(self, policy: ThrottlePolicy | None = None) -> None:
        self.policy = policy or ThrottlePolicy()
        self._keys: OrderedDict[str, _Failures] = OrderedDict()

    def retry_after(self, login: str | None, address: str | None, now: datetime) -> int:
        """Seconds the attempt must still wait (0: it may go ahead)."""
        waits = [
            (state.wait_until - now).total_seconds()
            for key in _keys(login, address)
            if (state := self._current(key, now)) is not None
        ]
        longest = max(waits, default=0.0)
        return math.ceil(longest) if longest > 0 else 0

    def failed(self, login: str | None, address: str | None, now: datetime) -> Verdict:
        """Count a failed attempt against the login and the address."""
        locked = []
        for key in _keys(login, address):
            limit = self.policy.per_login if key.startswith("login:") else self.policy.per_address
            state = self._current(key, now) or _Failures(0, now, now)
            state.count += 1
            state.last = now
            state.wait_until = now + self._delay(state.count, limit)
            if state.count == limit.lock_after:
                locked.append(key)
            self._remember(key, state, now)
        return Verdict(tuple(locked))

    def succeeded(self, login: str) -> None:
        """Forget the login's failures (a right password ends its back-off)."""
        self._keys.pop(f"login:{login}", None)

    def _delay(self, count: int, limit: Limit) -> timedelta:
        if count >= limit.lock_after:
            return self.policy.lockout
        if count < limit.backoff_after:
            return timedelta(0)
        doubled: timedelta = self.policy.backoff * 2 ** (count - limit.backoff_after)
        return min(doubled, self.policy.max_backoff)

    def _current(self, key: str, now: datetime) -> _Failures | None:
        state = self._keys.get(key)
        if state is not None and now - state.last >= self.policy.lockout:
            del self._keys[key]
            return None
        return state

    def _remember(self, key: str, state: _Failures, now: datetime) -> None:
        self._keys[key] = state
        self._keys.move_to_end(key)
        if len(self._keys) > self.policy.max_keys:
            for stale in [k for k, s in self._keys.items() if now - s.last >= self.policy.lockout]:
                del self._keys[stale]
        while len(self._keys) > self.policy.max_keys:
            self._keys.popitem(last=False)


def _keys(login: str | None, address: str | None) -> list[str]:
    keys = [] if login is None else [f"login:{login}"]
    return keys if address is None else [*keys, f"address:{address}"]


__all__ = ["Limit", "LoginThrottle", "ThrottlePolicy", "Verdict"]
