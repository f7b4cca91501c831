"""Caller self-service in the CRM: PINs, lock-outs and callbacks, on SQLite and PostgreSQL;
and ``ctidesk members set-pin``."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from crm_core.errors import NotFoundError
from crm_core.selfservice.exceptions import InvalidPinError
from crm_core.selfservice.models import MemberPin
from crm_core.selfservice.schemas import PinOutcome, PinPolicy
from crm_core.surveys.seed import ensure_phone_service_evaluation
from crm_core.wiring import Crm, build_crm
from cti.cli import app
from tests.conftest import START, Clock

POLICY = PinPolicy(max_attempts=3, lockout=timedelta(minutes=10))
PHONE = "13812345678"
OTHER = "13900000009"


@pytest.fixture
async def member(any_crm: Crm) -> str:
    view = await any_crm.members.create({"name": "李娜", "phones": [PHONE]}, actor="t")
    await any_crm.selfservice.set_pin(view.number, "2580", actor="t")
    return view.number


async def test_the_pin_is_kept_only_as_an_argon2id_hash(any_crm: Crm, member: str) -> None:
    async with any_crm.db.read() as session:
        stored = (await session.scalars(select(MemberPin.pin_hash))).one()
    assert stored.startswith("$argon2id$")
    assert "2580" not in stored
    check = await any_crm.selfservice.check_pin(member, "2580", caller=OTHER, policy=POLICY)
    assert check.verified


async def test_bad_pins_and_unknown_members_are_refused(any_crm: Crm, member: str) -> None:
    with pytest.raises(InvalidPinError):
        await any_crm.selfservice.set_pin(member, "1111", actor="t")
    with pytest.raises(NotFoundError):
        await any_crm.selfservice.set_pin("I-09999999", "2580", actor="t")


async def test_wrong_pins_count_per_number_and_per_member_until_both_are_locked(
    any_crm: Crm, clock: Clock, member: str
) -> None:
    service = any_crm.selfservice
    outcomes = [
        (await service.check_pin(member, pin, caller=OTHER, policy=POLICY)).outcome
        for pin in ("1111", "2222", "3333")
    ]
    assert outcomes == [PinOutcome.WRONG, PinOutcome.WRONG, PinOutcome.LOCKED_OUT]
    until = START + timedelta(minutes=10)
    assert await service.locked_until(caller=OTHER) == until
    assert await service.locked_until(caller=PHONE, member_number=member) == until
    assert await service.locked_until(caller=PHONE) is None  # the member's own phone is free
    # Locked: even the right PIN is refused, and the refusal is logged.
    refused = await service.check_pin(member, "2580", caller=PHONE, policy=POLICY)
    assert refused.outcome is PinOutcome.LOCKED
    logged = [a.outcome for a in await service.attempts(member_number=member)]
    assert logged == ["locked", "locked_out", "wrong", "wrong"]

    clock.advance(minutes=10)
    assert (await service.check_pin(member, "2580", caller=OTHER, policy=POLICY)).verified


async def test_a_right_pin_clears_earlier_wrong_ones(any_crm: Crm, member: str) -> None:
    service = any_crm.selfservice
    for pin in ("1111", "2222", "2580", "1111", "2222"):
        check = await service.check_pin(member, pin, caller=OTHER, policy=POLICY)
    assert (check.outcome, check.remaining) == (PinOutcome.WRONG, 1)


async def test_unknown_members_count_against_the_callers_number(any_crm: Crm) -> None:
    service = any_crm.selfservice
    for _ in range(3):
        check = await service.check_pin(None, "1234", caller=OTHER, policy=POLICY)
    assert check.outcome is PinOutcome.LOCKED_OUT
    assert await service.locked_until(caller=OTHER) is not None


async def test_setting_a_new_pin_lifts_the_members_lock_out(any_crm: Crm, member: str) -> None:
    service = any_crm.selfservice
    for pin in ("1111", "2222", "3333"):
        await service.check_pin(member, pin, caller=None, policy=POLICY)
    assert await service.locked_until(caller=None, member_number=member) is not None
    await service.set_pin(member, "4711", actor="t")
    assert await service.locked_until(caller=None, member_number=member) is None
    assert (await service.check_pin(member, "4711", caller=None, policy=POLICY)).verified


async def test_callbacks_are_due_when_the_centre_opens(any_crm: Crm, member: str) -> None:
    due = START + timedelta(hours=16)
    left = await any_crm.selfservice.leave_callback(
        caller=PHONE, member_number=member, mailbox="1000@ctidesk", message="msg0000",
        due_at=due, call_linked_id="1700000000.1",
    )  # fmt: skip
    stranger = await any_crm.selfservice.leave_callback(
        caller=OTHER, member_number=None, mailbox="1000@ctidesk", message=None, due_at=due
    )
    assert stranger.activity_id is None
    assert await any_crm.selfservice.callbacks_due(due - timedelta(seconds=1)) == []
    assert [c.id for c in await any_crm.selfservice.callbacks_due(due)] == [left.id, stranger.id]
    [activity] = await any_crm.activities.activities_of(member)
    assert activity.id == left.activity_id
    assert activity.channel == PHONE


def test_set_pin_from_the_command_line(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    async def create() -> str:
        crm = build_crm(database_url=sqlite_url)
        try:
            return (await crm.members.create({"name": "Li", "phones": [PHONE]}, actor="t")).number
        finally:
            await crm.close()

    async def verify(pin: str) -> bool:
        crm = build_crm(database_url=sqlite_url)
        try:
            check = await crm.selfservice.check_pin(number, pin, caller=None, policy=POLICY)
            return check.verified
        finally:
            await crm.close()

    number = asyncio.run(create())
    monkeypatch.setenv("CTIDESK_DATABASE_URL", sqlite_url)
    runner = CliRunner()
    result = runner.invoke(app, ["members", "set-pin", number, "--pin-stdin"], input="4711\n")
    assert result.exit_code == 0, result.output
    assert "PIN set" in result.output and "4711" not in result.output
    assert asyncio.run(verify("4711"))
    weak = runner.invoke(app, ["members", "set-pin", number, "--pin-stdin"], input="1234\n")
    assert weak.exit_code != 0
    assert "plain run" in weak.output
    without_terminal = runner.invoke(app, ["members", "set-pin", number])
    assert without_terminal.exit_code != 0
    assert "--pin-stdin" in without_terminal.output


async def test_ivr_survey_answers_are_tied_to_the_call_once_its_record_exists(
    any_crm: Crm, member: str
) -> None:
    survey = await ensure_phone_service_evaluation(any_crm.questionnaires)
    start = {"questionnaire": survey.code, "channel": "ivr", "member_number": member}
    first = await any_crm.survey_responses.start(start)
    second = await any_crm.survey_responses.start(start)
    for response in (first, second):
        await any_crm.selfservice.link_survey_call(response.id, "1700000000.5")
    assert await any_crm.selfservice.attach_survey_calls("1700000000.5") == 0  # no record yet
    await any_crm.calls.record(
        {"linked_id": "1700000000.5", "direction": "inbound", "caller": PHONE,
         "started_at": START, "ended_at": START + timedelta(minutes=3)}
    )  # fmt: skip
    assert await any_crm.selfservice.attach_survey_calls("1700000000.5") == 1
    tied = await any_crm.survey_responses.get(first.id)
    assert tied.call_linked_id == "1700000000.5"
    # One response per questionnaire and call: the second stays linked by id only.
    assert (await any_crm.survey_responses.get(second.id)).call_id is None
    assert await any_crm.selfservice.survey_call(second.id) == "1700000000.5"
