"""What the CRM routes share: path and body patterns of members and calls."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from crm_core.calls.schemas import LINKED_ID
from cti.http.routes import Caller
from cti.http.schemas import Line

MEMBER_NO = r"^[A-Za-z]-\d{8}$"
"""A member number as printed on the card (``I-00000001``)."""
KEY = r"^[A-Za-z0-9._:-]{8,64}$"
"""An idempotency key the client chooses."""
CallId = Annotated[Line, Field(max_length=64, pattern=LINKED_ID)]
"""Asterisk's linked id of a call, live or already in the call log."""


def member_no_of(caller: Caller) -> str:
    """The member number of a ``/api/members/{member_no}/…`` path, upper-cased."""
    return caller.request.match_info["member_no"].upper()


__all__ = ["KEY", "MEMBER_NO", "CallId", "member_no_of"]
