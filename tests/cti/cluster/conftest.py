"""Fixtures of the multi-node tests: a second sandbox Asterisk beside the session's one."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from cti.sandbox.layout import SandboxLayout
from tests.support.asterisk import AmiClient, AsteriskServer, observer_session
from tests.support.asterisk_names import NAMED_SYSTEM
from tests.support.asterisk_trees import copy_of_first

SECOND_DIR_ENV = "CTIDESK_SANDBOX_DIR_2"
"""The tree of the second sandbox; by default beside the first, its name ending ``-2``."""


def second_layout() -> SandboxLayout:
    """Where the second sandbox's tree is (copied from the first on first use)."""
    override = os.environ.get(SECOND_DIR_ENV, "")
    if override:
        return SandboxLayout(Path(override).absolute())
    first = SandboxLayout.from_environ().root
    return SandboxLayout(first.with_name(first.name + "-2"))


@pytest.fixture(scope="module")
def named_asterisk(asterisk: AsteriskServer) -> Iterator[AsteriskServer]:
    """The session's Asterisk with a systemname for this module, then without again."""
    asterisk.restart(system_name=NAMED_SYSTEM)
    try:
        yield asterisk
    finally:
        asterisk.restart(system_name="")


@pytest.fixture(scope="session")
def second_asterisk() -> Iterator[AsteriskServer]:
    """A second sandbox Asterisk, systemname ``pbx2``, on its own free ports and tree."""
    server = AsteriskServer(copy_of_first(second_layout()), system_name="pbx2").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def second_ami(second_asterisk: AsteriskServer) -> AsyncIterator[AmiClient]:
    """The tests' wide AMI account on the second Asterisk."""
    client = await observer_session(second_asterisk)
    yield client
    await client.close()
