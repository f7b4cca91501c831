"""Disposition codes: defined everywhere, per queue or per campaign; listed, deactivated.

A call's valid codes are the active codes of scope ``all`` and those of its queue.
Campaign-scoped codes are for the outbound dialer, which checks them against its own
campaigns (call records carry no campaign).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from crm_core.calls.exceptions import (
    DispositionCodeNotFoundError,
    DuplicateDispositionCodeError,
    InvalidDispositionError,
)
from crm_core.calls.models import DispositionCode, DispositionScope
from crm_core.calls.schemas import DispositionIn, DispositionView
from crm_core.db.engine import Database
from crm_core.errors import InvalidInputError
from crm_core.validation import parse


def disposition_view(code: DispositionCode) -> DispositionView:
    """The data object of a stored code."""
    return DispositionView(
        code=code.code,
        label=code.label,
        scope_kind=code.scope_kind,
        scope=code.scope,
        active=code.active,
    )


def _in_scope(scope_kind: DispositionScope, scope: str | None) -> ColumnElement[bool]:
    # NULL never equals NULL in SQL, so the "all" scope is matched with IS NULL.
    scope_test = (
        DispositionCode.scope.is_(None) if scope is None else DispositionCode.scope == scope
    )
    return (DispositionCode.scope_kind == scope_kind) & scope_test


def _codes_for_queue(queue: str | None) -> ColumnElement[bool]:
    everywhere = DispositionCode.scope_kind == DispositionScope.ALL
    if queue is None:
        return everywhere
    return everywhere | _in_scope(DispositionScope.QUEUE, queue)


def check_code_for_queue(session: Session, code: str, queue: str | None) -> DispositionCode:
    """The active ``code`` valid on a call of ``queue``, or :class:`InvalidDispositionError`."""
    found = session.scalars(
        select(DispositionCode)
        .where(DispositionCode.code == code, DispositionCode.active, _codes_for_queue(queue))
        .order_by(DispositionCode.id)
    ).first()
    if found is None:
        valid = session.scalars(
            select(DispositionCode.code)
            .where(DispositionCode.active, _codes_for_queue(queue))
            .order_by(DispositionCode.code)
            .distinct()
        ).all()
        where = f"queue {queue}" if queue else "calls without a queue"
        raise InvalidDispositionError(
            f"disposition code {code!r} is not valid for {where}",
            code=code,
            queue=queue,
            valid_codes=list(valid),
        )
    return found


class DispositionService:
    """Configures the disposition codes agents close calls with."""

    def __init__(self, *, db: Database) -> None:
        self._db = db

    async def define(self, data: DispositionIn | dict[str, Any]) -> DispositionView:
        """Define a code in a scope; a deactivated code is brought back with the new label."""
        definition = parse(DispositionIn, data)

        def work(session: Session) -> DispositionView:
            existing = session.scalars(
                select(DispositionCode).where(
                    DispositionCode.code == definition.code,
                    _in_scope(definition.scope_kind, definition.scope),
                )
            ).first()
            if existing is not None and existing.active:
                raise DuplicateDispositionCodeError(
                    f"code {definition.code} is already defined for this scope",
                    code=definition.code,
                    scope_kind=definition.scope_kind.value,
                    scope=definition.scope,
                )
            if existing is None:
                existing = DispositionCode(
                    code=definition.code,
                    scope_kind=definition.scope_kind,
                    scope=definition.scope,
                    label=definition.label,
                    active=True,
                )
                session.add(existing)
            else:
                existing.label, existing.active = definition.label, True
            session.flush()
            return disposition_view(existing)

        return await self._db.run_write(work)

    async def deactivate(
        self,
        code: str,
        *,
        scope_kind: DispositionScope = DispositionScope.ALL,
        scope: str | None = None,
    ) -> DispositionView:
        """Stop offering a code in a scope; calls closed with it keep it."""
        key = parse(
            DispositionIn, {"code": code, "label": "-", "scope_kind": scope_kind, "scope": scope}
        )

        def work(session: Session) -> DispositionView:
            found = session.scalars(
                select(DispositionCode)
                .where(DispositionCode.code == key.code, _in_scope(key.scope_kind, key.scope))
                .with_for_update()
            ).first()
            if found is None:
                raise DispositionCodeNotFoundError(
                    f"no code {key.code} in that scope",
                    code=key.code,
                    scope_kind=key.scope_kind.value,
                    scope=key.scope,
                )
            found.active = False
            session.flush()
            return disposition_view(found)

        return await self._db.run_write(work)

    async def codes(
        self,
        *,
        scope_kind: DispositionScope | None = None,
        scope: str | None = None,
        include_inactive: bool = False,
    ) -> list[DispositionView]:
        """Defined codes, by scope kind, scope and code; filtered by scope if given."""
        if scope is not None and scope_kind is None:
            raise InvalidInputError("a scope needs its scope kind", scope=scope)
        query = select(DispositionCode).order_by(
            DispositionCode.scope_kind, DispositionCode.scope, DispositionCode.code
        )
        if scope_kind is not None:
            query = query.where(DispositionCode.scope_kind == scope_kind)
            if scope is not None:
                query = query.where(DispositionCode.scope == scope)
        if not include_inactive:
            query = query.where(DispositionCode.active)
        async with self._db.read() as session:
            return [disposition_view(code) for code in await session.scalars(query)]

    async def for_queue(self, queue: str | None) -> list[DispositionView]:
        """The codes an agent may pick for a call of ``queue``: queue codes first, by code."""
        query = select(DispositionCode).where(DispositionCode.active, _codes_for_queue(queue))
        async with self._db.read() as session:
            codes = list(await session.scalars(query))
        codes.sort(key=lambda c: (c.scope_kind is DispositionScope.ALL, c.code))
        seen: set[str] = set()
        views = []
        for code in codes:
            if code.code not in seen:  # a queue's own label wins over the global one
                seen.add(code.code)
                views.append(disposition_view(code))
        return views


__all__ = ["DispositionService", "check_code_for_queue", "disposition_view"]
