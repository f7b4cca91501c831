"""Finding members for an agent: by phone, by card, or by free text.

Every criterion goes through the CRM's own services: the phone directory, the card
service, and the member service's name-prefix search.
"""

from __future__ import annotations

import re

from crm_core.errors import NotFoundError
from crm_core.members.schemas import MemberBrief
from crm_core.wiring import Crm
from cti.http.schemas import MembersQuery

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


__all__ = ["MemberLookup"]
