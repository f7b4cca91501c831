"""The card routes: what a chip is, a tap at the caller's own desk, and the card actions.

Every route takes the chip UID from the path, strictly (:func:`~cti.cards.schemas.uid_of`).
A tap pops only at the consoles of the user who sent it, never another user's.
"""

from __future__ import annotations

from cti.cards.schemas import (
    CARD_OF_UID,
    CARD_TAPPED,
    IssueBody,
    LostBody,
    ReplaceBody,
    TapBody,
    uid_of,
)
from cti.cards.services import CardDesk
from cti.http.auth import STAFF
from cti.http.parsing import json_body
from cti.http.routes import BAD, Caller, Route, Services
from cti.protocol import CardOfUid, CardTapped


def card_routes(desk: CardDesk) -> tuple[Route, ...]:
    """``/api/cards/{uid}`` and its tap, issue, lost and replace actions over ``desk``."""

    def uid(caller: Caller) -> str:
        return uid_of(caller.request.match_info["uid"])

    async def card_of_uid(_services: Services, caller: Caller) -> CardOfUid:
        return await desk.of_uid(uid(caller))

    async def tap_card(_services: Services, caller: Caller) -> CardTapped:
        chip = uid(caller)
        body = await json_body(caller.request, TapBody)
        return await desk.tap(caller.staff, chip, body.reader, caller.request.remote)

    async def issue_card(_services: Services, caller: Caller) -> CardOfUid:
        chip = uid(caller)
        body = await json_body(caller.request, IssueBody)
        return await desk.issue(caller.staff, chip, body.member_number, body.card_number)

    async def report_card_lost(_services: Services, caller: Caller) -> CardOfUid:
        chip = uid(caller)
        body = await json_body(caller.request, LostBody)
        return await desk.report_lost(caller.staff, chip, body.note)

    async def replace_card(_services: Services, caller: Caller) -> CardOfUid:
        chip = uid(caller)
        body = await json_body(caller.request, ReplaceBody)
        return await desk.replace(caller.staff, chip, body.new_uid, body.new_card_number)

    return (
        Route("GET", "/api/cards/{uid}", card_of_uid, "What a chip UID is: its card and member",
              roles=STAFF, response=CARD_OF_UID, errors=(400,)),
        Route("POST", "/api/cards/{uid}/tap", tap_card, "A card tapped on a reader at your "
              "desk: recorded, and popped on your own consoles", roles=STAFF, body=TapBody,
              response=CARD_TAPPED, errors=BAD),
        Route("POST", "/api/cards/{uid}/issue", issue_card, "Bind the tapped chip to a member "
              "(issuing the card first if it is new)", roles=STAFF, body=IssueBody,
              response=CARD_OF_UID, errors=(*BAD, 404, 409)),
        Route("POST", "/api/cards/{uid}/lost", report_card_lost, "Report the tapped card lost",
              roles=STAFF, body=LostBody, response=CARD_OF_UID, errors=(*BAD, 404, 409)),
        Route("POST", "/api/cards/{uid}/replace", replace_card, "Replace the tapped card by a "
              "new chip: same member, same points", roles=STAFF, body=ReplaceBody,
              response=CARD_OF_UID, errors=(*BAD, 404, 409)),
    )  # fmt: skip


__all__ = ["card_routes"]
