"""What an agent records during a live call is tied to the call's record once it is written.

The call log writes a call's record when the call ends; a note, service request or survey
made before that keeps the call's linked id (pending) and the record's write links it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from crm_core.activities.exceptions import CallOfAnotherMemberError
from crm_core.activities.models import Activity
from crm_core.calls.links import call_for, link_pending, lock_call
from crm_core.calls.models import CallRecord
from crm_core.calls.schemas import CallRecordView
from crm_core.db.engine import create_engine
from crm_core.db.metadata import metadata
from crm_core.db.migrate import upgrade
from crm_core.members.models import Member
from crm_core.surveys.seed import PHONE_SERVICE_EVALUATION_CODE, ensure_phone_service_evaluation
from crm_core.wiring import Crm, build_crm
from tests.conftest import Clock
from tests.support.crm import new_member

LIVE = "1763800000.42"
T = TypeVar("T")


@pytest.fixture
async def agent(any_crm: Crm) -> str:
    """An agent's login."""
    await any_crm.users.add({"login": "agent7", "display_name": "Agent 7", "role": "agent"})
    return "agent7"


@pytest.fixture
async def surveyed(any_crm: Crm, agent: str) -> str:
    """李娜's member number, with the phone service evaluation published to run with her."""
    await ensure_phone_service_evaluation(any_crm.questionnaires, actor="boss")
    return await new_member(any_crm)


def ended_call(clock: Clock, linked_id: str, member_number: str | None) -> dict[str, Any]:
    """What the call log writes when the call ends."""
    return {
        "linked_id": linked_id,
        "direction": "inbound",
        "caller": "13812345678",
        "member_number": member_number,
        "started_at": clock(),
        "answered_at": clock(),
        "ended_at": clock(),
    }


async def note(crm: Crm, member: str, text: str, linked_id: str) -> Any:
    """A note on ``member`` made on call ``linked_id``."""
    data = {"member_number": member, "kind": "note", "body": text, "call_linked_id": linked_id}
    return await crm.activities.log(data, actor="agent7")


async def request(crm: Crm, member: str, linked_id: str) -> Any:
    """A repair request for ``member`` opened on call ``linked_id``."""
    data = {"subject": "GPS 无法充电", "request_type": "repair", "member_number": member,
            "call_linked_id": linked_id}  # fmt: skip
    return await crm.service_desk.requests.open(data, actor="agent7")


async def survey(crm: Crm, member: str | None, linked_id: str) -> Any:
    """The phone service evaluation, answered with the first option of each question."""
    questionnaire = await crm.questionnaires.published(PHONE_SERVICE_EVALUATION_CODE)
    answers = [
        {"question_id": q.id, "option_ids": [q.options[0].id]} for q in questionnaire.questions
    ]
    return await crm.survey_responses.submit(
        {"questionnaire": PHONE_SERVICE_EVALUATION_CODE, "channel": "agent", "agent": "agent7",
         "member_number": member, "call_linked_id": linked_id, "answers": answers}
    )  # fmt: skip


def linked(call: CallRecordView) -> tuple[list[int], list[str]]:
    """The activity ids and request numbers a call view shows."""
    return [a.id for a in call.activities], [r.number for r in call.service_requests]


async def test_a_note_request_and_survey_of_a_live_call_are_linked_when_it_is_logged(
    any_crm: Crm, clock: Clock, surveyed: str
) -> None:
    member = surveyed
    made = await note(any_crm, member, "wants a call back", LIVE)
    opened = await request(any_crm, member, LIVE)
    answered = await survey(any_crm, None, LIVE)
    assert (made.call_linked_id, made.pending_call_linked_id) == (None, LIVE)
    assert (opened.call_id, opened.call_linked_id, opened.pending_call_linked_id) == (
        None, None, LIVE,
    )  # fmt: skip
    assert (answered.call_id, answered.pending_call_linked_id) == (None, LIVE)
    assert made.body == "wants a call back" and opened.description is None
    assert (await any_crm.calls.search({"member_number": member})).calls == ()
    assert (await any_crm.member360.view(member)).last_calls == ()

    written = await any_crm.calls.record(ended_call(clock, LIVE, member))

    assert linked(written) == ([made.id], [opened.number])
    assert linked(await any_crm.calls.get(LIVE)) == ([made.id], [opened.number])
    [found] = (await any_crm.calls.search({"member_number": member})).calls
    assert linked(found) == ([made.id], [opened.number])
    assert found.activities[0].body == "wants a call back"
    [last] = await any_crm.calls.last_calls(member)
    assert linked(last) == ([made.id], [opened.number])
    [brief] = (await any_crm.member360.view(member)).last_calls
    assert ([a.id for a in brief.activities], [r.number for r in brief.service_requests]) == (
        [made.id], [opened.number],
    )  # fmt: skip
    [activity] = await any_crm.activities.activities_of(member)
    assert (activity.call_linked_id, activity.pending_call_linked_id) == (LIVE, None)
    request_now = await any_crm.service_desk.requests.get(opened.number)
    assert request_now.call_id is not None
    assert (request_now.call_linked_id, request_now.pending_call_linked_id) == (LIVE, None)
    response = await any_crm.survey_responses.get(answered.id)
    assert (response.call_id, response.call_linked_id) == (request_now.call_id, LIVE)
    assert response.pending_call_linked_id is None

    again = await any_crm.calls.record(ended_call(clock, LIVE, member))  # a repeated write
    assert linked(again) == ([made.id], [opened.number])
    later = await note(any_crm, member, "called back", LIVE)  # the call is logged now: linked
    assert (later.call_linked_id, later.pending_call_linked_id) == (LIVE, None)
    assert linked(await any_crm.calls.get(LIVE))[0] == [made.id, later.id]


