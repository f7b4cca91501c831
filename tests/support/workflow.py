"""Random walks over the request and work-order workflow (pure and database property tests)."""

from __future__ import annotations

import copy

from crm_core.service_desk.exceptions import (
    IllegalTransitionError,
    NoWorkOrderError,
    OpenWorkOrdersError,
)
from crm_core.service_desk.workflow import RequestAction, RequestFlow, WorkOrderAction

Op = tuple[str, int, str]
"""A step: ``(kind, work-order index, action)``."""


def apply_op(flow: RequestFlow, op: Op) -> None:
    """Carry out one step of a walk on ``flow``: a request action, a new work order, or a
    work-order action (an index past the last work order raises IndexError)."""
    kind, index, action = op
    if kind == "request":
        flow.act(RequestAction(action))
    elif kind == "add":
        flow.add_work_order()
    else:
        if index >= len(flow.work_orders):
            raise IndexError(index)
        flow.act_on_work_order(index, WorkOrderAction(action))


def candidate_ops(flow: RequestFlow) -> list[Op]:
    """Every step a walk could try next, allowed or not."""
    ops: list[Op] = [("request", 0, action.value) for action in RequestAction]
    ops.append(("add", 0, ""))
    ops += [
        ("work_order", index, action.value)
        for index in range(len(flow.work_orders) + 1)  # one index past the end: refused
        for action in WorkOrderAction
    ]
    return ops


def op_succeeds(flow: RequestFlow, op: Op) -> bool:
    """Whether ``op`` is allowed on ``flow`` (tried on a copy)."""
    try:
        apply_op(copy.deepcopy(flow), op)
    except (IllegalTransitionError, OpenWorkOrdersError, NoWorkOrderError, IndexError):
        return False
    return True


def choose_op(flow: RequestFlow, weight: int, pick: int) -> Op:
    """The next step of a walk from two random numbers: mostly allowed steps, rarely cancel."""
    ops = candidate_ops(flow)
    if weight >= 3:  # a sensible step; cancelling (a dead end) only now and then
        ops = [
            op
            for op in ops
            if op_succeeds(flow, op) and (weight == 9 or op[2] != RequestAction.CANCEL.value)
        ] or ops
    return ops[pick % len(ops)]
