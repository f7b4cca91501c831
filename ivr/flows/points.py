"""Points self-check: identify, read the member number's tail and the balances, then offer
the last 3 ledger entries or an agent."""

from __future__ import annotations

from crm_core.loyalty.schemas import PointsSummary
from crm_core.selfservice.pins import number_tail
from ivr import prompts
from ivr.flows.common import RESULT, FlowDeps, offer_agent, to_agent
from ivr.flows.identify import identify
from ivr.session import AgiSession

LEDGER_ENTRIES = 3
MAX_EXPIRY_DATES = 3
MENU_KEYS = "10#"


async def say_balances(session: AgiSession, summary: PointsSummary) -> None:
    """Valid points, cumulative points, then each amount expiring soon with its date."""
    await session.play(prompts.YOU_HAVE)
    await session.say_number(summary.valid)
    await session.say_number(summary.cumulative)
    for lot in summary.expiring_soon[:MAX_EXPIRY_DATES]:
        await session.play(prompts.EXPIRING)
        await session.say_number(lot.points)
        await session.say_date(lot.expires_at)


async def say_ledger(session: AgiSession, deps: FlowDeps, member_number: str) -> None:
    """The member's last 3 ledger entries: date and points (negative said as "minus")."""
    for created_at, points in await deps.crm.reports.last_entries(member_number, LEDGER_ENTRIES):
        await session.say_date(created_at)
        await session.say_number(points)


async def points_flow(session: AgiSession, deps: FlowDeps) -> None:
    """The points self-service line."""
    config = deps.config
    await session.answer()
    await session.set_variable("CHANNEL(language)", config.language_for(None))
    identity = await identify(session, deps)
    if identity is None:
        await offer_agent(session, deps)
        return
    number = identity.member_number
    view = await deps.crm.member360.view(number)  # profile and points in one read
    language = config.language_for(view.profile.language)
    if language != config.languages[0]:
        await session.set_variable("CHANNEL(language)", language)
    await session.say_digits(number_tail(number))  # "member …1234": who the caller is
    await say_balances(session, view.points)
    invalid = 0
    while invalid < 2:
        key = await session.read_key(prompts.OPTIONS, wait=config.keypad_timeout, allowed=MENU_KEYS)
        if key == "1":
            await say_ledger(session, deps, number)
        elif key == "0":
            await to_agent(session)
            return
        elif key == "#":
            break
        else:
            invalid += 1
            await session.play(prompts.INVALID)
    await session.set_variable(RESULT, "done")
    await session.play(prompts.GOODBYE)