async def test_a_note_on_a_call_that_never_gets_a_record_is_kept_pending(
    any_crm: Crm, clock: Clock, agent: str
) -> None:
    member = await new_member(any_crm)
    made = await note(any_crm, member, "line dropped", "1763800000.77")
    opened = await request(any_crm, member, "1763800000.77")
    await any_crm.calls.record(ended_call(clock, "1763800000.78", member))  # another call

    [activity] = await any_crm.activities.activities_of(member)
    assert activity == made
    assert (activity.call_linked_id, activity.pending_call_linked_id) == (None, "1763800000.77")
    assert (await any_crm.service_desk.requests.get(opened.number)).pending_call_linked_id == (
        "1763800000.77"
    )
    [other] = (await any_crm.calls.search({"member_number": member})).calls
    assert linked(other) == ([], []), "pending rows are not shown as linked"
    [brief] = (await any_crm.member360.view(member)).last_calls
    assert (brief.activities, brief.service_requests) == ((), ())


async def test_a_record_of_another_member_does_not_take_the_pending_note(
    any_crm: Crm, clock: Clock, agent: str, caplog: pytest.LogCaptureFixture
) -> None:
    li = await new_member(any_crm, "李娜", "13812345678")
    wang = await new_member(any_crm, "王伟", "13900001111")
    made = await note(any_crm, li, "for Li", LIVE)
    opened = await request(any_crm, li, LIVE)

    with caplog.at_level(logging.WARNING, logger="crm_core.calls.links"):
        written = await any_crm.calls.record(ended_call(clock, LIVE, wang))

    assert linked(written) == ([], [])
    [kept] = await any_crm.activities.activities_of(li)
    assert (kept.id, kept.call_linked_id, kept.pending_call_linked_id) == (made.id, None, LIVE)
    assert (await any_crm.service_desk.requests.get(opened.number)).pending_call_linked_id == LIVE
    warned = [r.getMessage() for r in caplog.records if r.name == "crm_core.calls.links"]
    assert len(warned) == 2 and all("stays pending" in line for line in warned), warned
    with pytest.raises(CallOfAnotherMemberError):  # refused as before once the record exists
        await note(any_crm, li, "for Li again", LIVE)
    with pytest.raises(CallOfAnotherMemberError):
        await request(any_crm, li, LIVE)


async def test_a_record_without_a_member_takes_anyones_note_and_one_survey_per_questionnaire(
    any_crm: Crm, clock: Clock, surveyed: str
) -> None:
    first = await survey(any_crm, surveyed, LIVE)
    second = await survey(any_crm, surveyed, LIVE)
    made = await note(any_crm, surveyed, "unknown caller said hi", LIVE)

    written = await any_crm.calls.record(ended_call(clock, LIVE, None))

    assert linked(written) == ([made.id], [])
    first_now = await any_crm.survey_responses.get(first.id)
    second_now = await any_crm.survey_responses.get(second.id)
    assert (first_now.call_linked_id, first_now.pending_call_linked_id) == (LIVE, None)
    assert (second_now.call_id, second_now.pending_call_linked_id) == (None, LIVE)


async def _blocked_on_a_call_lock(crm: Crm, within: float = 10.0) -> None:
    """Return once a transaction waits for a call's lock (PostgreSQL's ``pg_locks``)."""
    waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
    async with asyncio.timeout(within):
        while True:
            async with crm.db.read() as session:
                if await session.scalar(waiting):
                    return
            await asyncio.sleep(0.01)


