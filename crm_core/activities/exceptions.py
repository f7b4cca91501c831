"""Errors of activities and message templates."""

from __future__ import annotations

from crm_core.calls.exceptions import CallOfAnotherMemberError
from crm_core.errors import ConflictError, InvalidInputError, NotFoundError


class TemplateSyntaxError(InvalidInputError):
    """Template text that is not safe to render: unknown field, attribute access, stray brace."""

    error_id = "invalid-template"


class DuplicateTemplateError(ConflictError):
    """A template name that is already taken."""

    error_id = "duplicate-template"


class TemplateNotFoundError(NotFoundError):
    """No template with this name."""

    error_id = "template-not-found"


class TemplateInactiveError(ConflictError):
    """A deactivated template cannot be used."""

    error_id = "template-inactive"


__all__ = [
    "CallOfAnotherMemberError",
    "DuplicateTemplateError",
    "TemplateInactiveError",
    "TemplateNotFoundError",
    "TemplateSyntaxError",
]
