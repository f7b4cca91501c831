"""The call log: calls written as they move, merged by linked id, closed with a code, queried."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_core.calls.dispositions import DispositionService
from crm_core.calls.exceptions import (
    CallNotFoundError,
    CallRecordConflictError,
    CallTimesOutOfOrderError,
    DispositionCodeNotFoundError,
    DuplicateDispositionCodeError,
    InvalidDispositionError,
    NotYourCallError,
    UnknownAgentError,
    UnknownMemberError,
)
from crm_core.calls.merge import FIELDS, merge, new_call
from crm_core.calls.models import Direction, DispositionScope
from crm_core.calls.services import CallLogService
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.staff.models import Role, User
from crm_core.wiring import Crm
from tests.conftest import START, Clock
from tests.support.crm import new_member, snapshot


async def add_user(crm: Crm, login: str, role: Role = Role.AGENT) -> None:
    """A staff user straight in the table (the staff service is not ours)."""
    async with crm.db.write() as session:
        session.add(
            User(login=login, display_name=login, role=role, created_at=START, updated_at=START)
        )


@pytest.fixture
def calls(any_crm: Crm, clock: Clock) -> CallLogService:
    """The call-log service over the test's database and clock."""
    return CallLogService(db=any_crm.db, clock=clock, default_region="CN")


@pytest.fixture
def codes(any_crm: Crm) -> DispositionService:
    """The disposition-code service over the test's database."""
    return DispositionService(db=any_crm.db)


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def stages(linked_id: str, member: str | None = None) -> list[dict[str, Any]]:
    """A queued, answered, ended inbound call as telephony writes it, stage by stage."""
    queued: dict[str, Any] = {
        "linked_id": linked_id,
        "direction": "inbound",
        "caller": "013812345678",
        "called": "4008001234",
        "inbound_media": "Shanghai traffic radio",
        "queue": "sales",
        "member_number": member,
        "started_at": at(0),
        "queued_at": at(5),
    }
    answered = {**queued, "agent_login": "agent7", "ringing_at": at(20), "answered_at": at(24)}
    answered["wait_seconds"] = 19
    ended = {
        **answered,
        "ended_at": at(204),
        "talk_seconds": 170,
        "hold_seconds": 10,
        "hangup_cause": 16,
        "hangup_cause_text": "Normal Clearing",
        "recording_ref": "2026/03/02/1772442000.17.wav",
    }
    return [queued, answered, ended]


async def test_a_call_is_written_as_it_moves_and_merges_forward(
    any_crm: Crm, calls: CallLogService, clock: Clock
) -> None:
    member = await new_member(any_crm)
    await add_user(any_crm, "agent7")
    queued, answered, ended = stages("1772442000.17", member)
    first = await calls.record(queued)
    assert (first.caller_e164, first.member_number, first.agent_login) == (
        "+8613812345678",
        member,
        None,
    )
    assert first.created_at == clock() and not first.abandoned
    clock.advance(seconds=30)
    assert (await calls.record(answered)).agent_login == "agent7"
    clock.advance(minutes=3)
    done = await calls.record({**ended, "member_number": None, "agent_login": None})
    assert done == await calls.get("1772442000.17")
    assert done.created_at == START  # the first write made the record
    assert (done.answered_at, done.ended_at, done.agent_login, done.member_number) == (
        at(24),
        at(204),
        "agent7",
        member,
    )
    assert (done.wait_seconds, done.talk_seconds, done.hold_seconds, done.wrapup_seconds) == (
        19,
        170,
        10,
        0,
    )
    assert (done.hangup_cause, done.recording_ref, done.abandoned) == (
        16,
        "2026/03/02/1772442000.17.wav",
        False,
    )
    wrapped = await calls.record({**ended, "wrapup_seconds": 45, "hold_seconds": 4})
    assert (wrapped.wrapup_seconds, wrapped.hold_seconds) == (45, 10)  # durations never shrink


async def test_the_same_write_again_or_a_stale_one_changes_nothing(
    any_crm: Crm, calls: CallLogService, clock: Clock
) -> None:
    await add_user(any_crm, "agent7")
    queued, answered, ended = stages("pbx1-1772442000.18")
    first = await calls.record(ended)
    before = await snapshot(any_crm.db)
    clock.advance(hours=1)
    assert await calls.record(ended) == first
    assert await calls.record(queued) == first  # a late retry of the first stage
    assert await calls.record({**answered, "answered_at": at(22)}) == first  # never backwards
    assert await snapshot(any_crm.db) == before


