"""Self-service rules: member PINs, lock-outs after wrong PINs, callbacks, survey calls.

A PIN entry is checked in three steps so that the slow argon2 verification never runs
inside a write unit of work: read the member's hash and lock-out guards, verify in a
worker thread, then write the outcome. Wrong entries are counted per caller number and
per member; ``PinPolicy.max_attempts`` wrong entries in a row lock both out of the
self-service for ``PinPolicy.lockout``. Wrong entries, lock-outs and entries refused
while locked are logged in ``pin_attempts``; a right entry is logged when it clears
earlier wrong entries (a plain success writes nothing, so identifying callers costs no
write).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from crm_core.activities.services import ActivityService
from crm_core.calls.models import CallRecord
from crm_core.db.engine import Database
from crm_core.db.statements import StatementRunner
from crm_core.db.types import utcnow
from crm_core.errors import ConflictError, NotFoundError
from crm_core.members.models import Member
from crm_core.members.phones import caller_number_to_e164
from crm_core.members.services import load_member
from crm_core.selfservice.models import (
    IvrCallback,
    IvrCallIdentity,
    IvrSurveyCall,
    MemberPin,
    PinAttempt,
    SelfServiceGuard,
)
from crm_core.selfservice.pin_checks import PinEntry, check_entry
from crm_core.selfservice.pins import check_new_pin
from crm_core.selfservice.schemas import (
    AttemptView,
    CallbackView,
    PinCheck,
    PinPolicy,
)
from crm_core.staff.passwords import PasswordHashing
from crm_core.surveys.models import SurveyResponse

Clock = Callable[[], datetime]


def _subjects(caller: str | None, member_number: str | None, region: str) -> list[str]:
    subjects = []
    phone = caller_number_to_e164(caller, region) if caller else None
    if phone is not None:
        subjects.append(f"phone:{phone}")
    if member_number is not None:
        subjects.append(f"member:{member_number}")
    return subjects


_GUARDS = SelfServiceGuard.__table__
_PINS = MemberPin.__table__
_MEMBERS = Member.__table__
# A caller has two subjects at most: their number and the member they claim to be.
GUARDS_OF = select(_GUARDS.c.failures, _GUARDS.c.locked_until).where(
    or_(_GUARDS.c.subject == bindparam("first"), _GUARDS.c.subject == bindparam("second"))
)
PIN_OF = (
    select(_PINS.c.pin_hash)
    .join(_MEMBERS, _MEMBERS.c.id == _PINS.c.member_id)
    .where(_MEMBERS.c.number == bindparam("number"))
)


@dataclass(frozen=True)
class _GuardState:
    """What the guards of a caller's subjects say before a PIN is checked."""

    locked_until: datetime | None
    marked: bool  # some failures or an old lock-out to clear on success


def _guard_state(run: StatementRunner, subjects: list[str], now: datetime) -> _GuardState:
    first, second = ([*subjects, *subjects][:2]) if subjects else ("", "")
    rows = run.all(GUARDS_OF, {"first": first, "second": second}) if subjects else []
    locks = [until for _, until in rows if until is not None and until > now]
    marked = any(failures or until is not None for failures, until in rows)
    return _GuardState(max(locks, default=None), marked)


def _member_id(session: Session, member_number: str | None) -> int | None:
    if member_number is None:
        return None
    return session.scalar(select(Member.id).where(Member.number == member_number))


