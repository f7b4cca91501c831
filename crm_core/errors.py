"""Errors raised by CRM services: each has an HTTP-like status, a kebab-case id and details."""

from __future__ import annotations

from typing import Any, ClassVar


class CrmError(Exception):
    """Base of every business error; nothing in the database changed when one is raised."""

    status: ClassVar[int] = 400
    error_id: ClassVar[str] = "crm-error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        """The error as a JSON-ready mapping (what the API and the CLI print)."""
        return {"error_id": self.error_id, "message": self.message, "details": self.details}


class NotFoundError(CrmError):
    """The thing asked for does not exist."""

    status = 404
    error_id = "not-found"


class InvalidInputError(CrmError):
    """The input is malformed or breaks a business rule."""

    status = 422
    error_id = "invalid-input"


class ConflictError(CrmError):
    """The request conflicts with the current state (duplicate, wrong status)."""

    status = 409
    error_id = "conflict"
