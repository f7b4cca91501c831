"""The recording index service: open, mark PCI pauses, finish, find, hold and delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import ConflictError, InvalidInputError, NotFoundError
from crm_core.loyalty.services import Clock
from crm_core.recording_index.models import Recording, RecordingPause, RecordingStatus
from crm_core.recording_index.schemas import (
    PauseView,
    RecordingIn,
    RecordingQuery,
    RecordingView,
)
from crm_core.validation import parse

MAX_REASON = 200


class RecordingNotFoundError(NotFoundError):
    """No recording with this id."""

    error_id = "recording-not-found"


class LegalHoldError(ConflictError):
    """The recording is on legal hold: it may not be deleted."""

    error_id = "legal-hold"


def recording_view(row: Recording) -> RecordingView:
    """The data object of an indexed recording (its pauses loaded)."""
    return RecordingView(
        id=row.id,
        file_name=row.file_name,
        call_id=row.call_id,
        queue=row.queue,
        campaign=row.campaign,
        agent_login=row.agent_login,
        member_number=row.member_number,
        started_at=row.started_at,
        ended_at=row.ended_at,
        status=row.status,
        duration_seconds=row.duration_seconds,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        problem=row.problem,
        legal_hold=row.legal_hold,
        legal_hold_reason=row.legal_hold_reason,
        pauses=tuple(PauseView(p.paused_at, p.resumed_at, p.by) for p in row.pauses),
    )


def _by_id(recording_id: int) -> Select[Recording]:
    return (
        select(Recording)
        .options(selectinload(Recording.pauses))
        .where(Recording.id == recording_id)
    )


def _found(row: Recording | None, recording_id: int) -> Recording:
    if row is None:
        raise RecordingNotFoundError(f"no recording {recording_id}", recording_id=recording_id)
    return row


def _load(session: Session, recording_id: int) -> Recording:
    return _found(session.scalars(_by_id(recording_id)).one_or_none(), recording_id)


def _past(after: RecordingView, *, newer_first: bool) -> ColumnElement[bool]:
    """Rows after ``after`` in (started_at, id) order, newest or oldest first."""
    if newer_first:
        return or_(
            Recording.started_at < after.started_at,
            and_(Recording.started_at == after.started_at, Recording.id < after.id),
        )
    return or_(
        Recording.started_at > after.started_at,
        and_(Recording.started_at == after.started_at, Recording.id > after.id),
    )


class RecordingIndex:
    """Keeps the index in step with the files Asterisk writes."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def open(self, data: RecordingIn | dict[str, Any]) -> RecordingView:
        """Index a recording that has just started."""
        recording = parse(RecordingIn, data)

        def work(session: Session) -> RecordingView:
            if session.scalar(
                select(Recording.id).where(Recording.file_name == recording.file_name)
            ):
                raise ConflictError(f"{recording.file_name} is indexed already")
            row = Recording(**recording.model_dump(), status=RecordingStatus.RECORDING, pauses=[])
            session.add(row)
            session.flush()
            return recording_view(row)

        return await self._db.run_write(work)

    async def pause(self, recording_id: int, *, by: str | None = None) -> RecordingView:
        """Mark the start of a PCI pause (the recording is muted from now)."""
        at = self.clock()

        def work(session: Session) -> RecordingView:
            row = _load(session, recording_id)
            if row.pauses and row.pauses[-1].resumed_at is None:
                raise ConflictError("the recording is paused already", recording_id=recording_id)
            row.pauses.append(RecordingPause(paused_at=at, by=by))
            session.flush()
            return recording_view(row)

        return await self._db.run_write(work)

    async def resume(self, recording_id: int) -> RecordingView:
        """Mark the end of the open PCI pause."""
        at = self.clock()

        def work(session: Session) -> RecordingView:
            row = _load(session, recording_id)
            if not row.pauses or row.pauses[-1].resumed_at is not None:
                raise ConflictError("the recording is not paused", recording_id=recording_id)
            row.pauses[-1].resumed_at = at
            session.flush()
            return recording_view(row)

        return await self._db.run_write(work)

    async def finish(
        self,
        recording_id: int,
        *,
        status: RecordingStatus,
        duration_seconds: float | None,
        size_bytes: int | None,
        sha256: str | None,
        problem: str | None = None,
        ended_at: datetime | None = None,
    ) -> RecordingView:
        """Record what the finished file holds (or that it is missing or truncated)."""
        end = ended_at or self.clock()

        def work(session: Session) -> RecordingView:
            row = _load(session, recording_id)
            row.ended_at = row.ended_at or end
            if row.pauses and row.pauses[-1].resumed_at is None:
                row.pauses[-1].resumed_at = row.ended_at
            row.status = status
            row.duration_seconds = duration_seconds
            row.size_bytes = size_bytes
            row.sha256 = sha256
            row.problem = problem[:200] if problem else None
            session.flush()
            return recording_view(row)

        return await self._db.run_write(work)

    async def get(self, recording_id: int) -> RecordingView:
        """One recording by id."""
        async with self._db.read() as session:
            row = (await session.scalars(_by_id(recording_id))).one_or_none()
        return recording_view(_found(row, recording_id))

    async def search(
        self,
        query: RecordingQuery | dict[str, Any] | None = None,
        *,
        after: RecordingView | None = None,
    ) -> list[RecordingView]:
        """Recordings by time, queue, agent, member, call, status or hold; newest first.

        ``after`` (the last recording of the previous page) gives the next page.
        """
        filters = parse(RecordingQuery, query if query is not None else {})
        statement = select(Recording).options(selectinload(Recording.pauses))
        if after is not None:
            statement = statement.where(_past(after, newer_first=True))
        if filters.since is not None:
            statement = statement.where(Recording.started_at >= filters.since)
        if filters.until is not None:
            statement = statement.where(Recording.started_at < filters.until)
        for column, value in (
            (Recording.queue, filters.queue),
            (Recording.agent_login, filters.agent_login),
            (Recording.member_number, filters.member_number),
            (Recording.call_id, filters.call_id),
            (Recording.status, filters.status),
            (Recording.legal_hold, filters.legal_hold),
        ):
            if value is not None:
                statement = statement.where(column == value)
        statement = statement.order_by(Recording.started_at.desc(), Recording.id.desc())
        async with self._db.read() as session:
            rows = (await session.scalars(statement.limit(filters.limit))).all()
            return [recording_view(row) for row in rows]

    async def set_legal_hold(
        self, recording_id: int, *, hold: bool, reason: str | None = None
    ) -> RecordingView:
        """Put a recording on legal hold (with a reason) or release it."""
        if hold and not (reason and reason.strip()):
            raise InvalidInputError("a legal hold needs a reason", field="reason")

        def work(session: Session) -> RecordingView:
            row = _load(session, recording_id)
            row.legal_hold = hold
            row.legal_hold_reason = reason.strip()[:MAX_REASON] if hold and reason else None
            session.flush()
            return recording_view(row)

        return await self._db.run_write(work)

    async def older_than(
        self, before: datetime, *, limit: int = 10_000, after: RecordingView | None = None
    ) -> list[RecordingView]:
        """Recordings started before ``before`` that are not on legal hold (purge candidates),
        oldest first; ``after`` (the last of the previous page) gives the next page."""
        statement = (
            select(Recording)
            .options(selectinload(Recording.pauses))
            .where(Recording.started_at < before, Recording.legal_hold.is_(False))
            .where(Recording.status != RecordingStatus.RECORDING)
        )
        if after is not None:
            statement = statement.where(_past(after, newer_first=False))
        statement = statement.order_by(Recording.started_at, Recording.id).limit(limit)
        async with self._db.read() as session:
            rows = (await session.scalars(statement)).all()
            return [recording_view(row) for row in rows]

    async def delete(self, recording_id: int) -> RecordingView:
        """Remove a recording from the index; refused while it is on legal hold."""
        return await self._db.run_write(lambda session: delete_recording(session, recording_id))


def delete_recording(session: Session, recording_id: int) -> RecordingView:
    """Remove a recording from the index in the caller's transaction (a worker's, fenced by
    its lease); :class:`LegalHoldError` while it is on legal hold."""
    row = _load(session, recording_id)
    if row.legal_hold:
        raise LegalHoldError(
            f"recording {recording_id} is on legal hold", recording_id=recording_id
        )
    view = recording_view(row)
    session.delete(row)
    session.flush()
    return view


__all__ = [
    "LegalHoldError", "RecordingIndex", "RecordingNotFoundError", "delete_recording",
    "recording_view",
]  # fmt: skip
