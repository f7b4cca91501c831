"""Bounded in-memory tables: keep the newest entries, drop the oldest past a limit."""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(table: OrderedDict[K, V], key: K, value: V, limit: int) -> V:
    """Put ``key`` → ``value`` as the newest entry; drop the oldest while over ``limit``."""
    table[key] = value
    table.move_to_end(key)
    while len(table) > limit:
        table.popitem(last=False)
    return value


__all__ = ["remember"]
