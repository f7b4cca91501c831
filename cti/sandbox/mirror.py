"""Which Debian mirror the sandbox tree is built from.

In order: ``$CTIDESK_SANDBOX_MIRROR``; else the first Debian archive in the machine's apt
sources (``/etc/apt/sources.list``, then ``sources.list.d/*.list`` and ``*.sources`` in
name order, as apt reads them); else none, and mmdebstrap uses its own default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

#: Overrides the Debian mirror the Asterisk tree is built from.
MIRROR_ENV = "CTIDESK_SANDBOX_MIRROR"
APT_DIR = Path("/etc/apt")

#: Debian's release names and aliases; an archive suite is one of them, or one of them
#: with an ``-updates``/``-backports``/``-proposed-updates`` suffix (never ``-security``).
DEBIAN_RELEASES = frozenset(
    {
        "sid", "unstable", "experimental", "rc-buggy", "testing",
        "stable", "oldstable", "oldoldstable",
        "buzz", "rex", "bo", "hamm", "slink", "potato", "woody", "sarge", "etch",
        "lenny", "squeeze", "wheezy", "jessie", "stretch", "buster", "bullseye",
        "bookworm", "trixie", "forky", "duke",
    }
)  # fmt: skip
ARCHIVE_SUFFIXES = ("", "-updates", "-backports", "-proposed-updates")
#: URI schemes mmdebstrap can download from; cdrom: and the like hold one release only.
URI_SCHEMES = ("http://", "https://")

_ONE_LINE = re.compile(r"^deb\s+(?:\[[^\]]*\]\s+)?(?P<uri>\S+)\s+(?P<suite>\S+)")


@dataclass(frozen=True)
class MirrorChoice:
    """The mirror to build from (None: mmdebstrap's default) and where it came from."""

    url: str | None
    origin: str


def choose_mirror(
    environ: Mapping[str, str] | None = None, apt_dir: Path = APT_DIR
) -> MirrorChoice:
    """The mirror from the environment, else from the apt sources, else none."""
    environ = os.environ if environ is None else environ
    override = environ.get(MIRROR_ENV, "").strip()
    if override:
        return MirrorChoice(override, f"${MIRROR_ENV}")
    for path, uri in apt_archives(apt_dir):
        return MirrorChoice(uri, str(path))
    return MirrorChoice(None, "mmdebstrap's default")


def apt_archives(apt_dir: Path) -> Iterator[tuple[Path, str]]:
    """(file, URI) of each enabled Debian archive (not security) in apt's sources."""
    for path in source_files(apt_dir):
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue  # unreadable: apt would complain, we only look for a mirror
        entries = deb822_entries(text) if path.suffix == ".sources" else one_line_entries(text)
        for uri, suites in entries:
            if uri.startswith(URI_SCHEMES) and any(is_debian_archive(s) for s in suites):
                yield path, uri


def source_files(apt_dir: Path) -> list[Path]:
    """apt's source files in the order apt reads them."""
    files = [apt_dir / "sources.list"]
    parts = apt_dir / "sources.list.d"
    if parts.is_dir():
        files += sorted(p for p in parts.iterdir() if p.suffix in (".list", ".sources"))
    return [p for p in files if p.is_file()]


def is_debian_archive(suite: str) -> bool:
    """Whether ``suite`` names a Debian archive suite (``bookworm-updates``, ``sid``)."""
    return any(
        suite.removesuffix(suffix) in DEBIAN_RELEASES
        for suffix in ARCHIVE_SUFFIXES
        if suite.endswith(suffix)
    )


def one_line_entries(text: str) -> Iterator[tuple[str, list[str]]]:
    """(URI, [suite]) of each ``deb`` line of a one-line-style sources file."""
    for line in text.splitlines():
        match = _ONE_LINE.match(line.split("#", 1)[0].strip())
        if match:
            yield match["uri"], [match["suite"]]


def deb822_entries(text: str) -> Iterator[tuple[str, list[str]]]:
    """(URI, suites) of each enabled ``deb`` stanza of a deb822-style ``.sources`` file."""
    for fields in _stanzas(text):
        if "deb" not in fields.get("types", "").split():
            continue
        if fields.get("enabled", "yes").strip().lower() == "no":
            continue
        suites = fields.get("suites", "").split()
        for uri in fields.get("uris", "").split():
            yield uri, suites


def _stanzas(text: str) -> Iterator[dict[str, str]]:
    fields: dict[str, str] = {}
    for line in [*text.splitlines(), ""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if fields:
                yield fields
            fields = {}
        elif line[0] in " \t":
            continue  # a continuation line, e.g. of an inline Signed-By key
        elif ":" in line:
            name, value = line.split(":", 1)
            fields[name.strip().lower()] = value.strip()
