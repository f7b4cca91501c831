"""The pure state machine of service requests and their work orders (no I/O).

A request moves ``new → accepted → dispatched → in_progress → resolved → follow_up →
closed``; it may be cancelled while ``new`` or ``accepted``, skip dispatch (an enquiry
the agent handles: ``accepted → in_progress``) and be reopened from ``resolved`` or
``follow_up`` back to ``in_progress``. A work order moves ``registered → dispatched →
in_progress → done → confirmed`` (the customer's sign-off) or is cancelled while open.

The two are coupled: adding the first work order dispatches an accepted request,
starting a work order puts a dispatched request in progress, and a request cannot be
resolved or closed while one of its work orders is open. The services apply exactly
these functions inside their transactions; :class:`RequestFlow` applies them in memory.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from crm_core.service_desk.exceptions import (
    IllegalTransitionError,
    NoWorkOrderError,
    OpenWorkOrdersError,
)


class RequestStatus(enum.StrEnum):
    """Where a service request stands."""

    NEW = "new"
    ACCEPTED = "accepted"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class RequestAction(enum.StrEnum):
    """What can be done to a request."""

    ACCEPT = "accept"
    DISPATCH = "dispatch"
    START = "start"
    RESOLVE = "resolve"
    FOLLOW_UP = "follow_up"
    CLOSE = "close"
    CANCEL = "cancel"
    REOPEN = "reopen"


class WorkOrderStatus(enum.StrEnum):
    """Where a work order stands."""

    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class WorkOrderAction(enum.StrEnum):
    """What can be done to a work order."""

    DISPATCH = "dispatch"
    START = "start"
    FINISH = "finish"
    CONFIRM = "confirm"
    CANCEL = "cancel"


_RS, _RA = RequestStatus, RequestAction
REQUEST_TRANSITIONS: Final[Mapping[RequestStatus, Mapping[RequestAction, RequestStatus]]] = (
    MappingProxyType(
        {
            _RS.NEW: {_RA.ACCEPT: _RS.ACCEPTED, _RA.CANCEL: _RS.CANCELLED},
            _RS.ACCEPTED: {
                _RA.DISPATCH: _RS.DISPATCHED,
                _RA.START: _RS.IN_PROGRESS,
                _RA.CANCEL: _RS.CANCELLED,
            },
            _RS.DISPATCHED: {_RA.START: _RS.IN_PROGRESS},
            _RS.IN_PROGRESS: {_RA.RESOLVE: _RS.RESOLVED},
            _RS.RESOLVED: {
                _RA.FOLLOW_UP: _RS.FOLLOW_UP,
                _RA.CLOSE: _RS.CLOSED,
                _RA.REOPEN: _RS.IN_PROGRESS,
            },
            _RS.FOLLOW_UP: {_RA.CLOSE: _RS.CLOSED, _RA.REOPEN: _RS.IN_PROGRESS},
            _RS.CLOSED: {},
            _RS.CANCELLED: {},
        }
    )
)

_WS, _WA = WorkOrderStatus, WorkOrderAction
WORK_ORDER_TRANSITIONS: Final[
    Mapping[WorkOrderStatus, Mapping[WorkOrderAction, WorkOrderStatus]]
] = MappingProxyType(
    {
        _WS.REGISTERED: {_WA.DISPATCH: _WS.DISPATCHED, _WA.CANCEL: _WS.CANCELLED},
        _WS.DISPATCHED: {_WA.START: _WS.IN_PROGRESS, _WA.CANCEL: _WS.CANCELLED},
        _WS.IN_PROGRESS: {_WA.FINISH: _WS.DONE, _WA.CANCEL: _WS.CANCELLED},
        _WS.DONE: {_WA.CONFIRM: _WS.CONFIRMED},
        _WS.CONFIRMED: {},
        _WS.CANCELLED: {},
    }
)

OPEN_REQUEST: Final = frozenset({_RS.NEW, _RS.ACCEPTED, _RS.DISPATCHED, _RS.IN_PROGRESS})
"""Requests not yet resolved: the ones that can go overdue."""
FINAL_REQUEST: Final = frozenset({_RS.CLOSED, _RS.CANCELLED})
"""Requests nothing more can happen to."""
TAKES_WORK_ORDERS: Final = frozenset({_RS.ACCEPTED, _RS.DISPATCHED, _RS.IN_PROGRESS})
"""Requests a new work order may be added to."""
OPEN_WORK_ORDER: Final = frozenset({_WS.REGISTERED, _WS.DISPATCHED, _WS.IN_PROGRESS})
"""Work orders still being worked on: they block resolving and closing their request."""
NEEDS_NO_OPEN_WORK_ORDER: Final = frozenset({_RA.RESOLVE, _RA.CLOSE})
NEEDS_A_WORK_ORDER: Final = frozenset({_RA.DISPATCH})


def request_step(
    status: RequestStatus,
    action: RequestAction,
    *,
    open_work_orders: int,
    live_work_orders: int,
) -> RequestStatus:
    """The status ``action`` leads to, or the error saying why it is not allowed.

    ``live_work_orders`` counts the request's work orders that are not cancelled,
    ``open_work_orders`` those still registered, dispatched or in progress.
    """
    target = REQUEST_TRANSITIONS[status].get(action)
    if target is None:
        allowed = sorted(REQUEST_TRANSITIONS[status])
        raise IllegalTransitionError(
            f"a request that is {status.value} cannot {action.value}"
            + (f" (allowed: {', '.join(allowed)})" if allowed else " (it is final)"),
            status=status.value,
            action=action.value,
            allowed=allowed,
        )
    if action in NEEDS_NO_OPEN_WORK_ORDER and open_work_orders > 0:
        raise OpenWorkOrdersError(
            f"the request has {open_work_orders} open work order(s): "
            f"finish or cancel them before it can {action.value}",
            open_work_orders=open_work_orders,
        )
    if action in NEEDS_A_WORK_ORDER and live_work_orders == 0:
        raise NoWorkOrderError("a request is dispatched by adding a work order to it")
    return target


def allowed_request_actions(
    status: RequestStatus, *, open_work_orders: int, live_work_orders: int
) -> frozenset[RequestAction]:
    """Every action :func:`request_step` would accept right now."""
    allowed = set()
    for action in REQUEST_TRANSITIONS[status]:
        if action in NEEDS_NO_OPEN_WORK_ORDER and open_work_orders > 0:
            continue
        if action in NEEDS_A_WORK_ORDER and live_work_orders == 0:
            continue
        allowed.add(action)
    return frozenset(allowed)


def work_order_step(status: WorkOrderStatus, action: WorkOrderAction) -> WorkOrderStatus:
    """The status ``action`` leads a work order to, or :class:`IllegalTransitionError`."""
    target = WORK_ORDER_TRANSITIONS[status].get(action)
    if target is None:
        allowed = sorted(WORK_ORDER_TRANSITIONS[status])
        raise IllegalTransitionError(
            f"a work order that is {status.value} cannot {action.value}"
            + (f" (allowed: {', '.join(allowed)})" if allowed else " (it is final)"),
            status=status.value,
            action=action.value,
            allowed=allowed,
        )
    return target


def request_after_new_work_order(
    status: RequestStatus, *, live_work_orders_before: int
) -> RequestStatus:
    """The request's status once a work order is added (an accepted request is dispatched)."""
    if status not in TAKES_WORK_ORDERS:
        raise IllegalTransitionError(
            f"a request that is {status.value} cannot take a new work order",
            status=status.value,
            action="add_work_order",
            allowed=sorted(REQUEST_TRANSITIONS[status]),
        )
    if status is RequestStatus.ACCEPTED:
        return request_step(
            status,
            RequestAction.DISPATCH,
            open_work_orders=0,
            live_work_orders=live_work_orders_before + 1,
        )
    return status


