"""Errors of the AMI client; every one is an `AmiError`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cti.ami.message import AmiMessage


class AmiError(Exception):
    """Base of every error the AMI client raises."""


class AmiValueError(AmiError, ValueError):
    """An action key or value cannot be sent to AMI (bad key, CR, LF or NUL); nothing was sent."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"AMI field {key!r} {problem}; nothing was sent")
        self.key = key
        self.problem = problem


class AmiDisconnectedError(AmiError):
    """The connection was lost before the action was answered; it will not be re-sent."""


class AmiNotConnectedError(AmiDisconnectedError):
    """No AMI connection is up (telephony offline); the action was not sent."""


class AmiTimeoutError(AmiError, TimeoutError):
    """Asterisk did not answer an action in time."""


class AmiProtocolError(AmiError):
    """The peer does not speak AMI (no `Asterisk Call Manager/` banner)."""


class AmiLoginError(AmiError):
    """Asterisk refused the login (wrong user or secret), or no secret is configured."""


class AmiActionError(AmiError):
    """Asterisk answered an action with `Response: Error`."""

    def __init__(self, action: str, response: AmiMessage) -> None:
        message = response.get("Message") or "no message"
        super().__init__(f"AMI action {action} failed: {message}")
        self.action = action
        self.response = response
