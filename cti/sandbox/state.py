"""The running sandbox's state, kept in a small JSON file so other processes can find it."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from cti.sandbox.errors import SandboxError


@dataclass(frozen=True)
class SandboxState:
    """What ``down`` and ``status`` need to know about a running sandbox."""

    pid: int
    root: str
    ami_host: str
    ami_port: int
    ami_username: str
    sip_port: int
    started_at: float
    secrets_file: str
    output_log: str

    def save(self, path: Path) -> None:
        """Write the state atomically (write a temp file, then rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self), indent=2) + "\n")
        os.replace(temporary, path)

    @classmethod
    def load(cls, path: Path) -> SandboxState | None:
        """The saved state, or None when there is none."""
        try:
            data = json.loads(path.read_text())
            return cls(**data)
        except FileNotFoundError:
            return None
        except (ValueError, TypeError) as error:
            raise SandboxError(
                f"sandbox state file {path} is damaged ({error}); "
                f"remove it once no Asterisk from the sandbox runs"
            ) from None


def write_secrets_file(path: Path, ami_secret: str, agi_secret: str) -> None:
    """The TOML secrets file cti.settings reads (``[ami] secret``, ``[agi] secret``),
    mode 600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(f'[ami]\nsecret = "{ami_secret}"\n\n[agi]\nsecret = "{agi_secret}"\n')
