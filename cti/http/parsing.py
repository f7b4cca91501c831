"""Reading request bodies and query strings into validated models, or a 400 naming the field."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from cti.http.errors import ApiError, InvalidBodyError, InvalidQueryError

ModelT = TypeVar("ModelT", bound=BaseModel)
MAX_BODY_BYTES = 64 * 1024


def _problems(error: ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in problem["loc"]) or "(body)",
            "problem": problem["msg"].removeprefix("Value error, "),
        }
        for problem in error.errors(include_url=False)
    ]


def validate(model: type[ModelT], data: Any, error: type[ApiError]) -> ModelT:
    """``data`` as ``model``, or ``error`` whose message and details name each bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        fields = _problems(invalid)
        message = "; ".join(f"{item['field']}: {item['problem']}" for item in fields)
        raise error(message, fields=fields) from None


async def json_body(request: web.Request, model: type[ModelT]) -> ModelT:
    """The request's JSON object body as ``model``, or :class:`InvalidBodyError`."""
    raw = await request.read()
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidBodyError(f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidBodyError(f"the body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise InvalidBodyError("the body must be a JSON object")
    return validate(model, data, InvalidBodyError)


def query_params(request: web.Request, model: type[ModelT]) -> ModelT:
    """The query string as ``model`` (a repeated key is an error), or :class:`InvalidQueryError`."""
    repeated = sorted({key for key in request.query if len(request.query.getall(key)) > 1})
    if repeated:
        raise InvalidQueryError(f"{repeated[0]}: given more than once", field=repeated[0])
    return validate(model, dict(request.query), InvalidQueryError)


__all__ = ["json_body", "query_params", "validate"]
