"""Asterisk configuration of the sandbox, written from the templates in config/asterisk/.

Templates are plain Asterisk ``.conf`` files with ``@@NAME@@`` placeholders (``${...}``
is the dialplan's own syntax, so it stays untouched).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from cti.sandbox.errors import SandboxError
from cti.sandbox.layout import SandboxLayout

_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")
CHROOT_USER = "asterisk"
FILE_MODE = 0o640
DIR_MODE = 0o750


def template_dir() -> Path:
    """The ``config/asterisk`` directory of the repository."""
    return Path(__file__).resolve().parents[2] / "config" / "asterisk"


@dataclass(frozen=True)
class ConfigValues:
    """What the templates need filled in."""

    ami_port: int
    ami_username: str
    ami_secret: str
    agi_secret: str
    sip_port: int
    rtp_start: int
    rtp_end: int
    modules_dir: str
    system_name: str = ""
    """Asterisk's ``systemname`` (prefixes unique ids); empty: none, as Asterisk's default."""

    def placeholders(self) -> dict[str, str]:
        """Placeholder name → text."""
        values = {
            "AMI_PORT": str(self.ami_port),
            "AMI_USERNAME": self.ami_username,
            "AMI_SECRET": self.ami_secret,
            "AGI_SECRET": self.agi_secret,
            "SIP_PORT": str(self.sip_port),
            "RTP_START": str(self.rtp_start),
            "RTP_END": str(self.rtp_end),
            "MODULES_DIR": self.modules_dir,
        }
        for name, text in values.items():
            if not text or any(c in text for c in "\r\n;[]") or text != text.strip():
                raise SandboxError(f"{name} {text!r} cannot go into an Asterisk config file")
        return values


def render(text: str, values: dict[str, str], *, name: str = "template") -> str:
    """``text`` with every ``@@NAME@@`` replaced; an unknown name is an error."""

    def replace(match: re.Match[str]) -> str:
        try:
            return values[match.group(1)]
        except KeyError:
            raise SandboxError(f"{name}: unknown placeholder {match.group(0)}") from None

    return _PLACEHOLDER.sub(replace, text)


def modules_dir(layout: SandboxLayout) -> str:
    """Asterisk's module directory inside the tree (its path holds the architecture)."""
    found = sorted(layout.root.glob("usr/lib/*/asterisk/modules"))
    if not found:
        raise SandboxError(f"no usr/lib/*/asterisk/modules in {layout.root}")
    return "/" + str(found[0].relative_to(layout.root))


def chroot_ids(root: Path, user: str = CHROOT_USER) -> tuple[int, int]:
    """(uid, gid) of ``user`` in the tree's own /etc/passwd (not the host's)."""
    for line in (root / "etc/passwd").read_text().splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[0] == user:
            return int(fields[2]), int(fields[3])
    raise SandboxError(f"no {user!r} user in {root}/etc/passwd")


def write_config(
    layout: SandboxLayout, values: ConfigValues, templates: Path | None = None
) -> list[str]:
    """Replace the tree's /etc/asterisk with the rendered templates; returns the file names.

    The package's stock configuration is moved to /etc/asterisk.dist once, for reference.
    Files are mode 640 and owned by the tree's asterisk user, as the package has them.
    """
    templates = template_dir() if templates is None else templates
    sources = sorted(templates.glob("*.conf"))
    if not sources:
        raise SandboxError(f"no Asterisk config templates in {templates}")
    placeholders = values.placeholders()
    rendered = {
        source.name: render(source.read_text(), placeholders, name=source.name)
        for source in sources
    }
    if values.system_name:
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", values.system_name):
            raise SandboxError(f"systemname {values.system_name!r}: letters, digits, _ and -")
        rendered["asterisk.conf"] += f"systemname = {values.system_name}\n"
    uid, gid = chroot_ids(layout.root)
    if not layout.stock_etc_dir.exists():
        layout.etc_dir.rename(layout.stock_etc_dir)
    else:
        shutil.rmtree(layout.etc_dir, ignore_errors=True)
    layout.etc_dir.mkdir(mode=DIR_MODE)
    os.chown(layout.etc_dir, uid, gid)
    for file_name, text in rendered.items():
        path = layout.etc_dir / file_name
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with os.fdopen(descriptor, "w") as stream:
            stream.write(text)
        os.chown(path, uid, gid)
    return sorted(rendered)
