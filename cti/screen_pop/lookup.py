"""Who is calling: the caller's member and 360° summary, looked up once per call.

The lookup starts when the caller joins a queue (`CallerQueued`) so that the pop can go
out the moment an agent's phone rings; the screen pop and the call log share the result.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace

from crm_core.errors import CrmError
from crm_core.member360.schemas import Member360
from crm_core.members.schemas import MemberBrief
from crm_core.wiring import Crm
from cti.bus.callers import CallerMatch
from cti.http.serialisers import MEMBER_360
from cti.protocol import MemberRecord, MemberSummary, decode

log = logging.getLogger(__name__)


class CallerLookup:
    """Looks each call's caller up once (by call id) and keeps the answer until the call ends."""

    def __init__(self, *, crm: Crm, inbound_media: Mapping[str, str]) -> None:
        self._crm = crm
        self._inbound_media = dict(inbound_media)
        self._by_call: dict[str, asyncio.Task[CallerMatch]] = {}

    def start(
        self, call_id: str, caller: str, did: str, verified_member: str = ""
    ) -> asyncio.Task[CallerMatch]:
        """Begin (or join) the lookup of ``call_id``'s caller; never waits.

        ``verified_member`` is the member the IVR named on the channel: the call is that
        member's, whatever number it comes from; the CRM's record of the call says
        whether the caller was verified (PIN) or only identified.
        """
        task = self._by_call.get(call_id)
        if task is None:
            task = asyncio.get_running_loop().create_task(
                self._look_up(call_id, caller, did, verified_member),
                name=f"caller-lookup-{call_id}",
            )
            self._by_call[call_id] = task
        return task

    async def result(
        self, call_id: str, caller: str, did: str, verified_member: str = ""
    ) -> CallerMatch:
        """The lookup of ``call_id``'s caller, started now if it was not already."""
        return await asyncio.shield(self.start(call_id, caller, did, verified_member))

    def known(self, call_id: str) -> CallerMatch | None:
        """The finished lookup of ``call_id``, if there is one."""
        task = self._by_call.get(call_id)
        if task is None or not task.done() or task.cancelled() or task.exception() is not None:
            return None
        return task.result()

    def forget(self, call_id: str) -> None:
        """Drop the lookup of an ended call."""
        self._by_call.pop(call_id, None)

    def media_of(self, did: str) -> str | None:
        """The inbound-media name of a dialled number, from the settings."""
        return self._inbound_media.get(did) or self._inbound_media.get(did.removeprefix("+"))

    async def _look_up(
        self, call_id: str, caller: str, did: str, verified_member: str = ""
    ) -> CallerMatch:
        media = self.media_of(did) if did else None
        unknown = CallerMatch(caller, did or None, media, None, None)
        if verified_member:
            try:
                member = await self._crm.members.get(verified_member)
                first = MemberBrief(member.number, member.name, member.level, member.member_type)
                members = [first]
                view = await self._crm.member360.view(first.number)
                method = await self._crm.selfservice.call_identity(call_id, first.number)
            except CrmError as error:
                log.warning("IVR-named member %r not found: %s", verified_member, error)
            else:
                # Only a PIN typed on this very call verifies; anything else identifies.
                match = self._match(caller, did, media, members, view, verified=method == "pin")
                return replace(match, identified_in_ivr=method != "pin")
        if not caller:
            return unknown
        try:
            members = await self._crm.directory.lookup(caller)
            if not members:
                return unknown
            view = await self._crm.member360.view(members[0].number)
        except CrmError as error:
            log.warning("caller lookup of %r failed: %s", caller, error)
            return unknown
        return self._match(caller, did, media, members, view, verified=False)

    @staticmethod
    def _match(
        caller: str,
        did: str,
        media: str | None,
        members: list[MemberBrief],
        view: Member360,
        *,
        verified: bool,
    ) -> CallerMatch:
        summary = member_summary(view, [member.number for member in members[1:]])
        return CallerMatch(caller, did or None, media, summary.number, summary, verified)


def member_summary(view: Member360, other_matches: Sequence[str] = ()) -> MemberSummary:
    """The screen pop's member from the 360° ``view`` (the one place the service builds it).

    The view goes through its REST serialiser, so the pop's parts are the JSON
    ``GET /api/members/{member_no}`` returns; ``other_matches`` are the other members
    sharing the caller's number.
    """
    record = decode(MemberRecord, MEMBER_360.dump(view), what="member 360° view")
    return record.summary(other_matches)
