"""The import boundaries of DESIGN.md hold: checked by import-linter and in a clean process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.paths import ROOT


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


CTI = ROOT / "cti"
CORE = {"ami", "bus", "cli", "cluster", "demo", "http", "kpi", "model", "protocol", "sandbox",
        "settings"}  # fmt: skip
"""The shared core (the wire protocol too) and the composition root's helpers: every other
package is a domain."""


def _contracts() -> list[dict[str, object]]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _contract(name_starts: str) -> dict[str, object]:
    found = [c for c in _contracts() if str(c["name"]).startswith(name_starts)]
    assert len(found) == 1, f"one contract named {name_starts!r}…"
    return found[0]


def _domains() -> set[str]:
    packages = {p.parent.name for p in CTI.glob("*/__init__.py")}
    return {f"cti.{name}" for name in packages - CORE}


def test_every_domain_has_the_same_role_files_and_a_load() -> None:
    for domain in _domains():
        folder = CTI / domain.removeprefix("cti.")
        assert (folder / "plugin.py").is_file(), f"{domain} has no plugin.py"
        assert "def load(" in (folder / "plugin.py").read_text(), f"{domain}.plugin has no load"


def test_the_independence_and_layers_contracts_name_every_domain() -> None:
    independent = set(_contract("the service's domains are independent")["modules"])  # type: ignore[arg-type]
    assert independent == _domains()
    layers = _contract("the service is layered")["layers"]
    assert isinstance(layers, list)
    assert set(layers[1].replace(" ", "").split("|")) == _domains()


def test_the_console_may_import_nothing_of_the_service_but_the_wire_protocol() -> None:
    forbidden = set(
        _contract("the console talks to the service only over the wire")["forbidden_modules"]
    )  # type: ignore[arg-type]
    everything = {f"cti.{p.stem}" for p in CTI.glob("*.py") if p.stem != "__init__"}
    everything |= {f"cti.{p.parent.name}" for p in CTI.glob("*/__init__.py")}
    assert everything - forbidden == {"cti.protocol"}
