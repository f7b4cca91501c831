"""The request and work-order state machine: the table, its guards and random walks over it."""

from __future__ import annotations

import copy
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.service_desk.exceptions import (
    IllegalTransitionError,
    NoWorkOrderError,
    OpenWorkOrdersError,
)
from crm_core.service_desk.workflow import (
    FINAL_REQUEST,
    OPEN_WORK_ORDER,
    REQUEST_TRANSITIONS,
    WORK_ORDER_TRANSITIONS,
    RequestAction,
    RequestFlow,
    RequestStatus,
    WorkOrderAction,
    WorkOrderStatus,
    allowed_request_actions,
    request_step,
    work_order_step,
)
from tests.support.workflow import apply_op, choose_op

RS, RA, WS, WA = RequestStatus, RequestAction, WorkOrderStatus, WorkOrderAction


def test_the_flow_of_the_spec_from_request_to_closed() -> None:
    flow = RequestFlow()
    flow.act(RA.ACCEPT)
    first = flow.add_work_order()
    assert flow.status is RS.DISPATCHED
    flow.act_on_work_order(first, WA.DISPATCH)
    flow.act_on_work_order(first, WA.START)
    assert flow.status is RS.IN_PROGRESS
    flow.act_on_work_order(first, WA.FINISH)
    flow.act_on_work_order(first, WA.CONFIRM)
    for action in (RA.RESOLVE, RA.FOLLOW_UP, RA.CLOSE):
        flow.act(action)
    assert flow.status is RS.CLOSED
    assert [(t.work_order, t.old, t.new) for t in flow.history] == [
        (None, None, "new"),
        (None, "new", "accepted"),
        (0, None, "registered"),
        (None, "accepted", "dispatched"),
        (0, "registered", "dispatched"),
        (0, "dispatched", "in_progress"),
        (None, "dispatched", "in_progress"),
        (0, "in_progress", "done"),
        (0, "done", "confirmed"),
        (None, "in_progress", "resolved"),
        (None, "resolved", "follow_up"),
        (None, "follow_up", "closed"),
    ]


def test_enquiries_skip_dispatch_and_requests_reopen() -> None:
    flow = RequestFlow()
    for action in (RA.ACCEPT, RA.START, RA.RESOLVE, RA.REOPEN, RA.RESOLVE, RA.CLOSE):
        flow.act(action)
    assert flow.status is RS.CLOSED


@pytest.mark.parametrize("status", list(RS))
@pytest.mark.parametrize("action", list(RA))
def test_every_pair_outside_the_table_is_refused(status: RS, action: RA) -> None:
    target = REQUEST_TRANSITIONS[status].get(action)
    if target is None:
        with pytest.raises(IllegalTransitionError) as refused:
            request_step(status, action, open_work_orders=0, live_work_orders=1)
        assert refused.value.details["status"] == status.value
    else:
        assert request_step(status, action, open_work_orders=0, live_work_orders=1) is target


@pytest.mark.parametrize("status", list(WS))
@pytest.mark.parametrize("action", list(WA))
def test_every_work_order_pair_outside_the_table_is_refused(status: WS, action: WA) -> None:
    target = WORK_ORDER_TRANSITIONS[status].get(action)
    if target is None:
        with pytest.raises(IllegalTransitionError):
            work_order_step(status, action)
    else:
        assert work_order_step(status, action) is target


def test_every_status_is_reachable_and_only_closed_and_cancelled_are_final() -> None:
    seen, todo = {RS.NEW}, deque([RS.NEW])
    while todo:
        for target in REQUEST_TRANSITIONS[todo.popleft()].values():
            if target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == set(RS)
    assert {status for status, moves in REQUEST_TRANSITIONS.items() if not moves} == FINAL_REQUEST


def test_guards_open_work_orders_and_dispatch_without_one() -> None:
    with pytest.raises(OpenWorkOrdersError):
        request_step(RS.IN_PROGRESS, RA.RESOLVE, open_work_orders=1, live_work_orders=1)
    with pytest.raises(OpenWorkOrdersError):
        request_step(RS.FOLLOW_UP, RA.CLOSE, open_work_orders=2, live_work_orders=2)
    with pytest.raises(NoWorkOrderError):
        request_step(RS.ACCEPTED, RA.DISPATCH, open_work_orders=0, live_work_orders=0)
    flow = RequestFlow()
    with pytest.raises(IllegalTransitionError):
        flow.add_work_order()  # a new request takes no work orders before acceptance
    assert flow.work_orders == [] and len(flow.history) == 1


