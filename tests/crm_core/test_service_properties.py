"""Property test: random walks through the request and work-order workflow on a real
database behave exactly like the pure state machine (:class:`RequestFlow`): the same
actions succeed, the same are refused (changing nothing), and the recorded status
history is the machine's history."""

from __future__ import annotations

import copy
import itertools
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_core.errors import CrmError
from crm_core.service_desk.desk import ServiceDesk
from crm_core.service_desk.workflow import (
    RequestAction,
    RequestFlow,
    WorkOrderAction,
)
from crm_core.wiring import Crm, build_crm
from tests.conftest import Clock
from tests.support.crm import new_member, snapshot
from tests.support.postgres import PostgresServer
from tests.support.service_desk import desk_with_queues
from tests.support.workflow import Op, apply_op, choose_op

walks = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 10**6)), min_size=1, max_size=25)


async def _act_on_database(desk: ServiceDesk, request: str, orders: list[str], op: Op) -> None:
    kind, index, action = op
    if kind == "add":
        orders.append((await desk.work_orders.create(request, actor="agent1")).number)
    elif kind == "work_order":
        if index >= len(orders):
            raise IndexError(index)
        number = orders[index]
        match WorkOrderAction(action):
            case WorkOrderAction.DISPATCH:
                await desk.work_orders.dispatch(number, engineer="eng1", actor="agent1")
            case WorkOrderAction.START:
                await desk.work_orders.start(number, actor="eng1")
            case WorkOrderAction.FINISH:
                await desk.work_orders.finish(number, {"result": "done"}, actor="eng1")
            case WorkOrderAction.CONFIRM:
                await desk.work_orders.confirm(number, signed_off_by="客户", actor="eng1")
            case WorkOrderAction.CANCEL:
                await desk.work_orders.cancel(number, reason="no", actor="agent1")
    else:
        match RequestAction(action):
            case RequestAction.ACCEPT:
                await desk.requests.accept(request, actor="agent1")
            case RequestAction.START:
                await desk.requests.start(request, actor="agent1")
            case RequestAction.RESOLVE:
                await desk.requests.resolve(request, result="ok", actor="agent1")
            case RequestAction.FOLLOW_UP:
                await desk.requests.follow_up(request, actor="agent1")
            case RequestAction.CLOSE:
                await desk.requests.close(request, actor="agent1")
            case RequestAction.CANCEL:
                await desk.requests.cancel(request, reason="no", actor="agent1")
            case RequestAction.REOPEN:
                await desk.requests.reopen(request, reason="again", actor="agent1")
            case RequestAction.DISPATCH:  # no call of its own: adding a work order is it
                raise AssertionError("the machine refuses dispatch without a work order")


async def run_walk(crm: Crm, clock: Clock, walk: list[tuple[int, int]]) -> None:
    """Apply one random walk to the database and to the pure machine side by side."""
    desk = await desk_with_queues(crm, clock)
    member = await new_member(crm)
    request = (
        await desk.requests.open(
            {"subject": "s", "request_type": "repair", "member_number": member}, actor="agent1"
        )
    ).number
    model, orders = RequestFlow(), list[str]()
    for weight, pick in walk:
        op = choose_op(model, weight, pick)
        expected = copy.deepcopy(model)
        try:
            apply_op(expected, op)
        except (CrmError, IndexError) as refused:
            if op[:1] == ("request",) and op[2] == RequestAction.DISPATCH.value:
                continue
            before = await snapshot(crm.db)
            with pytest.raises(type(refused)):
                await _act_on_database(desk, request, orders, op)
            assert await snapshot(crm.db) == before
            continue
        await _act_on_database(desk, request, orders, op)
        clock.advance(minutes=7)
        model = expected
        view = await desk.requests.get(request)
        assert view.status is model.status
        assert [wo.status for wo in view.work_orders] == model.work_orders
        assert set(view.allowed_actions) == model.allowed_actions() - {RequestAction.DISPATCH}
    history = [h for h in await desk.requests.history(request) if h.field == "status"]
    numbered = {number: index for index, number in enumerate(orders)}
    assert [
        (None if h.work_order is None else numbered[h.work_order], h.old_value, h.new_value)
        for h in history
    ] == [(t.work_order, t.old, t.new) for t in model.history]


PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(walk=walks)
async def test_the_database_follows_the_state_machine_on_sqlite(
    sqlite_template: Path, walk: list[tuple[int, int]]
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "crm.db"
        shutil.copyfile(sqlite_template, path)
        clock = Clock()
        crm = build_crm(database_url=f"sqlite+aiosqlite:///{path}", clock=clock)
        try:
            await run_walk(crm, clock, walk)
        finally:
            await crm.close()


_pg_examples = itertools.count(1)


@pytest.mark.postgres
@settings(PROPERTY_SETTINGS, max_examples=10)
@given(walk=walks)
async def test_the_database_follows_the_state_machine_on_postgres(
    postgres: PostgresServer, postgres_template: str, walk: list[tuple[int, int]]
) -> None:
    url = postgres.create_database(f"crm_sd_prop_{next(_pg_examples)}", template=postgres_template)
    clock = Clock()
    crm = build_crm(database_url=url, clock=clock)
    try:
        await run_walk(crm, clock, walk)
    finally:
        await crm.close()
