"""Console tests: the real API (thread-served, fixed clock) for a console app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.desk_api import ThreadedApi


def _served(url: str) -> Iterator[ThreadedApi]:
    api = ThreadedApi(url).start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def desk_api(sqlite_url: str) -> Iterator[ThreadedApi]:
    """The API over a seeded CRM, served from its own thread."""
    yield from _served(sqlite_url)


@pytest.fixture
def any_desk_api(any_url: str) -> Iterator[ThreadedApi]:
    """The API over a seeded CRM on SQLite and on PostgreSQL (the console sees no
    difference; these tests check that it really sees none)."""
    yield from _served(any_url)