async def test_the_stages_in_any_order_give_the_same_call(
    any_crm: Crm, calls: CallLogService
) -> None:
    await add_user(any_crm, "agent7")
    results = []
    for n, order in enumerate(itertools.permutations(range(3))):
        writes = stages(f"perm.{n}")
        for index in order:
            await calls.record(writes[index])
        results.append(dataclasses.replace(await calls.get(f"perm.{n}"), linked_id="x"))
    assert all(result == results[0] for result in results)


async def test_an_unanswered_queued_call_is_abandoned(calls: CallLogService) -> None:
    queued = stages("1772442000.19")[0]
    assert not (await calls.record(queued)).abandoned
    gone = await calls.record({**queued, "ended_at": at(65), "wait_seconds": 60})
    assert gone.abandoned and gone.answered_at is None


async def test_contradicting_writes_are_refused_and_change_nothing(
    any_crm: Crm, calls: CallLogService
) -> None:
    await add_user(any_crm, "agent7")
    await add_user(any_crm, "agent8")
    queued, answered, ended = stages("1772442000.20")
    await calls.record(answered)
    before = await snapshot(any_crm.db)
    for change in (
        {"direction": "outbound"},
        {"caller": "13900001111"},
        {"started_at": at(1)},
        {"agent_login": "agent8"},
        {"queue": "support"},
    ):
        with pytest.raises(CallRecordConflictError) as refused:
            await calls.record({**ended, **change})
        assert refused.value.error_id == "call-record-conflict"
        assert set(refused.value.details["fields"]) == set(change)
    with pytest.raises(CallTimesOutOfOrderError):  # ended before it was answered
        await calls.record({**answered, "ended_at": at(23)})
    with pytest.raises(CallTimesOutOfOrderError):  # a new call that runs backwards
        await calls.record({**queued, "linked_id": "1772442000.21", "queued_at": at(-1)})
    assert await snapshot(any_crm.db) == before


async def test_unknown_members_and_agents_are_refused(any_crm: Crm, calls: CallLogService) -> None:
    await add_user(any_crm, "agent7")
    queued, answered, _ = stages("1772442000.22")
    await calls.record(queued)
    before = await snapshot(any_crm.db)
    with pytest.raises(UnknownAgentError):
        await calls.record({**answered, "agent_login": "ghost"})
    with pytest.raises(UnknownMemberError):
        await calls.record({**answered, "member_number": "I-09999999"})
    with pytest.raises(UnknownAgentError):
        await calls.record({**answered, "linked_id": "new.1", "agent_login": "ghost"})
    with pytest.raises(UnknownMemberError):
        await calls.record({**queued, "linked_id": "new.2", "member_number": "I-09999999"})
    assert await snapshot(any_crm.db) == before


@pytest.mark.parametrize(
    "bad",
    [
        {"linked_id": "1772442000.23\r\nAction: Hangup"},
        {"linked_id": ""},
        {"caller": "138\r\nAction: Originate"},
        {"caller": ""},
        {"direction": "sideways"},
        {"started_at": "2026-03-02T09:00:00"},  # naive
        {"talk_seconds": -1},
        {"hangup_cause": 300},
        {"queue": "sales queue"},
        {"recording_ref": "../../etc/passwd"},
        {"recording_ref": "/etc/passwd"},
        {"member_number": "li na"},
        {"disposition_note": "without a code"},
        {"campaign": "spring"},  # unknown field
    ],
)
async def test_malformed_calls_are_refused(
    any_crm: Crm, calls: CallLogService, bad: dict[str, Any]
) -> None:
    before = await snapshot(any_crm.db)
    with pytest.raises(InvalidInputError):
        await calls.record({**stages("1772442000.23")[0], **bad})
    assert await snapshot(any_crm.db) == before


async def test_concurrent_writes_of_one_call_make_one_record(
    any_crm: Crm, calls: CallLogService
) -> None:
    await add_user(any_crm, "agent7")
    writes = stages("1772442000.24") * 4
    results = await asyncio.gather(*(calls.record(w) for w in writes))
    final = await calls.get("1772442000.24")
    assert final.ended_at == at(204) and final.talk_seconds == 170
    assert len((await calls.search({"queue": "sales"})).calls) == 1
    assert all(r.linked_id == "1772442000.24" for r in results)


