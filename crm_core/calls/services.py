"""The call log: telephony records calls as they happen, agents close them with a code.

A call is one record per Asterisk linked id. Writing it again merges forward (see
:mod:`crm_core.calls.merge`): a repeated write changes nothing, a fuller one adds what
is new, a contradicting one is refused with nothing changed.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core.calls.dispositions import check_code_for_queue
from crm_core.calls.exceptions import (
    AmbiguousCallError,
    CallNotFoundError,
    NotYourCallError,
    UnknownAgentError,
    UnknownMemberError,
)
from crm_core.calls.links import NO_LINKS, link_pending, links_in, lock_call
from crm_core.calls.merge import FIELDS, merge, new_call
from crm_core.calls.models import CallRecord
from crm_core.calls.outbox import ParkedCall, is_parked, note_failure, park, parked, take
from crm_core.calls.queries import call_view, calls_with_names, search_calls
from crm_core.calls.schemas import CallIn, CallPage, CallQuery, CallRecordView, DispositionChoice
from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import CrmError, InvalidInputError, NotFoundError
from crm_core.loyalty.services import Clock
from crm_core.members.models import Member
from crm_core.members.phones import caller_number_to_e164
from crm_core.staff.models import Role, User
from crm_core.validation import parse

MAX_LAST_CALLS = 100
MAX_PARKED_PAGE = 1000
NAMES = ("agent_login", "member_number")


def _agent(session: Session, login: str) -> User:
    user = session.scalars(select(User).where(User.login == login)).one_or_none()
    if user is None:
        raise UnknownAgentError(f"no agent with login {login!r}", agent_login=login)
    return user


def _member_id(session: Session, number: str) -> int:
    member_id = session.scalar(select(Member.id).where(Member.number == number))
    if member_id is None:
        raise UnknownMemberError(f"no member {number!r}", member_number=number)
    return member_id


def _locked(session: Session, server: str, linked_id: str) -> CallRecord | None:
    return session.scalars(
        select(CallRecord)
        .where(CallRecord.server == server, CallRecord.linked_id == linked_id)
        .with_for_update()
    ).one_or_none()


def _check_one(linked_id: str, servers: list[str]) -> None:
    """Linked ids name their Asterisk by its systemname, so one id is one call: none is
    not found, and two servers' calls sharing one is an error, never a guess."""
    if not servers:
        raise CallNotFoundError(f"no call {linked_id!r}", linked_id=linked_id)
    if len(servers) > 1:
        raise AmbiguousCallError(
            f"call {linked_id!r} is recorded on several Asterisks {sorted(servers)}: give "
            "each its own systemname",
            linked_id=linked_id, servers=sorted(servers),
        )  # fmt: skip


def _one_by_linked_id(session: Session, linked_id: str) -> CallRecord:
    """The record of call ``linked_id`` whatever its server, locked."""
    records = session.scalars(
        select(CallRecord).where(CallRecord.linked_id == linked_id).with_for_update()
    ).all()
    _check_one(linked_id, [record.server for record in records])
    return records[0]


def _names(session: Session, record: CallRecord) -> tuple[str | None, str | None]:
    login = (
        session.scalar(select(User.login).where(User.id == record.agent_id))
        if record.agent_id is not None
        else None
    )
    number = (
        session.scalar(select(Member.number).where(Member.id == record.member_id))
        if record.member_id is not None
        else None
    )
    return login, number


def _written(
    session: Session, call: CallIn, caller_e164: str | None, record: CallRecord
) -> CallRecord:
    """``record`` (new, or a reconciled one replaced) holding exactly what ``call`` says."""
    values = new_call(call.model_dump(include=set(FIELDS)))
    agent_id = _agent(session, call.agent_login).id if call.agent_login else None
    member_id = _member_id(session, call.member_number) if call.member_number else None
    if call.disposition_code is not None:
        check_code_for_queue(session, call.disposition_code, call.queue)
    for name in NAMES:
        del values[name]
    for name, value in values.items():
        setattr(record, name, value)
    record.server, record.linked_id, record.caller_e164 = call.server, call.linked_id, caller_e164
    record.agent_id, record.member_id, record.reconciled = agent_id, member_id, False
    return record


