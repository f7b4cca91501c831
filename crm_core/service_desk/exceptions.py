"""Errors of the service desk; nothing in the database changed when one is raised."""

from __future__ import annotations

from typing import ClassVar

from crm_core.errors import ConflictError, CrmError, InvalidInputError, NotFoundError
from crm_core.staff.exceptions import UnknownUserError as UnknownUserError  # staff owns it


class IllegalTransitionError(ConflictError):
    """The action is not allowed from the current status (the workflow table forbids it)."""

    error_id = "illegal-transition"


class OpenWorkOrdersError(ConflictError):
    """A request cannot be resolved or closed while it has an open work order."""

    error_id = "open-work-orders"


class NoWorkOrderError(ConflictError):
    """A request can only be dispatched once it has a work order."""

    error_id = "no-work-order"


class UnknownQueueError(NotFoundError):
    """A service queue name that does not exist (or is inactive)."""

    error_id = "unknown-queue"


class RoleNotAllowedError(CrmError):
    """The user's role does not allow the action (e.g. an agent changing the SLA table)."""

    status: ClassVar[int] = 403
    error_id = "not-allowed"


class DuplicateQueueError(ConflictError):
    """A service queue name already taken."""

    error_id = "duplicate-queue"


class DuplicateAssetError(ConflictError):
    """A serial number already registered for the same product."""

    error_id = "duplicate-asset"


class AssetMismatchError(InvalidInputError):
    """An asset that does not belong to the request's member."""

    error_id = "asset-not-of-member"


class TaskClosedError(ConflictError):
    """A plan task that is done or cancelled cannot change."""

    error_id = "task-closed"


class TaskHasRequestError(ConflictError):
    """A plan task already has its service request."""

    error_id = "task-has-request"
