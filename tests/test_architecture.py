"""The import boundaries of DESIGN.md hold: checked by import-linter and in a clean process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_are_kept() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_crm_core_loads_without_the_service_or_the_console() -> None:
    probe = (
        "import sys, crm_core.wiring, crm_core.db.metadata;"
        "bad = [m for m in ('cti', 'agent_tui', 'ivr', 'recordings', 'typer', 'textual')"
        " if m in sys.modules]; print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