async def test_disposition_codes_per_queue(
    any_crm: Crm, calls: CallLogService, codes: DispositionService
) -> None:
    await add_user(any_crm, "agent7")
    await add_user(any_crm, "agent8")
    await add_user(any_crm, "sup1", Role.SUPERVISOR)
    await codes.define({"code": "sale", "label": "Sale"})
    await codes.define(
        {"code": "QUOTE", "label": "Quote sent", "scope_kind": "queue", "scope": "sales"}
    )
    await codes.define(
        {"code": "REPAIR", "label": "Repair booked", "scope_kind": "queue", "scope": "support"}
    )
    await codes.define({"code": "SALE", "label": "销售", "scope_kind": "queue", "scope": "sales"})
    await codes.define({"code": "SPRING", "label": "Yes", "scope_kind": "campaign", "scope": "c1"})
    offered = await codes.for_queue("sales")
    assert [(c.code, c.label) for c in offered] == [("QUOTE", "Quote sent"), ("SALE", "销售")]
    assert [c.code for c in await codes.for_queue(None)] == ["SALE"]
    await calls.record(stages("1772442000.25")[2])

    closed = await calls.set_disposition(
        "1772442000.25", "quote", note="sent the GPS quote", agent_login="agent7"
    )
    assert (closed.disposition_code, closed.disposition_note) == ("QUOTE", "sent the GPS quote")
    before = await snapshot(any_crm.db)
    with pytest.raises(InvalidDispositionError) as refused:
        await calls.set_disposition("1772442000.25", "REPAIR", agent_login="agent7")
    assert refused.value.details["valid_codes"] == ["QUOTE", "SALE"]
    with pytest.raises(InvalidDispositionError):  # campaign codes are the dialer's
        await calls.set_disposition("1772442000.25", "SPRING", agent_login="agent7")
    with pytest.raises(NotYourCallError):
        await calls.set_disposition("1772442000.25", "SALE", agent_login="agent8")
    with pytest.raises(UnknownAgentError):
        await calls.set_disposition("1772442000.25", "SALE", agent_login="ghost")
    with pytest.raises(CallNotFoundError):
        await calls.set_disposition("no.such.call", "SALE", agent_login="agent7")
    with pytest.raises(InvalidInputError):
        await calls.set_disposition("1772442000.25", "SA\r\nLE", agent_login="agent7")
    assert await snapshot(any_crm.db) == before

    by_supervisor = await calls.set_disposition("1772442000.25", "SALE", agent_login="sup1")
    assert (by_supervisor.disposition_code, by_supervisor.disposition_note) == ("SALE", None)
    await codes.deactivate("QUOTE", scope_kind=DispositionScope.QUEUE, scope="sales")
    with pytest.raises(InvalidDispositionError):
        await calls.set_disposition("1772442000.25", "QUOTE", agent_login="agent7")
    assert (await calls.get("1772442000.25")).disposition_code == "SALE"


async def test_disposition_codes_are_configured_safely(
    any_crm: Crm, codes: DispositionService
) -> None:
    await codes.define({"code": "SALE", "label": "Sale"})
    before = await snapshot(any_crm.db)
    with pytest.raises(DuplicateDispositionCodeError):  # the "all" scope has no NULL loophole
        await codes.define({"code": "SALE", "label": "Sale again"})
    for bad in (
        {"code": "SALE", "label": "x", "scope": "sales"},
        {"code": "SALE", "label": "x", "scope_kind": "queue"},
        {"code": "BAD CODE", "label": "x"},
        {"code": "SALE", "label": ""},
        {"code": "SALE", "label": "x", "colour": "red"},
    ):
        with pytest.raises(InvalidInputError):
            await codes.define(bad)
    with pytest.raises(DispositionCodeNotFoundError):
        await codes.deactivate("NOPE")
    assert await snapshot(any_crm.db) == before
    assert not (await codes.deactivate("sale")).active
    assert await codes.codes() == []
    back = await codes.define({"code": "SALE", "label": "Sold"})
    assert (back.label, back.active) == ("Sold", True)
    assert [c.label for c in await codes.codes(include_inactive=True)] == ["Sold"]