def _linked_view(
    session: Session, record: CallRecord, login: str | None, number: str | None, *, new: bool
) -> CallRecordView:
    """Tie what was recorded during the call to its record; the record's view with it.

    A record just inserted has only what was tied now: read only when something was.
    """
    tied = link_pending(session, record)
    links = links_in(session, [record.id]) if tied or not new else NO_LINKS
    return call_view(record, login, number, links)


class CallLogService:
    """Writes and reads the call log."""

    def __init__(self, *, db: Database, clock: Clock = utcnow, default_region: str = "CN") -> None:
        self._db = db
        self.clock = clock
        self.default_region = default_region

    # -- writing ----------------------------------------------------------------------
    async def record(self, data: CallIn | dict[str, Any]) -> CallRecordView:
        """Create or merge forward the record of a call, by its server and linked id."""
        call = parse(CallIn, data)
        caller_e164 = caller_number_to_e164(call.caller, self.default_region)
        work = partial(self._record, call=call, caller_e164=caller_e164)
        try:
            return await self._db.run_write(work)
        except IntegrityError:
            # Two first writes of one call raced to insert (PostgreSQL): the loser merges.
            return await self._db.run_write(work)

    def _record(self, session: Session, *, call: CallIn, caller_e164: str | None) -> CallRecordView:
        incoming = call.model_dump(include=set(FIELDS))
        lock_call(session, call.linked_id)
        record = _locked(session, call.server, call.linked_id)
        if record is None or record.reconciled:  # a live write replaces a reconciled record
            fresh = record is None
            record = _written(session, call, caller_e164, record or CallRecord())
            if fresh:
                record.created_at = self.clock()
                session.add(record)
            session.flush()
            return _linked_view(session, record, call.agent_login, call.member_number, new=fresh)
        login, number = _names(session, record)
        stored = {name: getattr(record, name) for name in FIELDS if name not in NAMES}
        stored.update(agent_login=login, member_number=number, abandoned=record.abandoned)
        changes = merge(stored, incoming, linked_id=call.linked_id)
        if not changes:
            return _linked_view(session, record, login, number, new=False)
        # Every check before the first change: a refused write leaves the record as it was.
        agent_login = changes.pop("agent_login", None)
        member_number = changes.pop("member_number", None)
        agent_id = _agent(session, agent_login).id if agent_login else record.agent_id
        member_id = _member_id(session, member_number) if member_number else record.member_id
        if "disposition_code" in changes:
            check_code_for_queue(
                session, changes["disposition_code"], changes.get("queue", record.queue)
            )
        record.agent_id, record.member_id = agent_id, member_id
        for name, value in changes.items():
            setattr(record, name, value)
        session.flush()
        return _linked_view(
            session, record, agent_login or login, member_number or number, new=False
        )

    async def reconcile(self, data: CallIn | dict[str, Any]) -> CallRecordView | None:
        """Record a call that ended while the service was down, marked reconciled; None
        (nothing written) when the call has a record already or one waits in the outbox."""
        call = parse(CallIn, data)
        caller_e164 = caller_number_to_e164(call.caller, self.default_region)

        def work(session: Session) -> CallRecordView | None:
            lock_call(session, call.linked_id)
            known = _locked(session, call.server, call.linked_id) is not None
            if known or is_parked(session, call.linked_id):
                return None
            record = _written(session, call, caller_e164, CallRecord(created_at=self.clock()))
            record.reconciled = True
            session.add(record)
            session.flush()
            return _linked_view(session, record, call.agent_login, call.member_number, new=True)

        try:
            return await self._db.run_write(work)
        except IntegrityError:  # a live write of the call came first: it stands
            return None

    # -- the outbox: records that could not be written ------------------------------------
    async def park(self, data: dict[str, Any], error: str) -> ParkedCall:
        """Keep a record that could not be written in the outbox, with the reason."""
        at = self.clock()
        return await self._db.run_write(lambda session: park(session, data, error, at))

    async def parked(self, *, after_id: int = 0, limit: int = 100) -> list[ParkedCall]:
        """Parked records with an id above ``after_id``, oldest first."""
        if not 1 <= limit <= MAX_PARKED_PAGE:
            raise InvalidInputError(f"limit must be 1 to {MAX_PARKED_PAGE}", limit=limit)
        async with self._db.read() as session:
            return await session.run_sync(parked, after_id=after_id, limit=limit)

    async def deliver_parked(self, parked_id: int) -> CallRecordView:
        """Write a parked record and drop it from the outbox, in one transaction.

        A refused write leaves it parked with one more attempt counted and the reason.
        """

        def work(session: Session) -> CallRecordView:
            row = take(session, parked_id)
            call = parse(CallIn, row.payload)
            view = self._record(
                session,
                call=call,
                caller_e164=caller_number_to_e164(call.caller, self.default_region),
            )
            session.delete(row)
            return view

        try:
            try:
                return await self._db.run_write(work)
            except IntegrityError:  # raced with another first write of the call: merge
                return await self._db.run_write(work)
        except CrmError as error:
            at = self.clock()
            reason = f"{error.error_id}: {error}"
            await self._db.run_write(lambda session: note_failure(session, parked_id, reason, at))
            raise

    async def set_disposition(
        self, linked_id: str, code: str, *, note: str | None = None, agent_login: str
    ) -> CallRecordView:
        """Close a call with a code valid for its queue (and a note); may be changed later.

        An agent may close only calls that are theirs or have no agent; supervisors and
        admins may close any call.
        """
        choice = parse(
            DispositionChoice,
            {"linked_id": linked_id, "code": code, "note": note, "agent_login": agent_login},
        )

        def work(session: Session) -> CallRecordView:
            record = _one_by_linked_id(session, choice.linked_id)
            user = _agent(session, choice.agent_login)
            if user.role is Role.AGENT and record.agent_id not in (None, user.id):
                raise NotYourCallError(
                    f"call {choice.linked_id} was handled by another agent",
                    linked_id=choice.linked_id,
                    agent_login=choice.agent_login,
                )
            check_code_for_queue(session, choice.code, record.queue)
            record.disposition_code, record.disposition_note = choice.code, choice.note
            session.flush()
            return call_view(record, *_names(session, record), links_in(session, [record.id]))

        return await self._db.run_write(work)

    # -- reading ----------------------------------------------------------------------
    async def get(self, linked_id: str) -> CallRecordView:
        """The call with this linked id."""
        async with self._db.read() as session:
            rows = (
                await session.execute(calls_with_names().where(CallRecord.linked_id == linked_id))
            ).all()
            _check_one(linked_id, [row[0].server for row in rows])
            record, login, number = rows[0]
            return call_view(record, login, number, await session.run_sync(links_in, [record.id]))

    async def search(self, query: CallQuery | dict[str, Any] | None = None) -> CallPage:
        """A page of the call log by member, agent, queue, number, direction and time."""
        filters = parse(CallQuery, query if query is not None else {})
        async with self._db.read() as session:
            return await search_calls(session, filters, self.default_region)

    async def last_calls(self, member_number: str, n: int = 5) -> list[CallRecordView]:
        """A member's last ``n`` calls, newest first (for the screen pop)."""
        if not 1 <= n <= MAX_LAST_CALLS:
            raise InvalidInputError(f"n must be 1 to {MAX_LAST_CALLS}", n=n)
        async with self._db.read() as session:
            member_id = await session.scalar(
                select(Member.id).where(Member.number == member_number)
            )
            if member_id is None:
                raise NotFoundError(f"no member {member_number!r}", member_number=member_number)
            rows = (
                await session.execute(
                    calls_with_names()
                    .where(CallRecord.member_id == member_id)
                    .order_by(CallRecord.started_at.desc(), CallRecord.id.desc())
                    .limit(n)
                )
            ).all()
            links = await session.run_sync(links_in, [record.id for record, _, _ in rows])
        return [call_view(record, login, number, links) for record, login, number in rows]


__all__ = ["CallLogService"]
