"""The card routes' own errors (the CRM's card errors pass through as they are)."""

from __future__ import annotations

from cti.http.errors import ApiError


class InvalidCardUidError(ApiError):
    """The chip UID in the path is not 4 to 10 bytes of upper-case hex."""

    status = 400
    error_id = "invalid-card-uid"


__all__ = ["InvalidCardUidError"]
