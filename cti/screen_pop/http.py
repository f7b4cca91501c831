"""The screen pop's route: a call's pop, for a console that missed the push.

A console opened (or reconnected) after the ring knows the call from ``call_update``
only; it asks here instead of looking the caller up itself, so the member it shows is
the one the service matched (IVR verification, several members on one number).
"""

from __future__ import annotations

from typing import Protocol

from crm_core.staff.schemas import UserView
from cti.http.auth import STAFF
from cti.http.routes import Route, on_call
from cti.protocol import ScreenPop
from cti.screen_pop.schemas import SCREEN_POP


class CallPops(Protocol):
    """What the route calls: :class:`cti.screen_pop.services.ScreenPopService`."""

    async def pop_of(self, user: UserView, call_id: str) -> ScreenPop: ...


def screen_pop_routes(pops: CallPops) -> tuple[Route, ...]:
    """``GET /api/calls/{id}/pop`` over ``pops``."""
    pop = on_call("call_pop", pops.pop_of)
    return (
        Route("GET", "/api/calls/{id}/pop", pop, "A live call's screen pop (yours, or any "
              "for supervisors)", roles=STAFF, response=SCREEN_POP, errors=(403, 404, 409)),
    )  # fmt: skip


__all__ = ["CallPops", "screen_pop_routes"]
