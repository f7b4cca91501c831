"""More sandbox trees beside the session's one, for tests that run a second Asterisk."""

from __future__ import annotations

import shutil
import subprocess

from cti.sandbox.layout import SandboxLayout


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


__all__ = ["copy_of_first"]
