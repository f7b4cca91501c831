"""``ctidesk console --web``: what it serves, and the options it refuses, each named.

Serving itself, in a real browser on the real sandbox, is tests/agent_tui/test_console_web.py.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from typer.testing import CliRunner

from cti.cli import app
from cti.cli.console_web import WebOptionError, check_host, check_public_url, web_console
from tests.support.web_console import WebConsole

SERVICE = "http://127.0.0.1:8280"
PROXIED = "https://desk.example.com/console"


def served(
    *,
    address: str = SERVICE,
    host: str = "127.0.0.1",
    port: int = 8281,
    public_url: str | None = None,
    config_file: Path | None = None,
    user: str | None = None,
    environment: dict[str, str] | None = None,
) -> tuple[str, int, str, list[str]]:
    """What ``web_console`` serves: host, port, public URL and the session's command line
    split as the shell splits it."""
    web = web_console(
        address=address, host=host, port=port, public_url=public_url,
        config_file=config_file, user=user, environment=environment or {},
    )  # fmt: skip
    return web.host, web.port, web.public_url, shlex.split(web.session_command)


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["console", *args], env={"COLUMNS": "200", **(env or {})}, catch_exceptions=False
    )
    return result.exit_code, result.output


def test_each_browser_session_runs_the_console_for_the_same_service_without_a_secret() -> None:
    host, port, public_url, command = served()
    assert (host, port, public_url) == ("127.0.0.1", 8281, "http://127.0.0.1:8281")
    assert command == [
        "exec", "env", "CTIDESK_CARDS_READERS=off", sys.executable, "-m", "cti.cli.web_session",
        str(os.getpid()), "console", "--url", SERVICE,
    ]  # fmt: skip


def test_the_sessions_read_the_same_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "site.toml").write_text("")
    *_, command = served(config_file=Path("site.toml"))
    assert command[-5:] == ["--config", str(tmp_path / "site.toml"), "console", "--url", SERVICE]


def test_a_public_url_is_what_the_page_is_reached_by() -> None:
    _, _, public_url, _ = served(public_url="https://desk.example.com/console")
    assert public_url == "https://desk.example.com/console"
    _, _, public_url, _ = served(host="::1", port=9000)
    assert public_url == "http://[::1]:9000"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("desk.example.com", "http:// or https://"),
        ("ftp://desk.example.com", "http:// or https://"),
        ("https://", "no host"),
        ("https://desk.example.com/console/", "must not end with '/'"),
        ("https://desk.example.com/", "must not end with '/'"),
        ("https://desk.example.com/?a=1", "no query"),
        ("https://desk.example.com#top", "no query or fragment"),
        ("https://me:pw@desk.example.com", "user or password"),
        ("https://desk.example.com:99999", "port"),
        ("https://desk.example.com/my console", "spaces"),
    ],
)
def test_a_public_url_browsers_cannot_use_is_refused(url: str, problem: str) -> None:
    with pytest.raises(WebOptionError, match="--public-url") as refused:
        check_public_url(url)
    assert problem in str(refused.value)


@pytest.mark.parametrize("host", ["", "desk example", "-desk", "desk..example", "désk", "a" * 64])
def test_a_host_that_is_no_address_or_name_is_refused(host: str) -> None:
    with pytest.raises(WebOptionError, match="--host"):
        check_host(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0", "::", "::1", "localhost", "desk-1.lan"])
def test_addresses_and_host_names_are_accepted(host: str) -> None:
    assert check_host(host) == host


def test_a_login_or_a_password_for_every_session_is_refused() -> None:
    with pytest.raises(WebOptionError, match="--user"):
        served(user="agent1")
    with pytest.raises(WebOptionError, match="CTIDESK_CONSOLE_PASSWORD"):
        served(environment={"CTIDESK_CONSOLE_PASSWORD": "secret"})
    with pytest.raises(WebOptionError, match="--url"):
        served(address="http://agent1:secret@127.0.0.1:8280")


def test_the_command_refuses_bad_web_options_naming_them() -> None:
    code, output = invoke("--web", "--user", "agent1")
    assert code == 1 and "--user cannot be used with --web" in output
    code, output = invoke("--web", "--public-url", "https://desk.example.com/")
    assert code == 1 and "--public-url" in output
    code, output = invoke("--web", "--host", "desk example")
    assert code == 1 and "--host" in output
    code, output = invoke("--web", env={"CTIDESK_CONSOLE_PASSWORD": "secret"})
    assert code == 1 and "CTIDESK_CONSOLE_PASSWORD is set" in output
    code, output = invoke("--web", "--port", "0")
    assert code == 2 and "--port" in output


def test_web_options_without_web_are_refused() -> None:
    for option, value in (("--host", "0.0.0.0"), ("--port", "8281"), ("--public-url", "https://x")):
        code, output = invoke(option, value)
        assert code == 1 and f"{option} is an option of --web" in output


async def test_behind_a_proxy_the_page_asks_for_its_scripts_and_websocket_at_the_public_url(
    tmp_path: Path,
) -> None:
    web = WebConsole(SERVICE, tmp_path / "console-web.log", "--public-url", PROXIED)
    try:
        await web.listening()
        async with aiohttp.ClientSession() as http, http.get(web.url) as response:
            page = await response.text()
        assert response.status == 200
        assert 'data-session-websocket-url="wss://desk.example.com/console/ws"' in page
        assert 'src="https://desk.example.com/console/static/js/textual.js"' in page
        assert "ctidesk console" in page
        assert "--url" not in page and "CTIDESK" not in page, "no command line in the page"
    finally:
        assert await web.stop() == 0


def test_a_session_whose_server_is_gone_does_not_start() -> None:
    not_the_parent = str(os.getpid() + 1_000_000)
    done = subprocess.run(
        [sys.executable, "-m", "cti.cli.web_session", not_the_parent, "console", "--help"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert "the server of this session is gone" in done.stderr
    assert "Usage" not in done.stdout, "the console did not start"


def test_a_session_runs_ctidesk_under_its_server() -> None:
    # This test's process is the parent, as the server is a session's.
    done = subprocess.run(
        [sys.executable, "-m", "cti.cli.web_session", str(os.getpid()), "console", "--help"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "--public-url" in done.stdout
