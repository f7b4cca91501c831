"""``cti.model`` is pure: importing it loads nothing of ours beyond it and no third party."""

from __future__ import annotations

import subprocess
import sys

from tests.support.paths import ROOT


def test_the_model_imports_only_the_standard_library() -> None:
    probe = (
        "import sys, cti.model;"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('panoramisk', 'crm_core', 'aiohttp', 'sqlalchemy', 'pydantic')"
        " or (m.startswith('cti.') and not m.startswith('cti.model')));"
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
