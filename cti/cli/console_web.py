"""``ctidesk console --web``: the same console in a browser, served with textual-serve.

Each browser session runs a console process of its own (``ctidesk console --url …``), whose
screen textual-serve streams to xterm.js in the page; the user logs in on the page as in a
terminal. No password or token is on the session's command line or in the page: the server
never holds one.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from cti.cli.tui import PASSWORD_ENV

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8281
TITLE = "ctidesk console"


class WebOptionError(ValueError):
    """An option of ``ctidesk console --web`` that cannot be used; the message names it."""


@dataclass(frozen=True)
class WebConsole:
    """What ``--web`` serves: where it listens, the address pages reach it by, and the
    command each browser session runs."""

    host: str
    port: int
    public_url: str
    session_command: str


def check_host(host: str) -> str:
    """``host`` if it is an IP address or a host name to listen on, else WebOptionError."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        labels = host.split(".")
        if not host or len(host) > 253 or not all(_is_label(label) for label in labels):
            raise WebOptionError(
                f"--host: {host!r} is not an IP address or a host name to listen on"
            ) from None
    return host


def _is_label(label: str) -> bool:
    return (
        0 < len(label) <= 63
        and label.replace("-", "").isascii()
        and label.replace("-", "").isalnum()
        and not label.startswith("-")
        and not label.endswith("-")
    )


def check_public_url(url: str) -> str:
    """``url`` if browsers can reach the console there (``http(s)://host[:port][/path]``,
    no trailing slash, query or fragment: page and WebSocket addresses are appended to it),
    else WebOptionError."""
    parts = urlsplit(url)
    problem = None
    if parts.scheme not in ("http", "https"):
        problem = "must start with http:// or https://"
    elif not parts.hostname:
        problem = "has no host"
    elif parts.query or parts.fragment or url.endswith(("?", "#")):
        problem = "must have no query or fragment"
    elif parts.path.endswith("/"):
        problem = "must not end with '/' (the console's paths are added to it)"
    elif parts.username is not None or parts.password is not None:
        problem = "must not hold a user or password"
    elif any(char.isspace() for char in url):
        problem = "must not contain spaces"
    if problem is None:
        try:
            parts.port  # noqa: B018 (raises on a port that is not a number in range)
        except ValueError:
            problem = "has a port that is not a number from 1 to 65535"
    if problem is not None:
        raise WebOptionError(f"--public-url: {url!r} {problem}")
    return url


def session_command(address: str, config_file: Path | None, server_pid: int) -> str:
    """The shell command textual-serve runs for each browser session: this Python's
    ``ctidesk console`` for ``address``, with the same settings file, as a process that
    ends with the server ``server_pid`` (cti/cli/web_session.py; ``exec`` makes the server
    its parent). The server's card readers are not the browser user's: it does not watch
    them."""
    command = ["exec", "env", "CTIDESK_CARDS_READERS=off"]
    command += [sys.executable, "-m", "cti.cli.web_session", str(server_pid)]
    if config_file is not None:
        command += ["--config", str(config_file.resolve())]
    command += ["console", "--url", address]
    return shlex.join(command)


def web_console(
    *,
    address: str,
    host: str,
    port: int,
    public_url: str | None,
    config_file: Path | None,
    user: str | None,
    environment: dict[str, str],
) -> WebConsole:
    """What to serve for ``address``, or WebOptionError naming the option that cannot be
    used. ``environment`` is what every session would inherit."""
    if user is not None:
        raise WebOptionError(
            "--user cannot be used with --web: each browser session logs in as its own user"
        )
    service = urlsplit(address)
    if service.username is not None or service.password is not None:
        raise WebOptionError(
            "--url must not hold a user or password with --web: it is on every session's "
            "command line"
        )
    if PASSWORD_ENV in environment:
        raise WebOptionError(
            f"{PASSWORD_ENV} is set: with --web every browser session would log in with it; "
            "unset it (users log in on the page)"
        )
    host = check_host(host)
    if public_url is None:
        shown = f"[{host}]" if ":" in host else host
        public_url = f"http://{shown}:{port}"
    else:
        public_url = check_public_url(public_url)
    command = session_command(address, config_file, os.getpid())
    return WebConsole(host, port, public_url, command)


def serve(web: WebConsole) -> None:
    """Serve ``web`` until interrupted (Ctrl+C or SIGTERM, which end the open sessions)."""
    from cti.cli.console_web_server import ConsoleServer

    ConsoleServer(
        web.session_command,
        host=web.host,
        port=web.port,
        title=TITLE,
        public_url=web.public_url,
    ).serve()
