"""A minimal AMI login over a plain socket: proof that Asterisk's manager answers."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from cti.sandbox.errors import SandboxError

BANNER_PREFIX = b"Asterisk Call Manager/"


class _Reader:
    """Reads CRLF-terminated lines and blank-line-terminated AMI messages."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""

    def read_until(self, terminator: bytes) -> bytes:
        while terminator not in self._buffer:
            chunk = self._sock.recv(4096)
            if not chunk:
                raise ConnectionError("AMI closed the connection")
            self._buffer += chunk
        head, _, self._buffer = self._buffer.partition(terminator)
        return head


def _message(fields: dict[str, str]) -> bytes:
    for key, value in fields.items():
        if "\r" in value or "\n" in value:
            raise SandboxError(f"AMI field {key} may not hold CR or LF")
    return "".join(f"{key}: {value}\r\n" for key, value in fields.items()).encode() + b"\r\n"


def _fields(message: bytes) -> dict[str, str]:
    result: dict[str, str] = {}
    for line in message.decode("utf-8", "replace").split("\r\n"):
        key, sep, value = line.partition(":")
        if sep:
            result.setdefault(key.strip().lower(), value.strip())
    return result


def ami_login(
    host: str,
    port: int,
    username: str,
    secret: str,
    *,
    timeout: float = 5.0,
    wait_fully_booted: bool = False,
) -> bool:
    """Log in and off once: True if accepted, False if refused.

    With ``wait_fully_booted``, also wait for the ``FullyBooted`` event Asterisk sends
    once every module is loaded (AMI answers logins before that). Raises ``OSError``
    (or ``ConnectionError``, ``TimeoutError``) when AMI does not answer at host:port.
    """
    with socket.create_connection((host, port), timeout=timeout) as sock:
        reader = _Reader(sock)
        banner = reader.read_until(b"\r\n")
        if not banner.startswith(BANNER_PREFIX):
            raise ConnectionError(f"not an AMI banner: {banner[:60]!r}")
        login = {
            "Action": "Login",
            "Username": username,
            "Secret": secret,
            "ActionID": "ctidesk-probe",
        }
        sock.sendall(_message(login))
        reply = _fields(reader.read_until(b"\r\n\r\n"))
        while reply.get("actionid") != "ctidesk-probe" or "response" not in reply:
            reply = _fields(reader.read_until(b"\r\n\r\n"))
        if reply["response"].lower() != "success":
            return False
        while wait_fully_booted and reply.get("event", "").lower() != "fullybooted":
            reply = _fields(reader.read_until(b"\r\n\r\n"))
        sock.sendall(_message({"Action": "Logoff", "ActionID": "ctidesk-probe-bye"}))
        return True


def wait_for_ami(
    host: str,
    port: int,
    username: str,
    secret: str,
    *,
    timeout: float,
    still_starting: Callable[[], bool],
) -> float:
    """Poll until AMI accepts a login and Asterisk is fully booted; returns the seconds.

    ``still_starting()`` is asked between attempts; when it returns False (the process
    died) or ``timeout`` passes, raises ``SandboxError``.
    """
    started = time.monotonic()
    last_error = "no answer yet"
    while time.monotonic() - started < timeout:
        if not still_starting():
            raise SandboxError(f"Asterisk exited while starting ({last_error})")
        try:
            remaining = max(timeout - (time.monotonic() - started), 0.5)
            if ami_login(host, port, username, secret, timeout=remaining, wait_fully_booted=True):
                return time.monotonic() - started
            raise SandboxError(f"AMI at {host}:{port} refused the sandbox's own login")
        except OSError as error:
            last_error = f"AMI at {host}:{port}: {error}"
        time.sleep(0.1)
    raise SandboxError(f"AMI did not accept a login within {timeout:.0f} s ({last_error})")
