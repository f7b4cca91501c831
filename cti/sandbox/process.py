"""Processes and mounts of the sandbox: procfs in the tree, Asterisk under chroot."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from cti.sandbox.errors import SandboxError


def process_exists(pid: int) -> bool:
    """Whether a live (non-zombie) process has this pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return not Path("/proc/self").exists()  # no procfs: trust kill(0)
    # The state follows the parenthesised command name, which may itself hold ")".
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def process_root(pid: int) -> Path | None:
    """The root directory of process ``pid`` (its chroot), or None if unknown."""
    try:
        return Path(os.readlink(f"/proc/{pid}/root"))
    except OSError:
        return None


def wait_gone(pid: int, timeout: float) -> bool:
    """Wait until ``pid`` is gone (or a zombie); False on timeout."""
    deadline = time.monotonic() + timeout
    while process_exists(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _mount_points() -> list[str]:
    points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        field = line.split()[4]
        points.append(field.encode().decode("unicode_escape"))  # octal escapes: \040
    return points


def is_mounted(path: Path) -> bool:
    """Whether something is mounted at ``path``."""
    return str(path.resolve()) in _mount_points()


def mounts_under(path: Path) -> list[Path]:
    """Mount points at or below ``path``, deepest first."""
    top = str(path.resolve())
    found = [p for p in _mount_points() if p == top or p.startswith(top + "/")]
    return [Path(p) for p in sorted(found, key=len, reverse=True)]


def remove_tree(path: Path) -> None:
    """Unmount whatever is mounted below ``path``, then delete it.

    Never deletes through a mount point (a bind-mounted /dev would lose the host's nodes).
    """
    for point in mounts_under(path):
        unmount(point)
    left = mounts_under(path)
    if left:
        raise SandboxError(f"cannot remove {path}: still mounted: {', '.join(map(str, left))}")
    shutil.rmtree(path, ignore_errors=True)


def mount_proc(proc_dir: Path) -> None:
    """Mount procfs at ``proc_dir`` unless it is mounted already."""
    if is_mounted(proc_dir):
        return
    proc_dir.mkdir(exist_ok=True)
    _run(["mount", "-t", "proc", "proc", str(proc_dir)])


def unmount(path: Path) -> None:
    """Unmount every mount stacked at ``path``; lazily when it is busy."""
    while is_mounted(path):
        try:
            _run(["umount", str(path)])
        except SandboxError:
            _run(["umount", "-l", str(path)])


def chroot_command(root: Path, args: list[str], *, timeout: float = 30) -> str:
    """Run ``args`` inside the tree; returns stdout, raises ``SandboxError`` on failure."""
    return _run(["chroot", str(root), *args], timeout=timeout)


def start_in_chroot(root: Path, args: list[str], output_log: Path) -> subprocess.Popen[bytes]:
    """Start ``args`` under chroot in its own session, stdout and stderr to ``output_log``."""
    with output_log.open("ab") as log:
        # Fixed programs from PATH with our own arguments, never a shell.
        return subprocess.Popen(  # noqa: S603
            ["chroot", str(root), *args],  # noqa: S607
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C in the shell that ran `up` does not stop it
            close_fds=True,
        )


def kill(pid: int, signum: int = signal.SIGTERM) -> None:
    """Send ``signum`` to ``pid`` if it still exists."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _run(command: list[str], *, timeout: float = 30) -> str:
    try:
        # Fixed programs from PATH with our own arguments, never a shell.
        result = subprocess.run(  # noqa: S603
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise SandboxError(f"{' '.join(command)}: {error}") from None
    if result.returncode != 0:
        raise SandboxError(
            f"{' '.join(command)} failed ({result.returncode}): "
            f"{(result.stderr or result.stdout).strip()}"
        )
    return result.stdout