async def test_the_call_log_is_queried_by_member_agent_queue_number_and_time(
    any_crm: Crm, calls: CallLogService
) -> None:
    li = await new_member(any_crm)
    wang = await new_member(any_crm, "王伟", "13900001111")
    await add_user(any_crm, "agent7")
    await add_user(any_crm, "agent8")
    for n in range(6):  # li calls sales every minute, answered by agent7 / agent8 in turn
        await calls.record(
            {
                "linked_id": f"li.{n}",
                "direction": "inbound",
                "caller": "+86 138 1234 5678" if n % 2 else "8613812345678",
                "queue": "sales",
                "member_number": li,
                "agent_login": "agent7" if n % 2 == 0 else "agent8",
                "started_at": at(60 * n),
            }
        )
    await calls.record(
        {
            "linked_id": "wang.1",
            "direction": "outbound",
            "caller": "8001",
            "called": "13900001111",
            "queue": "support",
            "member_number": wang,
            "agent_login": "agent7",
            "started_at": at(90),
        }
    )

    def ids(page: Any) -> list[str]:
        return [call.linked_id for call in page.calls]

    assert ids(await calls.search({"member_number": li, "limit": 3})) == ["li.5", "li.4", "li.3"]
    assert ids(await calls.search({"agent_login": "agent7"})) == ["li.4", "li.2", "wang.1", "li.0"]
    assert ids(await calls.search({"queue": "support"})) == ["wang.1"]
    assert ids(await calls.search({"number": "013812345678", "limit": 1})) == ["li.5"]
    assert ids(await calls.search({"number": "13900001111"})) == ["wang.1"]
    assert ids(await calls.search({"direction": "outbound"})) == ["wang.1"]
    assert ids(await calls.search({"since": at(60), "until": at(180)})) == [
        "li.2",
        "wang.1",
        "li.1",
    ]
    assert ids(await calls.search({"agent_login": "nobody"})) == []

    seen: list[str] = []
    cursor = None
    while True:
        page = await calls.search({"member_number": li, "limit": 4, "cursor": cursor})
        seen += ids(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [f"li.{n}" for n in range(5, -1, -1)]

    assert [c.linked_id for c in await calls.last_calls(li, 2)] == ["li.5", "li.4"]
    assert [c.direction for c in await calls.last_calls(wang)] == [Direction.OUTBOUND]
    with pytest.raises(NotFoundError):
        await calls.last_calls("I-09999999")
    for bad in ({"cursor": "not-a-cursor"}, {"limit": 0}, {"since": at(5), "until": at(5)}):
        with pytest.raises(InvalidInputError):
            await calls.search(bad)
    with pytest.raises(InvalidInputError):
        await calls.last_calls(li, 0)


async def test_calls_starting_at_the_same_moment_page_without_gaps(
    calls: CallLogService,
) -> None:
    for n in range(7):
        await calls.record(
            {"linked_id": f"same.{n}", "direction": "inbound", "caller": "100", "started_at": at(0)}
        )
    seen: list[str] = []
    page = await calls.search({"limit": 3})
    seen += [c.linked_id for c in page.calls]
    while page.next_cursor is not None:
        page = await calls.search({"limit": 3, "cursor": page.next_cursor})
        seen += [c.linked_id for c in page.calls]
    assert sorted(seen) == [f"same.{n}" for n in range(7)] and len(seen) == 7


# -- the merge rules alone: any order of partial writes gives the same record ----------

ALL_STAGES = [
    {name: value for name, value in stage.items() if name != "linked_id"}
    for stage in stages("x", "I-00000001")
]


def _facts(write: dict[str, Any]) -> dict[str, Any]:
    facts = {name: write.get(name) for name in FIELDS}
    facts["direction"] = Direction(facts["direction"])
    return facts


@given(st.lists(st.sampled_from(range(3)), min_size=1, max_size=8), st.randoms())
def test_merging_is_idempotent_and_order_independent(picks: list[int], rnd: Any) -> None:
    writes = [_facts(ALL_STAGES[i]) for i in picks]
    shuffled = writes[:]
    rnd.shuffle(shuffled)
    results = []
    for sequence in (writes, shuffled):
        record = new_call(sequence[0])
        for write in sequence[1:]:
            record.update(merge(record, write, linked_id="x"))
        assert merge(record, sequence[-1], linked_id="x") == {}
        results.append(record)
    assert results[0] == results[1]
