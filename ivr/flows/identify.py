"""Who is calling: by caller number confirmed with a code, or by member/card number + PIN.

A caller whose number belongs to exactly one member confirms with the last 4 digits of
the member number or the PIN; anyone else types a member number (its 8 digits) or a card
number, then the PIN. Wrong codes count towards the lock-out (``PinPolicy``); a caller
who types nothing gets the prompt again, twice at most.

Only the PIN *verifies* the caller (``CTIDESK_IVR_VERIFIED_BY=pin``); the caller's number
with the member number's last digits *identifies* them (``caller``): anyone who knows a
member's number and can show their caller ID gets that far. The CRM keeps which it was
for the call (its linked id), and the screen pop and the points rules read it there.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_core.errors import CrmError
from crm_core.selfservice.schemas import PinOutcome
from ivr import prompts
from ivr.flows.common import MEMBER, VERIFIED_BY, FlowDeps
from ivr.session import AgiSession

MEMBER_DIGITS = 8
MAX_NUMBER_DIGITS = 20
MAX_SILENCES = 2


@dataclass(frozen=True)
class Identity:
    """The member the caller is taken to be, and how: ``pin`` (verified) or ``caller``."""

    member_number: str
    method: str


async def member_for_keypad(deps: FlowDeps, typed: str) -> str | None:
    """The member a typed number names: 8 digits of an individual member number, or a card."""
    if len(typed) == MEMBER_DIGITS:
        try:
            return (await deps.crm.members.get(f"I-{typed}")).number
        except CrmError:
            pass
    try:
        return await deps.crm.cards.member_for_card(number=typed)
    except CrmError:
        return None


async def identify(session: AgiSession, deps: FlowDeps) -> Identity | None:
    """Identify the caller; ``None`` when locked out, out of tries or silent."""
    caller = session.env.caller
    selfservice = deps.crm.selfservice
    wait = deps.config.keypad_timeout
    if await selfservice.locked_until(caller=caller) is not None:
        await session.play(prompts.LOCKED)
        return None
    known = await deps.crm.directory.lookup(caller) if caller else []
    linked_id = await session.variable("CHANNEL(linkedid)")
    silences = 0
    while silences < MAX_SILENCES:
        member: str | None
        if len(known) == 1:
            member, by_caller = known[0].number, True
            code = await session.read_digits(prompts.ENTER_CODE, max_digits=8, wait=wait)
        else:
            typed = await session.read_digits(
                prompts.ENTER_NUMBER, max_digits=MAX_NUMBER_DIGITS, wait=wait
            )
            if typed is None:
                silences += 1
                await session.play(prompts.INVALID)
                continue
            member, by_caller = await member_for_keypad(deps, typed), False
            code = await session.read_digits(prompts.ENTER_PIN, max_digits=8, wait=wait)
        if code is None:
            silences += 1
            await session.play(prompts.INVALID)
            continue
        check = await selfservice.check_pin(
            member, code, caller=caller, policy=deps.config.pin_policy,
            accept_number_tail=by_caller, call_linked_id=linked_id or None,
        )  # fmt: skip
        if check.identified and member is not None:
            method = "pin" if check.verified else "caller"
            await session.set_variable(MEMBER, member)
            await session.set_variable(VERIFIED_BY, method)
            await session.play(prompts.THANKS)
            return Identity(member, method)
        if check.outcome in (PinOutcome.LOCKED, PinOutcome.LOCKED_OUT):
            await session.play(prompts.LOCKED)
            return None
        await session.play(prompts.WRONG)
    return None
