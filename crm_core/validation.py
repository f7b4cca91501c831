"""Turning pydantic validation errors into the CRM's own clear errors."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from crm_core.errors import InvalidInputError

ModelT = TypeVar("ModelT", bound=BaseModel)


def describe_errors(error: ValidationError) -> list[str]:
    """One ``field: problem`` line per validation problem."""
    lines = []
    for problem in error.errors():
        where = ".".join(str(part) for part in problem["loc"]) or "input"
        lines.append(f"{where}: {problem['msg']}")
    return lines


def parse(model: type[ModelT], data: Any) -> ModelT:
    """Validate ``data`` into ``model`` or raise :class:`InvalidInputError` naming the fields."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = describe_errors(error)
        raise InvalidInputError("; ".join(problems), problems=problems) from None
