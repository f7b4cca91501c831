"""PIN rules: what a member may choose as a self-service PIN, and how a typed code matches."""

from __future__ import annotations

import re

from crm_core.selfservice.exceptions import InvalidPinError

PIN_SHAPE = re.compile(r"[0-9]{4,8}")
NUMBER_TAIL_DIGITS = 4


def check_new_pin(pin: str) -> str:
    """``pin`` if it is 4 to 8 digits and not one repeated digit or a plain run (1234)."""
    if not PIN_SHAPE.fullmatch(pin):
        raise InvalidPinError("a PIN is 4 to 8 digits")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise InvalidPinError("a PIN cannot be one repeated digit or a plain run like 1234")
    return pin


def number_tail(member_number: str) -> str:
    """The last 4 digits of a member number (``I-00001234`` → ``1234``)."""
    digits = "".join(char for char in member_number if char.isdigit())
    return digits[-NUMBER_TAIL_DIGITS:]


def well_formed_code(code: str) -> bool:
    """Whether ``code`` could be a PIN or a number tail (digits only, 4 to 8 of them)."""
    return PIN_SHAPE.fullmatch(code) is not None