def test_a_request_with_an_open_work_order_cannot_be_resolved_or_cancelled() -> None:
    flow = RequestFlow()
    flow.act(RA.ACCEPT)
    index = flow.add_work_order()
    flow.act_on_work_order(index, WA.DISPATCH)
    flow.act_on_work_order(index, WA.START)
    before = copy.deepcopy(flow)
    with pytest.raises(OpenWorkOrdersError):
        flow.act(RA.RESOLVE)
    with pytest.raises(IllegalTransitionError):
        flow.act(RA.CANCEL)
    assert flow == before
    flow.act_on_work_order(index, WA.CANCEL)
    flow.act(RA.RESOLVE)
    assert flow.allowed_actions() == {RA.FOLLOW_UP, RA.CLOSE, RA.REOPEN}


# --- random walks ---------------------------------------------------------------------

# Each step picks one of every conceivable operation; most steps pick among those the
# rules allow (so walks get deep: resolved, followed up, closed), the rest pick blindly.
steps = st.lists(st.tuples(st.integers(0, 9), st.integers(0, 10**6)), max_size=50)


def _request_move_allowed(old: str, new: str) -> bool:
    return any(target.value == new for target in REQUEST_TRANSITIONS[RS(old)].values())


def _work_order_move_allowed(old: str, new: str) -> bool:
    return any(target.value == new for target in WORK_ORDER_TRANSITIONS[WS(old)].values())


@settings(max_examples=300, deadline=None)
@given(walk=steps)
def test_random_actions_never_reach_a_state_the_table_forbids(walk: list[tuple[int, int]]) -> None:
    flow = RequestFlow()
    changes = 0
    for weight, pick in walk:
        op = choose_op(flow, weight, pick)
        before = copy.deepcopy(flow)
        open_before = flow.open_work_orders
        try:
            apply_op(flow, op)
        except (IllegalTransitionError, OpenWorkOrdersError, NoWorkOrderError, IndexError):
            assert flow == before  # a refused action changes nothing, history included
            continue
        changes += (flow.status is not before.status) + (flow.work_orders != before.work_orders)
        if op == ("request", 0, RA.CLOSE.value) or op == ("request", 0, RA.RESOLVE.value):
            assert open_before == 0  # never closed or resolved with an open work order
        # invariants of every reachable state
        if flow.open_work_orders:
            assert flow.status in (RS.DISPATCHED, RS.IN_PROGRESS)
        if flow.status is RS.DISPATCHED:
            assert flow.work_orders
        if flow.status in FINAL_REQUEST:
            assert not flow.allowed_actions()
    # one history entry per transition, after the creation entry
    assert len(flow.history) == 1 + changes
    # the history replays to the current state through allowed transitions only
    status, work_orders = RS.NEW.value, dict[int, str]()
    for transition in flow.history[1:]:
        if transition.work_order is None:
            assert transition.old == status
            assert _request_move_allowed(status, transition.new)
            status = transition.new
        else:
            old = work_orders.get(transition.work_order)
            assert transition.old == old
            if old is not None:
                assert _work_order_move_allowed(old, transition.new)
            work_orders[transition.work_order] = transition.new
    assert status == flow.status.value
    assert [work_orders[i] for i in range(len(flow.work_orders))] == [
        s.value for s in flow.work_orders
    ]


@given(
    status=st.sampled_from(list(RS)),
    open_count=st.integers(0, 3),
    cancelled=st.integers(0, 2),
)
def test_allowed_actions_are_exactly_the_ones_that_succeed(
    status: RS, open_count: int, cancelled: int
) -> None:
    live = open_count + cancelled
    allowed = allowed_request_actions(status, open_work_orders=open_count, live_work_orders=live)
    for action in RA:
        try:
            request_step(status, action, open_work_orders=open_count, live_work_orders=live)
        except (IllegalTransitionError, OpenWorkOrdersError, NoWorkOrderError):
            assert action not in allowed
        else:
            assert action in allowed


def test_open_work_orders_are_the_unfinished_ones() -> None:
    assert {WS.REGISTERED, WS.DISPATCHED, WS.IN_PROGRESS} == OPEN_WORK_ORDER
