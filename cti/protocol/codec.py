"""Typed JSON for the wire: decode decoded JSON into the protocol's dataclasses, and back.

:func:`decode` walks a frozen dataclass's type hints: nested dataclasses, ``list[X]``,
``tuple[X, ...]``, ``dict[str, X]``, optionals and unions, and the JSON scalars. Keys a
class does not declare are ignored (a newer service may send more); a missing field or a
value of the wrong type is a :class:`ProtocolError` naming the field's path
(``member.last_calls[0].started_at``). :func:`encode` is the inverse: field order kept,
tuples as JSON arrays. Times and dates travel as ISO 8601 text and stay text here.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, TypeVar, cast

JsonObject = dict[str, Any]
T = TypeVar("T")


class ProtocolError(ValueError):
    """A message or a response that is not valid JSON, or has a missing or wrong field."""


class _FieldError(Exception):
    """A wrong value at ``path``; :func:`decode` turns it into a :class:`ProtocolError`."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(path, problem)
        self.path = path
        self.problem = problem


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def _wrong(path: str) -> _FieldError:
    return _FieldError(path, "has the wrong type")


def _record(kind: type, data: Any, path: str) -> Any:
    """A dataclass ``kind`` from a JSON object; unknown keys are skipped."""
    if not isinstance(data, dict):
        raise _wrong(path)
    hints = _hints(kind)
    values: dict[str, Any] = {}
    for spec in dataclasses.fields(kind):
        where = f"{path}.{spec.name}" if path else spec.name
        if spec.name not in data:
            no_default = spec.default is dataclasses.MISSING
            if no_default and spec.default_factory is dataclasses.MISSING:
                raise _FieldError(where, "is missing")
            continue
        values[spec.name] = _value(hints[spec.name], data[spec.name], where)
    return kind(**values)


def _union(options: tuple[Any, ...], value: Any, path: str) -> Any:
    """One of several types: ``None`` if allowed, else the only other type or the first fitting."""
    if value is None and type(None) in options:
        return None
    others = [option for option in options if option is not type(None)]
    if len(others) == 1:
        return _value(others[0], value, path)
    for option in others:
        try:
            return _value(option, value, path)
        except _FieldError:
            continue
    raise _wrong(path)


def _items(annotation: Any, value: Any, path: str) -> list[Any]:
    """The items of a JSON array as ``list[X]`` or ``tuple[X, ...]`` declares them."""
    if not isinstance(value, list):
        raise _wrong(path)
    item = typing.get_args(annotation)[0]
    return [_value(item, entry, f"{path}[{index}]") for index, entry in enumerate(value)]


def _mapping(annotation: Any, value: Any, path: str) -> dict[str, Any]:
    """A JSON object as ``dict[str, X]`` declares it."""
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise _wrong(path)
    args = typing.get_args(annotation)
    item = args[1] if len(args) == 2 else Any
    return {key: _value(item, entry, f"{path}.{key}") for key, entry in value.items()}


def _scalar(annotation: Any, value: Any, path: str) -> Any:
    """A JSON scalar of type ``annotation`` (a bool is not a number)."""
    if annotation is int:
        fits = isinstance(value, int) and not isinstance(value, bool)
    elif annotation is float:
        fits = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        fits = isinstance(value, annotation)
    if not fits:
        raise _wrong(path)
    return value


def _value(annotation: Any, value: Any, path: str) -> Any:
    """``value`` (decoded JSON) as ``annotation`` declares it, or a :class:`_FieldError`."""
    if annotation is Any:
        return value
    origin = typing.get_origin(annotation)
    if origin in (types.UnionType, typing.Union):
        return _union(typing.get_args(annotation), value, path)
    if annotation is type(None):
        if value is not None:
            raise _wrong(path)
        return None
    if origin is list:
        return _items(annotation, value, path)
    if origin is tuple:
        return tuple(_items(annotation, value, path))
    if origin is dict:
        return _mapping(annotation, value, path)
    if dataclasses.is_dataclass(annotation):
        return _record(cast(type, annotation), value, path)
    return _scalar(annotation, value, path)


def decode(shape: type[T], data: Any, *, what: str | None = None) -> T:
    """``data`` (decoded JSON) as a ``shape``, or :class:`ProtocolError` naming the field.

    ``what`` names the message or response in the error (the class name by default).
    """
    name = what or shape.__name__
    if not isinstance(data, dict):
        raise ProtocolError(f"{name}: expected a JSON object")
    try:
        return cast(T, _record(shape, data, ""))
    except _FieldError as error:
        raise ProtocolError(f"{name}: field {error.path!r} {error.problem}") from None


def to_jsonable(value: Any) -> Any:
    """A protocol value as JSON-ready data: dataclasses as objects, tuples as arrays."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            spec.name: to_jsonable(getattr(value, spec.name)) for spec in dataclasses.fields(value)
        }
    if isinstance(value, list | tuple):
        return [to_jsonable(entry) for entry in value]
    if isinstance(value, dict):
        return {key: to_jsonable(entry) for key, entry in value.items()}
    return value


def encode(value: Any) -> JsonObject:
    """A protocol dataclass as a JSON-ready object (its fields in declaration order)."""
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        raise TypeError(f"not a protocol dataclass: {type(value).__name__}")
    encoded: JsonObject = to_jsonable(value)
    return encoded


__all__ = ["JsonObject", "ProtocolError", "decode", "encode", "to_jsonable"]
