"""Errors of the staff services, each with its own kebab-case id."""

from __future__ import annotations

from crm_core.errors import ConflictError, CrmError, InvalidInputError, NotFoundError


class UnknownUserError(NotFoundError):
    """No user has that login."""

    error_id = "unknown-user"


class DuplicateLoginError(ConflictError):
    """Another user already has that login."""

    error_id = "duplicate-login"


class DuplicateInterfaceError(ConflictError):
    """Another user already has that phone interface (e.g. ``PJSIP/6001``)."""

    error_id = "duplicate-interface"


class WeakPasswordError(InvalidInputError):
    """A new password breaks the password rules (too short, equal to the login…)."""

    error_id = "weak-password"


class InvalidCredentialsError(CrmError):
    """Login refused: unknown user, wrong password or disabled user, on purpose not told apart."""

    status = 401
    error_id = "invalid-credentials"


class InvalidTokenError(CrmError):
    """An API token that is unknown, expired or revoked, or whose user is disabled."""

    status = 401
    error_id = "invalid-token"


__all__ = [
    "DuplicateInterfaceError",
    "DuplicateLoginError",
    "InvalidCredentialsError",
    "InvalidTokenError",
    "UnknownUserError",
    "WeakPasswordError",
]