def request_after_work_order_step(
    request_status: RequestStatus, work_order_status: WorkOrderStatus, action: WorkOrderAction
) -> tuple[WorkOrderStatus, RequestStatus]:
    """The work order's and its request's statuses after ``action`` on the work order.

    Starting a work order puts a dispatched request in progress; nothing can happen to
    the work orders of a closed or cancelled request.
    """
    if request_status in FINAL_REQUEST:
        raise IllegalTransitionError(
            f"the request is {request_status.value}: its work orders cannot change",
            status=request_status.value,
            action=action.value,
            allowed=[],
        )
    new_status = work_order_step(work_order_status, action)
    if action is WorkOrderAction.START and request_status is RequestStatus.DISPATCHED:
        return new_status, RequestStatus.IN_PROGRESS
    return new_status, request_status


@dataclass(frozen=True)
class Transition:
    """One recorded status change: of the request (``work_order`` None) or of a work order."""

    work_order: int | None
    old: str | None
    new: str


@dataclass
class RequestFlow:
    """A request and its work orders in memory, with their history: the rules, no database.

    Every method either applies all of its changes or raises and changes nothing.
    """

    status: RequestStatus = RequestStatus.NEW
    work_orders: list[WorkOrderStatus] = field(default_factory=list)
    history: list[Transition] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.history:
            self.history.append(Transition(None, None, self.status.value))

    @property
    def open_work_orders(self) -> int:
        """Work orders still registered, dispatched or in progress."""
        return sum(1 for status in self.work_orders if status in OPEN_WORK_ORDER)

    @property
    def live_work_orders(self) -> int:
        """Work orders not cancelled."""
        return sum(1 for status in self.work_orders if status is not WorkOrderStatus.CANCELLED)

    def allowed_actions(self) -> frozenset[RequestAction]:
        """What may be done to the request now."""
        return allowed_request_actions(
            self.status,
            open_work_orders=self.open_work_orders,
            live_work_orders=self.live_work_orders,
        )

    def act(self, action: RequestAction) -> RequestStatus:
        """Apply ``action`` to the request."""
        target = request_step(
            self.status,
            action,
            open_work_orders=self.open_work_orders,
            live_work_orders=self.live_work_orders,
        )
        self._move(target)
        return target

    def add_work_order(self) -> int:
        """Add a registered work order; returns its index."""
        target = request_after_new_work_order(
            self.status, live_work_orders_before=self.live_work_orders
        )
        self.work_orders.append(WorkOrderStatus.REGISTERED)
        index = len(self.work_orders) - 1
        self.history.append(Transition(index, None, WorkOrderStatus.REGISTERED.value))
        self._move(target)
        return index

    def act_on_work_order(self, index: int, action: WorkOrderAction) -> WorkOrderStatus:
        """Apply ``action`` to work order ``index``."""
        current = self.work_orders[index]
        new_status, request_status = request_after_work_order_step(self.status, current, action)
        self.work_orders[index] = new_status
        self.history.append(Transition(index, current.value, new_status.value))
        self._move(request_status)
        return new_status

    def _move(self, target: RequestStatus) -> None:
        if target is not self.status:
            self.history.append(Transition(None, self.status.value, target.value))
            self.status = target
