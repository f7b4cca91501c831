"""The watcher's client of the service: log in, then ask for a pop per card tapped.

Standard library only (``http.client``): the watcher runs on counter machines with the
console or alone, and sends one small request per tap. It keeps its connection to the
service open between taps, so a tap pays no TCP (or TLS) handshake; when the service
has closed it meanwhile (its keep-alive ended, or it restarted), the request goes once
more on a new connection.
"""

from __future__ import annotations

import http.client
import json
import ssl
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

TIMEOUT = 10.0
STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
"""How a request on a connection the service closed while it was idle fails."""


class TapRefused(Exception):
    """The service refused or could not be reached; the message says which and why."""


class _TokenEnded(Exception):
    """The service answered 401 to a request made with a token."""


@dataclass(frozen=True)
class TapAnswer:
    """What the service did with a tap: the card's status, its member, consoles reached."""

    status: str
    member: str | None
    consoles: int


@dataclass
class CardApi:
    """Logs ``login`` in at ``url`` and sends taps with the token (logging in again once
    when the token has ended), over one kept-open connection."""

    url: str
    login: str
    password: str = field(repr=False)
    _token: str | None = field(default=None, repr=False)
    _connection: http.client.HTTPConnection | None = field(default=None, repr=False)

    def _open(self) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise TapRefused(f"the service address {self.url!r} is not an http(s) URL")
        if parts.scheme == "https":
            return http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=TIMEOUT, context=ssl.create_default_context()
            )
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)

    def close(self) -> None:
        """Close the connection to the service (the next request opens a new one)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()

    def _exchange(self, path: str, body: bytes, token: str | None) -> tuple[int, bytes]:
        """One request and its whole answer (status, body) on the kept connection."""
        if self._connection is None:
            self._connection = self._open()
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        prefix = urllib.parse.urlsplit(self.url).path.rstrip("/")
        self._connection.request("POST", prefix + path, body=body, headers=headers)
        response = self._connection.getresponse()
        return response.status, response.read()

    def _post(self, path: str, body: dict[str, Any], token: str | None) -> Any:
        data = json.dumps(body).encode()
        reused = self._connection is not None
        try:
            try:
                status, answer = self._exchange(path, data, token)
            except STALE:
                self.close()
                if not reused:
                    raise
                status, answer = self._exchange(path, data, token)  # closed while idle
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise TapRefused(f"the service at {self.url} cannot be reached ({error})") from None
        if status == 401 and token is not None:
            raise _TokenEnded
        if status >= 400:
            raise TapRefused(f"{path}: {status} {_message(answer, status)}")
        return json.loads(answer)

    def log_in(self) -> None:
        """Get a token (a wrong password is :class:`TapRefused`)."""
        answer = self._post("/api/login", {"username": self.login, "password": self.password}, None)
        self._token = str(answer["token"])

    def tap(self, uid: str, reader: str) -> TapAnswer:
        """Ask the service to record ``uid`` tapped on ``reader`` and pop it at our consoles."""
        path = f"/api/cards/{urllib.parse.quote(uid, safe='')}/tap"
        if self._token is None:
            self.log_in()
        try:
            answer = self._post(path, {"reader": reader}, self._token)
        except _TokenEnded:  # once more with a new token
            self.log_in()
            try:
                answer = self._post(path, {"reader": reader}, self._token)
            except _TokenEnded:
                raise TapRefused(f"{path}: 401 even with a new token") from None
        pop = answer["pop"]
        member = pop.get("member")
        return TapAnswer(
            status=str(pop["card"]["status"]),
            member=str(member["number"]) if isinstance(member, dict) else None,
            consoles=int(answer["consoles"]),
        )


def _message(answer: bytes, status: int) -> str:
    try:
        return str(json.loads(answer)["message"])
    except (ValueError, KeyError, TypeError):
        return http.client.responses.get(status, "error")


__all__ = ["CardApi", "TapAnswer", "TapRefused"]
