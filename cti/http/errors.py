"""Errors of the API layer and the one middleware that turns every error into JSON.

Each error body is ``{"error_id": "kebab-case", "message": "...", "details": {...}}``.
CRM business errors (:class:`crm_core.errors.CrmError`) already carry a status, an id
and details and are sent as they are; aiohttp's own HTTP errors (unknown route, wrong
method) get the same shape.
"""

from __future__ import annotations

import json
import logging
from typing import Any, ClassVar

from aiohttp import web
from aiohttp.typedefs import Handler

from crm_core.errors import CrmError

log = logging.getLogger(__name__)


class ApiError(CrmError):
    """Base of the API's own errors; the same shape (status, kebab-case id, details) as
    the CRM's errors, so one serialiser answers both."""

    status: ClassVar[int] = 400
    error_id: ClassVar[str] = "api-error"


class InvalidBodyError(ApiError):
    """The request body is not JSON, not an object, or has a missing or wrong field."""

    status = 400
    error_id = "invalid-body"


class InvalidQueryError(ApiError):
    """A query parameter is unknown, missing or malformed."""

    status = 400
    error_id = "invalid-query"


class MissingTokenError(ApiError):
    """No ``Authorization: Bearer TOKEN`` header."""

    status = 401
    error_id = "missing-token"


class ForbiddenError(ApiError):
    """The user's role may not do this."""

    status = 403
    error_id = "forbidden"


def error_body(error_id: str, message: str, details: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of every error response."""
    return {"error_id": error_id, "message": message, "details": details}


INTERNAL_ERROR = error_body("internal-error", "the service failed; see its log", {})
"""The body of every 500: what failed is in the service's log, never in the answer."""


def kebab(reason: str) -> str:
    """An HTTP reason phrase as an error id: ``Not Found`` → ``not-found``."""
    return "-".join(reason.lower().split())


def error_response(error: Exception) -> web.Response:
    """The JSON response for an API, CRM or aiohttp HTTP error."""
    if isinstance(error, CrmError):  # the API's own errors are CrmErrors too
        retry_after = getattr(error, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if isinstance(retry_after, int) else None
        return web.json_response(error.as_dict(), status=error.status, dumps=dumps, headers=headers)
    if isinstance(error, web.HTTPException):
        body = error_body(kebab(error.reason), error.reason, {})
        return web.json_response(body, status=error.status, dumps=dumps)
    raise TypeError(f"not an error with a status: {error!r}")


def dumps(value: Any) -> str:
    """JSON text for responses; ``default=str`` covers times and decimals in details."""
    return json.dumps(value, ensure_ascii=False, default=str)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every error a handler raises into a JSON error response."""
    try:
        return await handler(request)
    except CrmError as error:
        return error_response(error)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return error_response(error)
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return web.json_response(INTERNAL_ERROR, status=500)


__all__ = [
    "INTERNAL_ERROR",
    "ApiError",
    "ForbiddenError",
    "InvalidBodyError",
    "InvalidQueryError",
    "MissingTokenError",
    "dumps",
    "error_body",
    "error_middleware",
    "error_response",
    "kebab",
]