class SelfService:
    """PINs, lock-outs, after-hours callbacks and IVR survey calls."""

    def __init__(
        self,
        *,
        db: Database,
        activities: ActivityService,
        default_region: str = "CN",
        clock: Clock = utcnow,
        hashing: PasswordHashing | None = None,
    ) -> None:
        self._db = db
        self._activities = activities
        self._region = default_region
        self.clock = clock
        self._hashing = hashing or PasswordHashing()

    # -- PINs -------------------------------------------------------------------------
    async def set_pin(self, member_number: str, pin: str, *, actor: str) -> None:
        """Give ``member_number`` a new PIN (4 to 8 digits); kept only as an argon2id hash."""
        pin_hash = await asyncio.to_thread(self._hashing.hash, check_new_pin(pin))
        now = self.clock()

        def work(session: Session) -> None:
            member = load_member(session, member_number)
            session.merge(
                MemberPin(member_id=member.id, pin_hash=pin_hash, set_by=actor, set_at=now)
            )
            session.execute(
                delete(SelfServiceGuard).where(
                    SelfServiceGuard.subject == f"member:{member_number}"
                )
            )

        await self._db.run_write(work)

    async def locked_until(
        self, *, caller: str | None, member_number: str | None = None
    ) -> datetime | None:
        """Until when the caller's number or the member is locked out (``None``: not locked)."""
        subjects = _subjects(caller, member_number, self._region)
        now = self.clock()
        state = await self._db.run_read(lambda run: _guard_state(run, subjects, now))
        return state.locked_until

    async def check_pin(
        self,
        member_number: str | None,
        code: str,
        *,
        caller: str | None,
        policy: PinPolicy,
        accept_number_tail: bool = False,
        call_linked_id: str | None = None,
    ) -> PinCheck:
        """Check a code typed for ``member_number`` (``None``: the member is unknown).

        The member's PIN *verifies* the caller. With ``accept_number_tail`` (a caller whose
        number names the member) the last 4 digits of the member number *identify* them,
        which is not a verification. Either is kept as the identity of the call
        ``call_linked_id``. One transaction (see :mod:`crm_core.selfservice.pin_checks`).
        """
        entry = PinEntry(
            member_number=member_number, code=code, caller=caller,
            subjects=_subjects(caller, member_number, self._region), policy=policy,
            accept_number_tail=accept_number_tail, call_linked_id=call_linked_id,
        )  # fmt: skip
        async with self._db.engine.connect() as connection:
            if self._db.is_sqlite:  # take the writer lock first: the guards are written
                connection = await connection.execution_options(sqlite_begin="IMMEDIATE")
            async with connection.begin():
                return await check_entry(
                    connection, entry, verify=self._hashing.verify, now=self.clock()
                )

    async def call_identity(self, call_linked_id: str, member_number: str) -> str | None:
        """How the IVR found the caller of a call to be the member: ``pin`` (verified),
        ``caller`` (identified by caller number and the member number's last digits) or
        ``None``; the strongest when there are several."""
        query = (
            select(IvrCallIdentity.method)
            .join(Member, Member.id == IvrCallIdentity.member_id)
            .where(IvrCallIdentity.call_linked_id == call_linked_id, Member.number == member_number)
        )
        async with self._db.read() as session:
            methods = set(await session.scalars(query))
        return "pin" if "pin" in methods else ("caller" if methods else None)

    async def attempts(
        self, *, member_number: str | None = None, limit: int = 50
    ) -> list[AttemptView]:
        """Logged PIN entries, newest first, of one member or of everyone."""
        query = (
            select(PinAttempt, Member.number)
            .outerjoin(Member, Member.id == PinAttempt.member_id)
            .order_by(PinAttempt.at.desc(), PinAttempt.id.desc())
            .limit(limit)
        )
        if member_number is not None:
            query = query.where(Member.number == member_number)
        async with self._db.read() as session:
            rows = (await session.execute(query)).all()
        return [AttemptView(row.at, row.caller, number, row.outcome) for row, number in rows]

    # -- after-hours callbacks --------------------------------------------------------
    async def leave_callback(
        self,
        *,
        caller: str,
        member_number: str | None,
        mailbox: str,
        message: str | None,
        due_at: datetime,
        call_linked_id: str | None = None,
    ) -> CallbackView:
        """Record an after-hours voicemail as a callback task due at ``due_at``.

        A member's callback is also logged as an activity on the member, so the next
        agent sees it in the member's history.
        """
        activity_id: int | None = None
        if member_number is not None:
            details: dict[str, Any] = {
                "member_number": member_number,
                "kind": "call",
                "subject": "Call back: voicemail left after hours",
                "body": f"Voicemail {message or '(unknown)'} in mailbox {mailbox} from "
                f"{caller}; call back from {due_at:%Y-%m-%d %H:%M} UTC.",
                "channel": caller,
            }
            activity_id = (await self._activities.log(details, actor="ivr")).id
        now = self.clock()

        def work(session: Session) -> CallbackView:
            row = IvrCallback(
                caller=caller,
                member_id=_member_id(session, member_number),
                call_linked_id=call_linked_id,
                mailbox=mailbox,
                message=message,
                left_at=now,
                due_at=due_at,
                activity_id=activity_id,
            )
            session.add(row)
            session.flush()
            return _callback_view(row, member_number)

        return await self._db.run_write(work)

    async def complete_callback(self, callback_id: int) -> CallbackView:
        """Mark a callback task done (the caller was called back); done once only."""
        now = self.clock()

        def work(session: Session) -> CallbackView:
            row = session.get(IvrCallback, callback_id)
            if row is None:
                raise NotFoundError(f"no callback task {callback_id}", callback_id=callback_id)
            if row.done_at is not None:
                raise ConflictError(
                    f"callback task {callback_id} is done already", done_at=row.done_at
                )
            row.done_at = now
            number = session.scalar(select(Member.number).where(Member.id == row.member_id))
            return _callback_view(row, number)

        return await self._db.run_write(work)

    async def callbacks_due(self, until: datetime) -> list[CallbackView]:
        """Open callbacks due by ``until``, oldest first."""
        query = (
            select(IvrCallback, Member.number)
            .outerjoin(Member, Member.id == IvrCallback.member_id)
            .where(IvrCallback.done_at.is_(None), IvrCallback.due_at <= until)
            .order_by(IvrCallback.due_at, IvrCallback.id)
        )
        async with self._db.read() as session:
            rows = (await session.execute(query)).all()
        return [_callback_view(row, number) for row, number in rows]

    # -- survey calls -----------------------------------------------------------------
    async def link_survey_call(self, response_id: int, call_linked_id: str) -> None:
        """Note the call an IVR survey response was given on."""

        def work(session: Session) -> None:
            session.merge(IvrSurveyCall(response_id=response_id, call_linked_id=call_linked_id))

        await self._db.run_write(work)

    async def attach_survey_calls(self, call_linked_id: str) -> int:
        """Tie the IVR survey responses of a call to its call record, now written; how many.

        A call keeps at most one response per questionnaire: a second one stays untied
        (still found through ``ivr_survey_calls``) rather than fail the write.
        """

        def work(session: Session) -> int:
            call_id = session.scalar(
                select(CallRecord.id).where(CallRecord.linked_id == call_linked_id)
            )
            if call_id is None:
                return 0
            pending = session.execute(
                select(SurveyResponse.id, SurveyResponse.questionnaire_id)
                .join(IvrSurveyCall, IvrSurveyCall.response_id == SurveyResponse.id)
                .where(
                    IvrSurveyCall.call_linked_id == call_linked_id,
                    SurveyResponse.call_id.is_(None),
                )
                .order_by(SurveyResponse.id)
            ).all()
            taken = set(
                session.scalars(
                    select(SurveyResponse.questionnaire_id).where(SurveyResponse.call_id == call_id)
                )
            )
            tied = 0
            for response_id, questionnaire_id in pending:
                if questionnaire_id not in taken:
                    session.execute(
                        update(SurveyResponse)
                        .where(SurveyResponse.id == response_id)
                        .values(call_id=call_id)
                    )
                    taken.add(questionnaire_id)
                    tied += 1
            return tied

        return await self._db.run_write(work)

    async def survey_call(self, response_id: int) -> str | None:
        """The linked id of the call an IVR survey response was given on."""
        async with self._db.read() as session:
            return await session.scalar(
                select(IvrSurveyCall.call_linked_id).where(IvrSurveyCall.response_id == response_id)
            )


def _callback_view(row: IvrCallback, member_number: str | None) -> CallbackView:
    return CallbackView(
        id=row.id,
        caller=row.caller,
        member_number=member_number,
        call_linked_id=row.call_linked_id,
        mailbox=row.mailbox,
        message=row.message,
        left_at=row.left_at,
        due_at=row.due_at,
        activity_id=row.activity_id,
        done_at=row.done_at,
    )
