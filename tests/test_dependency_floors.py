"""pyproject.toml's dependency floors exclude the releases with published security advisories.

Each entry names the first release that fixed the advisories we know of; a floor below it
would let an install resolve to a vulnerable release.
"""

from __future__ import annotations

import re
import tomllib

from tests.support.paths import ROOT

#: Package → the first release without the known advisories (what they fixed).
FIXED_IN = {
    # request smuggling (CVE-2025-53643, 3.12.14); zip-bomb, cookie and multipart
    # denial-of-service fixes of January 2026 (3.13.3)
    "aiohttp": (3, 13, 3),
    # path traversal in PackageIndex.download (CVE-2025-47273)
    "setuptools": (78, 1, 1),
    # regular-expression denial of service in email validation (CVE-2024-3772)
    "pydantic": (2, 4, 0),
}
FLOOR = re.compile(r"^(?P<name>[A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(?P<spec>.*)$")


def floors() -> dict[str, list[tuple[int, ...]]]:
    """Every ``>=`` floor in pyproject.toml (runtime, extras and the build system), by package."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    requirements = list(data["project"]["dependencies"])
    for extra in data["project"]["optional-dependencies"].values():
        requirements.extend(extra)
    requirements.extend(data["build-system"]["requires"])
    found: dict[str, list[tuple[int, ...]]] = {}
    for requirement in requirements:
        match = FLOOR.match(requirement)
        assert match is not None, requirement
        for clause in match["spec"].split(","):
            clause = clause.strip()
            if clause.startswith((">=", "==")):
                version = tuple(int(part) for part in clause[2:].split("."))
                found.setdefault(match["name"].lower(), []).append(version)
    return found


def test_every_floor_is_at_or_above_the_release_that_fixed_the_known_advisories() -> None:
    declared = floors()
    for package, fixed in FIXED_IN.items():
        assert package in declared, f"{package} has no floor in pyproject.toml"
        for version in declared[package]:
            assert version >= fixed, f"{package} floor {version} is below {fixed}"
