"""The Debian mirror of the sandbox build: environment, then the apt sources, then none."""

from __future__ import annotations

from pathlib import Path

from cti.sandbox.build import mmdebstrap_command
from cti.sandbox.mirror import MIRROR_ENV, MirrorChoice, apt_archives, choose_mirror

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
"""

SECURITY_FIRST_ONE_LINE = """\
# deb http://commented.example/debian bookworm main
deb-src http://source.example/debian bookworm main
deb http://security.example/debian-security bookworm-security main
deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] https://one.example/debian sid main
deb http://two.example/debian bookworm main
"""


def _apt(tmp_path: Path, files: dict[str, str]) -> Path:
    apt = tmp_path / "apt"
    (apt / "sources.list.d").mkdir(parents=True)
    for name, text in files.items():
        (apt / name).write_text(text)
    return apt


def test_the_environment_wins_over_the_apt_sources(tmp_path: Path) -> None:
    apt = _apt(tmp_path, {"sources.list.d/debian.sources": DEB822})
    choice = choose_mirror({MIRROR_ENV: "http://env.example/debian"}, apt)
    assert choice == MirrorChoice("http://env.example/debian", f"${MIRROR_ENV}")


def test_a_deb822_file_gives_its_first_debian_archive(tmp_path: Path) -> None:
    apt = _apt(tmp_path, {"sources.list.d/debian.sources": DEB822})
    assert choose_mirror({}, apt) == MirrorChoice(
        "http://mirror.example/debian", str(apt / "sources.list.d/debian.sources")
    )


def test_a_one_line_file_skips_comments_sources_and_security(tmp_path: Path) -> None:
    apt = _apt(tmp_path, {"sources.list": SECURITY_FIRST_ONE_LINE})
    assert [uri for _, uri in apt_archives(apt)] == [
        "https://one.example/debian",
        "http://two.example/debian",
    ]


def test_sources_list_comes_before_sources_list_d_in_name_order(tmp_path: Path) -> None:
    apt = _apt(
        tmp_path,
        {
            "sources.list.d/b.list": "deb http://b.example/debian trixie main\n",
            "sources.list.d/a.sources": DEB822,
            "sources.list.d/c.list.disabled": "deb http://c.example/debian sid main\n",
            "sources.list": "deb http://main.example/debian stable main\n",
        },
    )
    assert [uri for _, uri in apt_archives(apt)] == [
        "http://main.example/debian",
        "http://mirror.example/debian",
        "http://b.example/debian",
    ]


def test_disabled_stanzas_other_distributions_and_cdroms_are_not_mirrors(tmp_path: Path) -> None:
    apt = _apt(
        tmp_path,
        {
            "sources.list": "deb cdrom:[Debian 12]/ bookworm main\n"
            "deb http://archive.ubuntu.com/ubuntu jammy-updates main\n",
            "sources.list.d/node.sources": "Types: deb\nURIs: https://deb.nodesource.com/node_20.x\n"
            "Suites: nodistro\n",
            "sources.list.d/off.sources": "Types: deb\nEnabled: no\nURIs: http://off.example/debian\n"
            "Suites: sid\n",
            "sources.list.d/src.sources": "Types: deb-src\nURIs: http://src.example/debian\n"
            "Suites: sid\n",
        },
    )
    assert choose_mirror({}, apt) == MirrorChoice(None, "mmdebstrap's default")


def test_an_inline_key_does_not_end_the_stanza(tmp_path: Path) -> None:
    text = (
        "Types: deb\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n mQINBG\n"
        " -----END PGP PUBLIC KEY BLOCK-----\nURIs: http://keyed.example/debian\nSuites: sid\n"
    )
    apt = _apt(tmp_path, {"sources.list.d/keyed.sources": text})
    assert [uri for _, uri in apt_archives(apt)] == ["http://keyed.example/debian"]


def test_no_apt_directory_means_mmdebstraps_default(tmp_path: Path) -> None:
    assert choose_mirror({}, tmp_path / "none").url is None


def test_mmdebstrap_gets_the_mirror_only_when_there_is_one(tmp_path: Path) -> None:
    with_mirror = mmdebstrap_command(tmp_path, "http://m.example/debian")
    assert with_mirror[-3:] == ["sid", str(tmp_path), "http://m.example/debian"]
    assert mmdebstrap_command(tmp_path, None)[-2:] == ["sid", str(tmp_path)]
