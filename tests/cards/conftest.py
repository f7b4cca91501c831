"""The card tests' real PC/SC stack: one private pcscd (vpcd readers) per session."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.support.pcsc import PcscDaemon, missing

SOCKET_ENV = "PCSCLITE_CSOCK_NAME"


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscDaemon]:
    """pcscd with the vpcd driver on free ports and a private socket, started once by pid.

    pyscard (libpcsclite) in this process finds it through PCSCLITE_CSOCK_NAME, set here
    before the first PC/SC call of the session.
    """
    reason = missing()
    if reason is not None:
        pytest.fail(f"the card tests need the real PC/SC stack: {reason}")
    daemon = PcscDaemon()
    before = os.environ.get(SOCKET_ENV)
    os.environ[SOCKET_ENV] = str(daemon.socket_path)
    try:
        yield daemon.start()
    finally:
        daemon.remove()
        if before is None:
            os.environ.pop(SOCKET_ENV, None)
        else:
            os.environ[SOCKET_ENV] = before
