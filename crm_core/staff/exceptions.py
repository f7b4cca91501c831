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


class TooManyAttemptsError(CrmError):
    """Logins refused for now: too many failures of this login or from this address.

    ``retry_after`` is in seconds; the API sends it as the ``Retry-After`` header.
    """

    status = 429
    error_id = "too-many-attempts"

    def __init__(self, message: str, *, retry_after: int, **details: object) -> None:
        super().__init__(message, retry_after=retry_after, **details)
        self.retry_after = retry_after


class HashingBusyError(CrmError):
    """Too many password checks waiting already (a login flood): try again shortly."""

    status = 503
    error_id = "login-busy"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after


__all__ = [
    "DuplicateInterfaceError",
    "DuplicateLoginError",
    "HashingBusyError",
    "InvalidCredentialsError",
    "InvalidTokenError",
    "TooManyAttemptsError",
    "UnknownUserError",
    "WeakPasswordError",
]
