"""The wheel is complete: built and installed in a clean venv, ``ctidesk`` and the console run.

The wheel is built without isolation (no network) from a copy of the source tree, so no
``build/`` or ``*.egg-info`` lands in the repository. The new venv sees the dev venv's
third-party packages through a ``.pth`` file of plain path lines: Python does not process
the ``.pth`` files of a directory added that way, so the dev venv's editable ctidesk
stays out and ``cti``/``agent_tui`` can only come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

from tests.support.paths import ROOT

PACKAGES = ("cti", "crm_core", "agent_tui", "ivr", "recordings", "card_agent")
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)

#: Run in the new venv: the packages come from it, the migrations are there, and the
#: console mounts its login screen with its stylesheet against an address nobody serves.
CONSOLE_OPENS = """
import asyncio, sys
from pathlib import Path

import agent_tui, crm_core, cti, ivr, recordings
from agent_tui.app import ConsoleApp
from agent_tui.screens.login import LoginScreen
from crm_core.db.migrate import head_revision

for package in (agent_tui, crm_core, cti, ivr, recordings):
    assert Path(package.__file__).is_relative_to(sys.prefix), package.__file__
    assert (Path(package.__file__).parent / "py.typed").is_file(), package.__name__
assert head_revision(), "no migrations in the wheel"

async def main() -> None:
    app = ConsoleApp("http://127.0.0.1:9", tick_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen), app.screen
        sheets = [path for path, _ in app.stylesheet.source]
        assert any(path.endswith("agent_tui/styles/app.tcss") for path in sheets), sheets
        assert app.screen.query_one(".title").styles.text_style.bold, "app.tcss not applied"
    print("console opened")

asyncio.run(main())
"""


def _run(command: list[str | Path], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    shown = " ".join(map(str, command))[:200]
    assert done.returncode == 0, f"{shown} exited {done.returncode}:\n{done.stdout}{done.stderr}"
    return done.stdout


def _build_wheel(tmp_path: Path) -> Path:
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_COPIED)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", dist, source],
         cwd=source)  # fmt: skip
    (wheel,) = dist.glob("ctidesk-*.whl")
    return wheel


def _clean_venv(tmp_path: Path, wheel: Path) -> Path:
    target = tmp_path / "venv"
    venv.create(target, with_pip=False, symlinks=True)
    python = target / "bin" / "python"
    # The dev venv's pip installs into the new interpreter; before the .pth below exists,
    # so pip sees no ctidesk already installed there.
    _run([sys.executable, "-m", "pip", "--python", python, "--disable-pip-version-check",
          "install", "--no-deps", "--no-index", wheel], cwd=tmp_path)  # fmt: skip
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_packages = Path(_run([python, "-c", purelib], cwd=tmp_path).strip())
    third_party = [p for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    assert third_party and str(ROOT) not in third_party
    (site_packages / "dev-venv.pth").write_text("".join(f"{p}\n" for p in third_party))
    return target


def test_a_wheel_in_a_clean_venv_runs_ctidesk_and_opens_the_console(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("ctidesk-")}
    assert tops == set(PACKAGES)
    assert {f"{package}/py.typed" for package in PACKAGES} <= set(names)
    assert "agent_tui/styles/app.tcss" in names
    assert "crm_core/db/migrations/script.py.mako" in names

    bin_dir = _clean_venv(tmp_path, wheel) / "bin"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["TERM"] = "dumb"
    help_text = _run([bin_dir / "ctidesk", "console", "--help"], cwd=outside, env=env)
    assert "Open the agent desk" in help_text
    assert "console opened" in _run([bin_dir / "python", "-c", CONSOLE_OPENS], cwd=outside, env=env)
