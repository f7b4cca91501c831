"""The toll-fraud guard on calls to outside numbers (``[dialling]`` in the settings).

Click-to-dial, and transfers and conferences to a number, reach the public network
through the site's trunk: a stolen or careless console could run up international or
premium-rate bills. Before any such call is placed the number must pass, in order: its
length, the premium and international prefixes (each refused unless the user's role may
call them), the allowed prefixes (when the site lists any), and the user's rate (calls
per 60 seconds). Each refusal is a 403 with its own error id; the caller of the guard
records it in the audit trail. Agents and queues are not outside numbers.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import ClassVar, Protocol

from crm_core.staff.schemas import UserView
from cti.http.errors import ApiError
from cti.settings import OutsideCallSettings

WINDOW_SECONDS = 60.0


class OutsideCallRefusedError(ApiError):
    """An outside number the destination policy does not let this user call."""

    status: ClassVar[int] = 403
    error_id: ClassVar[str] = "destination-not-allowed"


class DestinationLengthError(OutsideCallRefusedError):
    """An outside number shorter or longer than the site allows."""

    error_id: ClassVar[str] = "destination-length"


class InternationalRefusedError(OutsideCallRefusedError):
    """An international number, and the user's role may not call one."""

    error_id: ClassVar[str] = "destination-international"


class PremiumRefusedError(OutsideCallRefusedError):
    """A premium-rate number, and the user's role may not call one."""

    error_id: ClassVar[str] = "destination-premium"


class DialRateError(OutsideCallRefusedError):
    """The user has placed as many outside calls as allowed in the last 60 seconds."""

    error_id: ClassVar[str] = "dial-rate-limited"


class RefusalAudit(Protocol):
    """The audit trail refusals are written to (the CRM's supervisor audit)."""

    async def record(
        self, *, supervisor: str, action: str, outcome: str, call_id: str | None = None,
        agent: str | None = None, detail: str | None = None,
    ) -> object:  # fmt: skip
        """Append one entry: who (``supervisor``), what, the outcome, and the details."""
        ...


AUDIT_ACTION = "outside-call"
"""The audit trail's action for a refused outside call (``supervisor`` is who tried)."""


class OutsideCallGuard:
    """Checks outside numbers against the destination policy and each user's rate."""

    def __init__(
        self,
        policy: OutsideCallSettings,
        *,
        audit: RefusalAudit,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._policy = policy
        self._audit = audit
        self._clock = clock
        self._placed: dict[str, deque[float]] = {}

    async def admit(
        self, user: UserView, number: str, *, doing: str, call_id: str | None = None
    ) -> None:
        """:meth:`check`, and a refusal recorded in the audit trail before it is raised.

        ``doing`` names the request (dial, transfer, conference) in the entry's detail.
        """
        try:
            self.check(user, number)
        except OutsideCallRefusedError as refused:
            await self._audit.record(
                supervisor=user.login, action=AUDIT_ACTION, outcome="refused",
                call_id=call_id, agent=user.login,
                detail=f"{refused.error_id}: {doing} {number}",
            )  # fmt: skip
            raise

    def check(self, user: UserView, number: str) -> None:
        """Admit one call from ``user`` to ``number`` (counted against the rate), or raise
        an :class:`OutsideCallRefusedError`; a refused call is not counted."""
        self.check_destination(user, number)
        self._take_rate(user.login, number)

    def check_destination(self, user: UserView, number: str) -> None:
        """Whether ``user`` may call ``number`` at all (the rate aside)."""
        policy = self._policy
        digits = number.removeprefix("+")
        if not policy.min_digits <= len(digits) <= policy.max_digits:
            raise DestinationLengthError(
                f"{number} has {len(digits)} digits; outside numbers have "
                f"{policy.min_digits} to {policy.max_digits}",
                number=number,
            )
        role = str(user.role)
        if _starts_with(number, policy.premium_prefixes) and role not in policy.premium_roles:
            raise PremiumRefusedError(
                f"{number} is a premium-rate number; role {role} may not call it", number=number
            )
        international = _starts_with(number, policy.international_prefixes)
        if international and role not in policy.international_roles:
            raise InternationalRefusedError(
                f"{number} is an international number; role {role} may not call it",
                number=number,
            )
        if policy.allowed_prefixes and not _starts_with(number, policy.allowed_prefixes):
            raise OutsideCallRefusedError(
                f"{number} starts with none of the allowed prefixes", number=number
            )

    def _take_rate(self, login: str, number: str) -> None:
        now = self._clock()
        placed = self._placed.setdefault(login, deque())
        while placed and now - placed[0] >= WINDOW_SECONDS:
            placed.popleft()
        limit = self._policy.calls_per_minute
        if len(placed) >= limit:
            raise DialRateError(
                f"{login} has placed {limit} outside calls in the last minute; wait a moment",
                number=number,
            )
        placed.append(now)


def _starts_with(number: str, prefixes: list[str]) -> bool:
    return any(number.startswith(prefix) for prefix in prefixes)


__all__ = [
    "AUDIT_ACTION",
    "DestinationLengthError",
    "DialRateError",
    "InternationalRefusedError",
    "OutsideCallGuard",
    "OutsideCallRefusedError",
    "PremiumRefusedError",
    "RefusalAudit",
]
