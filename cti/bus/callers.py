"""Who is calling, as the domains that need it see it: one match per call, shared.

The screen pop looks each call's caller up once (``cti.screen_pop.lookup``); the call log
and the recordings read the same answer through :class:`Callers`, so a call is tied to
one member everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from cti.protocol import MemberSummary


@dataclass(frozen=True)
class CallerMatch:
    """The result of one caller lookup: the member (the pop's summary) or nobody known."""

    caller: str
    did: str | None
    inbound_media: str | None
    member_number: str | None
    member: MemberSummary | None
    verified_in_ivr: bool = False
    identified_in_ivr: bool = False
    """The IVR named the member without the PIN (caller number and number tail)."""


class Callers(Protocol):
    """The per-call caller lookup, as the call log and the recordings use it."""

    async def result(
        self, call_id: str, caller: str, did: str, verified_member: str = ""
    ) -> CallerMatch:
        """The lookup of ``call_id``'s caller, started now if it was not already."""
        ...

    def known(self, call_id: str) -> CallerMatch | None:
        """The finished lookup of ``call_id``, if there is one."""
        ...

    def forget(self, call_id: str) -> None:
        """Drop the lookup of an ended call."""
        ...


__all__ = ["CallerMatch", "Callers"]
