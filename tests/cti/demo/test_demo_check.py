"""``ctidesk demo --check`` end to end: the real command against the sandbox Asterisk.

The session's sandbox is already up, so the demo reuses it (and leaves it running).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.asterisk import AsteriskServer

CTIDESK = str(Path(sys.executable).with_name("ctidesk"))


def test_demo_check_places_calls_verifies_the_pops_and_exits_0(asterisk: AsteriskServer) -> None:
    done = subprocess.run(
        [CTIDESK, "demo", "--check", "--calls", "3"], capture_output=True, text=True,
        timeout=300, check=False, env={**os.environ, "COLUMNS": "120"},
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "demo check passed: 3 calls popped correctly" in output
    assert output.count("— ok") == 3
    assert "(unknown)" in output, "an unknown number is among the calls"
    assert asterisk.sandbox.status() is not None, "the test session's Asterisk is left running"
