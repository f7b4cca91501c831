"""Where the sandbox lives: the cached Asterisk tree and the state directory beside it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: Overrides the directory of the cached Asterisk tree.
DIR_ENV = "CTIDESK_SANDBOX_DIR"
DEFAULT_DIR = Path("/var/cache/ctidesk/asterisk-sid")
STATE_DIR_SUFFIX = "-state"
#: Where the sandbox's Asterisk writes call recordings, as it sees the path (in the chroot).
RECORDINGS_IN_TREE = "/var/spool/asterisk/monitor/ctidesk"


@dataclass(frozen=True)
class SandboxLayout:
    """Paths of one sandbox: ``root`` is the chroot tree, ``state_dir`` sits beside it."""

    root: Path

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> SandboxLayout:
        """The layout at ``$CTIDESK_SANDBOX_DIR``, or at the default cache directory."""
        environ = os.environ if environ is None else environ
        override = environ.get(DIR_ENV, "")
        return cls(Path(override).absolute() if override else DEFAULT_DIR)

    @property
    def state_dir(self) -> Path:
        """Run state, secrets and the Asterisk output log: beside the tree, one per tree, so
        two trees in one folder (a copy per test session) never share a run."""
        return self.root.parent / f"{self.root.name}{STATE_DIR_SUFFIX}"

    @property
    def state_file(self) -> Path:
        """JSON with the running sandbox's pid, ports and paths."""
        return self.state_dir / "state.json"

    @property
    def secrets_file(self) -> Path:
        """TOML secrets file (``[ami] secret``), mode 600, for ``CTIDESK_SECRETS_FILE``."""
        return self.state_dir / "secrets.toml"

    @property
    def output_log(self) -> Path:
        """Asterisk's stdout and stderr."""
        return self.state_dir / "asterisk.out"

    @property
    def asterisk_binary(self) -> Path:
        """The Asterisk executable inside the tree (its presence marks a complete tree)."""
        return self.root / "usr/sbin/asterisk"

    @property
    def etc_dir(self) -> Path:
        """The configuration directory inside the tree."""
        return self.root / "etc/asterisk"

    @property
    def stock_etc_dir(self) -> Path:
        """The package's own configuration, moved aside on first start."""
        return self.root / "etc/asterisk.dist"

    @property
    def proc_dir(self) -> Path:
        """Where procfs is mounted inside the tree."""
        return self.root / "proc"

    @property
    def recordings_dir(self) -> Path:
        """Where the recordings Asterisk writes to ``RECORDINGS_IN_TREE`` appear on the host."""
        return self.root / RECORDINGS_IN_TREE.lstrip("/")

    def is_built(self) -> bool:
        """Whether the tree is complete (built trees are renamed into place when done)."""
        return self.asterisk_binary.is_file()
