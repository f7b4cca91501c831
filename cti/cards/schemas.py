"""The card routes' request bodies and results."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, Field

from cti.cards.errors import InvalidCardUidError
from cti.http.schemas import Line, RequestBody
from cti.http.serialisers import Serialiser
from cti.protocol import CHIP_UID, CardOfUid, CardTapped

UID_PATTERN = re.compile(CHIP_UID)
MEMBER_NO = r"^[A-Z]-\d{8}$"
"""A member number as the CRM writes it (``I-00000001``)."""
CARD_NUMBER = r"^[A-Z0-9][A-Z0-9-]{3,31}$"
"""A printed card number in the CRM's canonical form."""


def uid_of(raw: str) -> str:
    """A chip UID from a path, refused (never repaired) unless 4–10 bytes of upper-case hex."""
    if not UID_PATTERN.fullmatch(raw):
        raise InvalidCardUidError(
            "uid: a chip UID is 4 to 10 bytes as upper-case hex without separators "
            "(e.g. 04A1B2C3D4E5F6)",
            field="uid",
            uid=raw[:64],
        )
    return raw


def _trimmed(value: str) -> str:
    if value != value.strip():
        raise ValueError("no spaces at either end")
    return value


ReaderName = Annotated[Line, Field(max_length=128), AfterValidator(_trimmed)]
"""A reader's name as PC/SC reports it: 1–128 printable characters."""
ChipUid = Annotated[str, Field(pattern=CHIP_UID)]


class TapBody(RequestBody):
    """``{reader}``: the reader the card was tapped on, at the caller's own desk."""

    reader: ReaderName


class IssueBody(RequestBody):
    """``{member_number, card_number?}``: bind the tapped chip to a member.

    Without ``card_number`` a card the CRM does not know yet gets ``C`` + its UID.
    """

    member_number: Annotated[str, Field(pattern=MEMBER_NO)]
    card_number: Annotated[str, Field(pattern=CARD_NUMBER)] | None = None


class LostBody(RequestBody):
    """``{note?}``: report the tapped card lost."""

    note: Annotated[Line, Field(max_length=400)] | None = None


class ReplaceBody(RequestBody):
    """``{new_uid, new_card_number?}``: replace the card by the chip tapped after it."""

    new_uid: ChipUid
    new_card_number: Annotated[str, Field(pattern=CARD_NUMBER)] | None = None


CARD_OF_UID = Serialiser(CardOfUid, "CardOfUid")
CARD_TAPPED = Serialiser(CardTapped, "CardTapped")

__all__ = [
    "CARD_OF_UID",
    "CARD_TAPPED",
    "IssueBody",
    "LostBody",
    "ReplaceBody",
    "TapBody",
    "uid_of",
]
