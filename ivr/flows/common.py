"""What every flow is given, and the small steps several flows share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from crm_core.db.types import utcnow
from crm_core.wiring import Crm
from ivr import prompts
from ivr.config import IvrConfig
from ivr.session import AgiSession

RESULT = "IVR_RESULT"
"""Channel variable the dialplan branches on after a flow: agent, queue, closed or done;
empty when no flow ran (no IVR server, refused, failed): the dialplan then queues."""
MEMBER = "CTIDESK_IVR_MEMBER"
"""Channel variable holding the member the caller proved to be (read by the screen pop)."""
VERIFIED_BY = "CTIDESK_IVR_VERIFIED_BY"
"""How the caller proved it: ``pin`` (member/card number + PIN) or ``caller`` (number + code)."""


@dataclass(frozen=True)
class FlowDeps:
    """The CRM services, the IVR settings and the clock a flow runs with."""

    crm: Crm
    config: IvrConfig
    clock: Callable[[], datetime] = field(default=utcnow)
    survey_started: Callable[[str], None] = field(default=lambda _call_id: None)
    """Told the linked id of every call whose caller starts a survey (the service's call
    log then ties the answers to the call record once it is written)."""


async def to_agent(session: AgiSession) -> None:
    """Tell the dialplan to queue the caller for an agent."""
    await session.set_variable(RESULT, "agent")
    await session.play(prompts.HOLD_FOR_AGENT)


async def offer_agent(session: AgiSession, deps: FlowDeps) -> bool:
    """Offer an agent ("press 0"): whether the caller took it (the dialplan queues them)."""
    for _ in range(2):
        key = await session.read_key(
            prompts.REACH_AGENT, wait=deps.config.keypad_timeout, allowed="0#"
        )
        if key == "0":
            await to_agent(session)
            return True
        if key == "#":
            break
    await session.set_variable(RESULT, "done")
    await session.play(prompts.GOODBYE)
    return False
