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
def _plan(kind: type) -> tuple[tuple[str, Any, bool], ...]:
    """Each field of dataclass ``kind``: its name, its resolved type, whether it is required."""
    hints = typing.get_type_hints(kind)
    return tuple(
        (
            spec.name,
            hints[spec.name],
            spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING,
        )
        for spec in dataclasses.fields(kind)
    )


@functools.cache
def _names(kind: type) -> tuple[str, ...]:
    """The field names of dataclass ``kind``, in declaration order."""
    return tuple(spec.name for spec in dataclasses.fields(kind))


def _wrong(path: str) -> _FieldError:
    return _FieldError(path, "has the wrong type")


def _record(kind: type, data: Any, path: str) -> Any:
    """A dataclass ``kind`` from a JSON object; unknown keys are skipped."""
    if not isinstance(data, dict):
        raise _wrong(path)
    values: dict[str, Any] = {}
    for name, annotation, required in _plan(kind):
        where = f"{path}.{name}" if path else name
        if name not in data:
            if required:
                raise _FieldError(where, "is missing")
            continue
        values[name] = _value(annotation, data[name], where)
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


def _items(item: Any, value: Any, path: str) -> list[Any]:
    """The items of a JSON array, each as ``item`` declares it."""
    if not isinstance(value, list):
        raise _wrong(path)
    return [_value(item, entry, f"{path}[{index}]") for index, entry in enumerate(value)]


def _mapping(item: Any, value: Any, path: str) -> dict[str, Any]:
    """A JSON object whose values are each as ``item`` declares it."""
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise _wrong(path)
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


@functools.cache
def _form(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    """An annotation's origin (``list``, a union…) and its arguments, worked out once."""
    return typing.get_origin(annotation), typing.get_args(annotation)


SCALARS = frozenset({str, int, float, bool})


def _value(annotation: Any, value: Any, path: str) -> Any:
    """``value`` (decoded JSON) as ``annotation`` declares it, or a :class:`_FieldError`."""
    if annotation in SCALARS:
        return _scalar(annotation, value, path)
    if annotation is Any:
        return value
    origin, args = _form(annotation)
    if origin in (types.UnionType, typing.Union):
        return _union(args, value, path)
    if annotation is type(None):
        if value is not None:
            raise _wrong(path)
        return None
    if origin is list:
        return _items(args[0], value, path)
    if origin is tuple:
        return tuple(_items(args[0], value, path))
    if origin is dict:
        return _mapping(args[1] if len(args) == 2 else Any, value, path)
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
    if value is None or isinstance(value, str | int | float):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: to_jsonable(getattr(value, name)) for name in _names(type(value))}
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