@pytest.fixture
async def pg_crm(postgres_url: str, clock: Clock) -> AsyncIterator[Crm]:
    """CRM services over a fresh PostgreSQL database, with agent7."""
    services = build_crm(database_url=postgres_url, clock=clock)
    await services.users.add({"login": "agent7", "display_name": "Agent 7", "role": "agent"})
    yield services
    await services.close()


@contextlib.asynccontextmanager
async def held_open(crm: Crm, work: Callable[[Session], T]) -> AsyncIterator[T]:
    """What ``work`` returns, in a transaction that commits only when the block ends."""
    async with crm.db.write() as writing:
        yield await writing.run_sync(work)


def write_record(session: Session, at: datetime) -> None:
    """The call log's write of call ``LIVE``'s record, as far as linking its pending rows."""
    lock_call(session, LIVE)
    record = CallRecord(linked_id=LIVE, direction="inbound", caller="13812345678",
                        started_at=at, created_at=at)  # fmt: skip
    session.add(record)
    session.flush()
    assert link_pending(session, record) == 0


def make_note(session: Session, member: str, at: datetime) -> int:
    """A note on ``member`` of call ``LIVE`` (which has no record yet); its id."""
    member_id = session.scalar(select(Member.id).where(Member.number == member))
    assert call_for(session, LIVE, member_id) is None
    row = Activity(member_id=member_id, kind="note", body="made as the call ended",
                   call_linked_id=LIVE, created_by="agent7", created_at=at)  # fmt: skip
    session.add(row)
    session.flush()
    return row.id


@pytest.mark.postgres
async def test_a_note_made_while_the_record_is_written_waits_for_it_and_is_linked(
    pg_crm: Crm, clock: Clock
) -> None:
    member = await new_member(pg_crm)
    async with held_open(pg_crm, partial(write_record, at=clock())):
        made = asyncio.create_task(note(pg_crm, member, "made as the call ended", LIVE))
        await _blocked_on_a_call_lock(pg_crm)
    linked_note = await made
    assert (linked_note.call_linked_id, linked_note.pending_call_linked_id) == (LIVE, None)
    assert linked(await pg_crm.calls.get(LIVE))[0] == [linked_note.id]


@pytest.mark.postgres
async def test_a_record_written_while_a_note_is_made_waits_for_it_and_links_it(
    pg_crm: Crm, clock: Clock
) -> None:
    member = await new_member(pg_crm)
    async with held_open(pg_crm, partial(make_note, member=member, at=clock())) as note_id:
        writing = asyncio.create_task(pg_crm.calls.record(ended_call(clock, LIVE, member)))
        await _blocked_on_a_call_lock(pg_crm)
    assert linked(await writing) == ([note_id], [])


async def test_the_migration_gives_rows_already_on_a_call_its_linked_id(
    empty_url: str, clock: Clock
) -> None:
    await upgrade(empty_url, "0010")
    tables = metadata.tables
    engine = create_engine(empty_url)
    try:
        async with engine.begin() as connection:  # only columns revision 0010 has
            member_id = (
                await connection.execute(
                    tables["members"]
                    .insert()
                    .values(
                        number="I-00000001",
                        kind="individual",
                        name="李娜",
                        language="zh",
                        level=1,
                        custom_fields={},
                        created_at=clock(),
                        updated_at=clock(),
                    )
                    .returning(tables["members"].c.id)
                )
            ).scalar_one()
            call_id = (
                await connection.execute(
                    tables["call_records"]
                    .insert()
                    .values(
                        linked_id=LIVE,
                        direction="inbound",
                        caller="13812345678",
                        started_at=clock(),
                        wait_seconds=0,
                        talk_seconds=0,
                        hold_seconds=0,
                        wrapup_seconds=0,
                        abandoned=False,
                        created_at=clock(),
                    )
                    .returning(tables["call_records"].c.id)
                )
            ).scalar_one()
            await connection.execute(tables["activities"].insert(), [
                {"member_id": member_id, "kind": "note", "body": body, "call_id": on_call,
                 "created_by": "agent7", "created_at": clock()}
                for body, on_call in (("on the call", call_id), ("no call", None))
            ])  # fmt: skip
    finally:
        await engine.dispose()
    await upgrade(empty_url)
    crm = build_crm(database_url=empty_url, clock=clock)
    try:
        no_call, on_call = await crm.activities.activities_of("I-00000001")  # newest first
        assert (on_call.body, on_call.call_linked_id) == ("on the call", LIVE)
        assert (no_call.call_linked_id, no_call.pending_call_linked_id) == (None, None)
        assert linked(await crm.calls.get(LIVE))[0] == [on_call.id]
    finally:
        await crm.close()
