"""Build the Asterisk tree once, with mmdebstrap from Debian sid, into the cache directory.

The Debian mirror is the one ``cti.sandbox.mirror`` chooses (environment, apt sources, or
mmdebstrap's default) unless the caller names one.

The tree is built in a temporary directory beside its final place and renamed into place
only when complete, so a failed or interrupted build leaves nothing half-built behind.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cti.sandbox.errors import SandboxError
from cti.sandbox.layout import SandboxLayout
from cti.sandbox.mirror import MirrorChoice, choose_mirror
from cti.sandbox.process import remove_tree

Progress = Callable[[str], None]

SUITE = "sid"
PACKAGES = ("asterisk", "asterisk-core-sounds-en-gsm")
INSTALL_HINT = "install it with `scripts/setup.sh --with-asterisk` or `apt-get install mmdebstrap`"


def mmdebstrap_command(target: Path, mirror: str | None) -> list[str]:
    """The mmdebstrap command that builds the tree into ``target`` from ``mirror``
    (None: mmdebstrap's default mirror)."""
    return [
        "mmdebstrap",
        "--variant=apt",
        # The sid Release file served by the mirrors can be past its Valid-Until date.
        '--aptopt=Acquire::Check-Valid-Until "false"',
        f"--include={','.join(PACKAGES)}",
        SUITE,
        str(target),
        *([mirror] if mirror else []),
    ]


def ensure_tree(layout: SandboxLayout, progress: Progress, *, mirror: str | None = None) -> bool:
    """Build the tree unless it is there already; True when it was built now.

    ``mirror`` is the Debian mirror to build from; None lets ``choose_mirror`` find one.
    """
    if layout.is_built():
        return False
    if shutil.which("mmdebstrap") is None:
        raise SandboxError(
            f"the Asterisk tree is missing and mmdebstrap is not installed; {INSTALL_HINT}"
        )
    parent = layout.root.parent
    parent.mkdir(parents=True, exist_ok=True)
    with (parent / f".{layout.root.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be building the same tree
        if layout.is_built():
            return False
        _remove_stale_builds(layout)
        choice = MirrorChoice(mirror, "the caller") if mirror else choose_mirror()
        _build(layout, progress, choice)
    return True


def _remove_stale_builds(layout: SandboxLayout) -> None:
    # Left by a build that was killed; we hold the lock, so no build is running.
    for stale in layout.root.parent.glob(f".{layout.root.name}.building-*"):
        remove_tree(stale)


def _build(layout: SandboxLayout, progress: Progress, mirror: MirrorChoice) -> None:
    if layout.root.exists():
        raise SandboxError(
            f"{layout.root} exists but holds no Asterisk "
            f"({layout.asterisk_binary} missing); remove it and retry"
        )
    building = Path(
        tempfile.mkdtemp(prefix=f".{layout.root.name}.building-", dir=layout.root.parent)
    )
    progress(f"building the Asterisk tree (Debian {SUITE}, about 340 MB download) in {building}")
    progress(f"Debian mirror: {mirror.url or '(none given)'} (from {mirror.origin})")
    started = time.monotonic()
    try:
        _run_mmdebstrap(building, mirror.url, progress)
        if not (building / "usr/sbin/asterisk").is_file():
            raise SandboxError("mmdebstrap finished but the tree holds no usr/sbin/asterisk")
        building.rename(layout.root)
    except BaseException:
        remove_tree(building)
        raise
    progress(f"Asterisk tree ready at {layout.root} in {time.monotonic() - started:.0f} s")


def _run_mmdebstrap(target: Path, mirror: str | None, progress: Progress) -> None:
    command = mmdebstrap_command(target, mirror)
    process = subprocess.Popen(  # noqa: S603 (fixed program and arguments, no shell)
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    tail: list[str] = []
    assert process.stdout is not None
    with process:
        try:
            for line in process.stdout:
                line = line.rstrip()
                tail = [*tail[-19:], line]
                if line.startswith(("I:", "E:", "W:")):
                    progress(f"mmdebstrap: {line}")
        except BaseException:
            # Interrupted: let mmdebstrap undo its own mounts before the tree is removed.
            process.terminate()
            process.wait(120)
            raise
    if process.returncode != 0:
        raise SandboxError(
            f"mmdebstrap failed with exit code {process.returncode}:\n" + "\n".join(tail)
        )
