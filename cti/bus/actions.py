"""Actions to Asterisk on behalf of a user: one way to send them, one error when they fail.

Every domain that drives Asterisk sends through :func:`send_action`, so a refusal or a
lost AMI connection is the same 503 everywhere, and a user without a phone is the same 409.
"""

from __future__ import annotations

from typing import ClassVar

from crm_core.staff.schemas import UserView
from cti.ami import Action, AmiActionError, AmiClient, AmiError, AmiMessage
from cti.http.errors import ApiError


class TelephonyUnavailableError(ApiError):
    """Asterisk is not connected, or it refused the action."""

    status: ClassVar[int] = 503
    error_id: ClassVar[str] = "telephony-unavailable"


class NoPhoneError(ApiError):
    """The user has no phone interface in their user record."""

    status: ClassVar[int] = 409
    error_id: ClassVar[str] = "no-phone-interface"


async def send_action(
    client: AmiClient, action: Action, *, harmless: str | None = None
) -> AmiMessage | None:
    """Send ``action``; a refusal or a lost connection is :class:`TelephonyUnavailableError`.

    A refusal whose message contains ``harmless`` (e.g. "already there") is not an error
    and gives ``None``.
    """
    try:
        return await client.send(action)
    except AmiActionError as error:
        message = error.response.get("Message")
        if harmless is not None and harmless in message.lower():
            return None
        raise TelephonyUnavailableError(
            f"Asterisk refused {action.name}: {message}", action=action.name
        ) from None
    except AmiError as error:
        raise TelephonyUnavailableError(str(error), action=action.name) from None


def phone_of(user: UserView) -> str:
    """The user's phone interface; :class:`NoPhoneError` when the user record has none."""
    if user.interface is None:
        raise NoPhoneError(f"{user.login} has no phone interface in their user record")
    return user.interface


def channel_vanished(error: Exception) -> bool:
    """Whether Asterisk refused an action because its channel no longer exists."""
    text = str(error).lower()
    return "channel" in text and any(
        words in text
        for words in ("no such", "not found", "not exist", "non-existent", "not existent", "not up")
    )


__all__ = [
    "NoPhoneError",
    "TelephonyUnavailableError",
    "channel_vanished",
    "phone_of",
    "send_action",
]
