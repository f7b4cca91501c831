"""Fixtures of the multi-node tests: a second sandbox Asterisk beside the session's one."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from cti.sandbox.layout import SandboxLayout
from tests.support.asterisk import AmiClient, AsteriskServer
from tests.support.asterisk_names import NAMED_SYSTEM

SECOND_DIR_ENV = "CTIDESK_SANDBOX_DIR_2"
"""The tree of the second sandbox; by default beside the first, its name ending ``-2``."""


def second_layout() -> SandboxLayout:
    """Where the second sandbox's tree is (copied from the first on first use)."""
    override = os.environ.get(SECOND_DIR_ENV, "")
    if override:
        return SandboxLayout(Path(override).absolute())
    first = SandboxLayout.from_environ().root
    return SandboxLayout(first.with_name(first.name + "-2"))


def copy_of_first(second: SandboxLayout) -> SandboxLayout:
    """``second`` with a tree: a copy of the first sandbox's (the same packages; the
    sandbox writes its own configuration into it at start) when it has none yet, rather
    than a second download and build. Mounts in the first tree (its procfs while its
    Asterisk runs) are not copied; a half-made copy is never left under the final name."""
    first = SandboxLayout.from_environ()
    if second.asterisk_binary.exists() or not first.asterisk_binary.exists():
        return second  # already there, or no first tree either: the sandbox builds one
    partial = second.root.with_name(second.root.name + ".copying")
    shutil.rmtree(partial, ignore_errors=True)
    subprocess.run(["cp", "-a", "--one-file-system", str(first.root), str(partial)],
                   check=True, timeout=600)  # fmt: skip
    partial.rename(second.root)
    return second


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
    client = await AmiClient.connect(second_asterisk.ami_host, second_asterisk.ami_port)
    response = await client.login(
        second_asterisk.observer_username, second_asterisk.observer_secret
    )
    assert response["Response"] == "Success", response
    yield client
    await client.close()
