"""An IVR message campaign's keypad survey flow over a real SQLite CRM, driven by the AGI
simulator: the attempt is the channel's Uniqueid, the questionnaire the campaign's.
tests/cti/dialer/test_dialer_live.py runs it through the real Asterisk and carrier."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from crm_core.wiring import Crm
from cti.bus.dialplan import IVR_SURVEY_ROUTE
from ivr.app import FLOWS, build_ivr
from ivr.config import IvrConfig
from ivr.server import AgiServer
from ivr.simulator import HANG_UP, SimulatedCall, environment, simulate_call
from tests.conftest import Clock
from tests.support.campaigns import KEYPAD_SURVEY, keypad_survey, phones_csv, start_campaign
from tests.support.crm import new_member

PHONE = "13800000001"


@pytest.fixture
async def ivr(crm: Crm) -> AsyncIterator[AgiServer]:
    server = build_ivr(crm=crm, config=IvrConfig(keypad_timeout=0.5), port=0)
    await server.start()
    yield server
    await server.stop()


async def dialled(crm: Crm, clock: Clock, **changes: str) -> str:
    """A running IVR message campaign's attempt on PHONE; its id (the channel's Uniqueid)."""
    running = await start_campaign(
        crm, clock, name="expiring", mode="ivr_message", message="beep", **changes
    )
    await crm.campaigns.import_csv(running.id, phones_csv(PHONE), default_region="CN")
    claim = await crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock())
    assert claim is not None
    return claim.attempt_id


async def survey_call(server: AgiServer, attempt_id: str, keys: list[str]) -> SimulatedCall:
    env = {**environment(IVR_SURVEY_ROUTE, caller="4008001234"), "agi_uniqueid": attempt_id}
    ended = server.ended
    result = await simulate_call("127.0.0.1", server.port, env, keys=keys)
    await server.wait_ended(ended + 1)
    return result


def test_the_route_the_dialplan_calls_is_served_by_the_ivr() -> None:
    assert IVR_SURVEY_ROUTE in FLOWS


async def test_the_callee_s_keys_answer_the_campaign_s_questionnaire(
    ivr: AgiServer, crm: Crm, clock: Clock
) -> None:
    member = await new_member(crm, "王芳", PHONE)
    attempt_id = await dialled(crm, clock, survey=await keypad_survey(crm))
    # rating: 7 is out of 1–5, asked again, 3; yes/no: 1 (yes)
    result = await survey_call(ivr, attempt_id, ["7", "3", "1"])
    assert len(result.said("GET OPTION")) == 3
    response_id = (await crm.campaigns.attempt(attempt_id)).survey_response_id
    assert response_id is not None
    response = await crm.survey_responses.get(response_id)
    assert (response.questionnaire, response.member_number, response.completed) == (
        KEYPAD_SURVEY, member, True
    )  # fmt: skip
    assert [(a.rating, [o.label_en for o in a.options]) for a in response.answers] == [
        (3, []), (None, ["Yes"]),
    ]  # fmt: skip
    assert (ivr.completed, ivr.failed) == (1, 0)


async def test_a_callee_who_hangs_up_mid_survey_leaves_a_partial_response(
    ivr: AgiServer, crm: Crm, clock: Clock
) -> None:
    attempt_id = await dialled(crm, clock, survey=await keypad_survey(crm))
    await survey_call(ivr, attempt_id, ["5", HANG_UP])
    response_id = (await crm.campaigns.attempt(attempt_id)).survey_response_id
    assert response_id is not None
    response = await crm.survey_responses.get(response_id)
    assert (len(response.answers), response.completed) == (1, False)
    figures = await crm.campaigns.counters((await crm.campaigns.attempt(attempt_id)).campaign_id)
    assert (figures.surveys_started, figures.surveys_completed) == (1, 0)


@pytest.mark.parametrize("case", ["no survey", "unknown attempt", "retired questionnaire"])
async def test_without_a_survey_to_give_the_call_ends_quietly(
    ivr: AgiServer, crm: Crm, clock: Clock, case: str
) -> None:
    if case == "no survey":
        attempt_id = await dialled(crm, clock)
    elif case == "unknown attempt":
        attempt_id = "0" * 32
    else:
        attempt_id = await dialled(crm, clock, survey=await keypad_survey(crm))
        await crm.questionnaires.retire(KEYPAD_SURVEY, actor="sup1")
    result = await survey_call(ivr, attempt_id, ["1"])
    assert result.said("GET OPTION") == []
    assert (ivr.completed, ivr.failed) == (1, 0)
    if case != "unknown attempt":
        assert (await crm.campaigns.attempt(attempt_id)).survey_response_id is None
