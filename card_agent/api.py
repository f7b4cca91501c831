"""The watcher's client of the service: log in, then ask for a pop per card tapped.

Standard library only (``urllib``): the watcher runs on counter machines with the
console or alone, and sends one small request per tap.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

TIMEOUT = 10.0


class TapRefused(Exception):
    """The service refused or could not be reached; the message says which and why."""


@dataclass(frozen=True)
class TapAnswer:
    """What the service did with a tap: the card's status, its member, consoles reached."""

    status: str
    member: str | None
    consoles: int


@dataclass
class CardApi:
    """Logs ``login`` in at ``url`` and sends taps with the token (logging in again once
    when the token has ended)."""

    url: str
    login: str
    password: str = field(repr=False)
    _token: str | None = field(default=None, repr=False)

    def _call(self, path: str, body: dict[str, Any], token: str | None) -> Any:
        request = urllib.request.Request(  # noqa: S310 (the service's own http(s) URL)
            self.url.rstrip("/") + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {token}"} if token else {}),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return json.loads(response.read())

    def _post(self, path: str, body: dict[str, Any], token: str | None) -> Any:
        try:
            return self._call(path, body, token)
        except urllib.error.HTTPError as error:
            if error.code == 401 and token is not None:
                raise
            raise TapRefused(f"{path}: {error.code} {_message(error)}") from None
        except (urllib.error.URLError, OSError) as error:
            raise TapRefused(f"the service at {self.url} cannot be reached ({error})") from None

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
        except urllib.error.HTTPError:  # the token ended: once more with a new one
            self.log_in()
            answer = self._post(path, {"reader": reader}, self._token)
        pop = answer["pop"]
        member = pop.get("member")
        return TapAnswer(
            status=str(pop["card"]["status"]),
            member=str(member["number"]) if isinstance(member, dict) else None,
            consoles=int(answer["consoles"]),
        )


def _message(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read())["message"])
    except (ValueError, KeyError, TypeError, OSError):
        return str(error.reason)


__all__ = ["CardApi", "TapAnswer", "TapRefused"]
