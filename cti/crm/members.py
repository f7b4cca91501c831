"""Member routes: find members by phone, card or text; a member's 360° view; a new member.

Every criterion goes through the CRM's own services: the phone directory, the card
service, and the member service's name-prefix search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, model_validator

from crm_core.errors import NotFoundError
from crm_core.members.schemas import MemberBrief, MemberView
from crm_core.wiring import Crm
from cti.http.auth import STAFF
from cti.http.parsing import json_body, query_params
from cti.http.routes import BAD, Caller, Route, Services
from cti.http.schemas import Line, RequestBody
from cti.http.serialisers import MEMBER_360, Serialiser


class MembersQuery(RequestBody):
    """Exactly one of: a phone number as dialled, a card number, or free text."""

    phone: str | None = Field(None, min_length=1, max_length=64, description="phone number")
    card: str | None = Field(None, min_length=1, max_length=64, description="card number")
    q: str | None = Field(
        None, min_length=1, max_length=100, description="member number, phone or name prefix"
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> MembersQuery:
        given = [name for name in ("phone", "card", "q") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of phone, card or q")
        return self


@dataclass(frozen=True)
class MemberMatches:
    """Members found by a lookup (a phone can belong to several)."""

    members: list[MemberBrief]


class NewMemberBody(RequestBody):
    """``{name, phones, email?, city?}``: a caller who is not yet a member."""

    name: Annotated[Line, Field(max_length=200)]
    phones: list[str] = Field(min_length=1, max_length=5)
    email: str | None = Field(None, max_length=200)
    city: Annotated[Line, Field(max_length=64)] | None = None


MEMBER_NUMBER = re.compile(r"[A-Za-z]-\d{8}")
PHONE_LIKE = re.compile(r"\+?[\d\s()-]{5,}")
MAX_MATCHES = 20


class MemberLookup:
    """Answers ``GET /api/members``: the members a phone, a card or a text points to."""

    def __init__(self, *, crm: Crm, limit: int = MAX_MATCHES) -> None:
        self._crm = crm
        self.limit = limit

    async def find(self, query: MembersQuery) -> list[MemberBrief]:
        """Members matching the one criterion given, at most ``limit``; none is an empty list."""
        if query.phone is not None:
            return (await self._crm.directory.lookup(query.phone))[: self.limit]
        if query.card is not None:
            return await self._by_card(query.card)
        assert query.q is not None
        return await self._by_text(query.q)

    async def _by_card(self, card: str) -> list[MemberBrief]:
        try:
            found = await self._crm.cards.lookup(number=card)
        except NotFoundError:
            return []
        if found.member_number is None:
            return []
        return await self._by_number(found.member_number)

    async def _by_number(self, number: str) -> list[MemberBrief]:
        try:
            member = await self._crm.members.get(number)
        except NotFoundError:
            return []
        return [MemberBrief(member.number, member.name, member.level, member.member_type)]

    async def _by_text(self, text: str) -> list[MemberBrief]:
        if MEMBER_NUMBER.fullmatch(text):
            return await self._by_number(text.upper())
        if PHONE_LIKE.fullmatch(text):
            return (await self._crm.directory.lookup(text))[: self.limit]
        return await self._crm.members.find_by_name(text, limit=self.limit)


MEMBER = Serialiser(MemberView, "Member")
MEMBER_MATCHES = Serialiser(MemberMatches, "MemberMatches")


async def find_members(services: Services, caller: Caller) -> MemberMatches:
    """Members by phone, card, or member number / name prefix (rate-limited per user)."""
    query = query_params(caller.request, MembersQuery)
    services.member_reads.take(caller.staff.login)
    return MemberMatches(await MemberLookup(crm=services.crm).find(query))


async def member_360(services: Services, caller: Caller) -> Any:
    """A member's 360° view (rate-limited per user)."""
    services.member_reads.take(caller.staff.login)
    return await services.crm.member360.view(caller.request.match_info["member_no"])


async def new_member(services: Services, caller: Caller) -> MemberView:
    """Create a member from the new-member form of an unknown caller."""
    body = await json_body(caller.request, NewMemberBody)
    return await services.crm.members.create(
        body.model_dump(exclude_none=True), actor=caller.staff.login
    )


MEMBER_ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/members", find_members, "Find members by phone, card or text",
          roles=STAFF, query=MembersQuery, response=MEMBER_MATCHES, errors=(*BAD, 429)),
    Route("GET", "/api/members/{member_no}", member_360, "A member's 360° view",
          roles=STAFF, response=MEMBER_360, errors=(404, 429)),
    Route("POST", "/api/members", new_member, "Create a member (new caller)", roles=STAFF,
          body=NewMemberBody, response=MEMBER, errors=(*BAD, 409)),
)  # fmt: skip

__all__ = ["MEMBER_ROUTES", "MemberLookup", "MemberMatches", "MembersQuery", "NewMemberBody"]
