"""Errors of the self-service domain, each with its own kebab-case id."""

from __future__ import annotations

from crm_core.errors import InvalidInputError


class InvalidPinError(InvalidInputError):
    """A new PIN is not 4 to 8 digits, or is too easy to guess."""

    error_id = "invalid-pin"
