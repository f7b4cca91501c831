"""Reading request bodies and query strings into validated models, or a 400 naming the field."""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from cti.http.errors import ApiError, InvalidBodyError, InvalidQueryError

ModelT = TypeVar("ModelT", bound=BaseModel)
MAX_BODY_BYTES = 64 * 1024
"""The largest request body any route takes (the app refuses larger ones with a 413)."""
MAX_DEPTH = 32
"""The deepest nesting of arrays and objects a body may have (ours need five at most)."""
STRING = re.compile(r'"(?:[^"\\]|\\.)*"?')
BRACKET = re.compile(r"[\[\]{}]")
ID_DIGITS = re.compile(r"[0-9]{1,18}")


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


def nesting_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON ``text`` (brackets inside strings aside).

    A linear scan, so a body can be measured before the recursive parser sees it.
    """
    depth = deepest = 0
    for bracket in BRACKET.findall(STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def parse_json(raw: bytes | str, error: type[ApiError] = InvalidBodyError) -> Any:
    """The JSON value in ``raw``, or ``error``: not JSON, too large or nested too deep."""
    if len(raw) > MAX_BODY_BYTES:
        raise error(f"the body is over {MAX_BODY_BYTES} bytes", max_bytes=MAX_BODY_BYTES)
    try:
        text = raw.decode() if isinstance(raw, bytes) else raw
        if nesting_depth(text) > MAX_DEPTH:
            raise error(
                f"the body nests arrays and objects too deep (over {MAX_DEPTH} levels)",
                max_depth=MAX_DEPTH,
            )
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as invalid:
        raise error(f"the body is not JSON: {invalid}") from None


async def json_body(request: web.Request, model: type[ModelT]) -> ModelT:
    """The request's JSON object body as ``model``, or :class:`InvalidBodyError`."""
    data = parse_json(await request.read())
    if not isinstance(data, dict):
        raise InvalidBodyError("the body must be a JSON object")
    return validate(model, data, InvalidBodyError)


def query_params(request: web.Request, model: type[ModelT]) -> ModelT:
    """The query string as ``model`` (a repeated key is an error), or :class:`InvalidQueryError`."""
    repeated = sorted({key for key in request.query if len(request.query.getall(key)) > 1})
    if repeated:
        raise InvalidQueryError(f"{repeated[0]}: given more than once", field=repeated[0])
    return validate(model, dict(request.query), InvalidQueryError)


def path_id(request: web.Request, name: str) -> int:
    """The ``{name}`` of the path as a number (ASCII digits only), or :class:`InvalidQueryError`.

    ``str.isdigit`` and ``\\d`` also accept other scripts' digits and superscripts, which
    ``int`` then refuses or reads as another number.
    """
    text = request.match_info[name]
    number = id_number(text)
    if number is None:
        raise InvalidQueryError(f"{name}: {text!r} is not a number", field=name)
    return number


def id_number(text: str) -> int | None:
    """``text`` as a row id if it is 1 to 18 ASCII digits, else ``None``."""
    return int(text) if ID_DIGITS.fullmatch(text) else None


__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DEPTH",
    "id_number",
    "json_body",
    "nesting_depth",
    "parse_json",
    "path_id",
    "query_params",
    "validate",
]
