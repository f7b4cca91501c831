"""Member services: create, read, change (with history), find by caller number."""

from __future__ import annotations

import json
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from crm_core.db.engine import Database
from crm_core.errors import ConflictError, InvalidInputError, NotFoundError
from crm_core.loyalty.models import BonusEvent, PointsAccount
from crm_core.loyalty.services import PointsService
from crm_core.members.models import (
    Member,
    MemberChange,
    MemberKind,
    MemberPhone,
    MemberType,
    NumberSequence,
)
from crm_core.members.phones import normalise
from crm_core.members.schemas import (
    ChangeView,
    MemberBrief,
    MemberCreate,
    MemberUpdate,
    MemberView,
    PhoneView,
)
from crm_core.validation import parse

PREFIX = {MemberKind.INDIVIDUAL: "I", MemberKind.ORGANISATION: "E"}
PROFILE_FIELDS = tuple(
    name for name in MemberUpdate.model_fields if name not in ("phones", "custom_fields")
)


def member_view(member: Member) -> MemberView:
    """The data object of a loaded member (phones loaded)."""
    return MemberView(
        number=member.number,
        kind=member.kind,
        name=member.name,
        phones=tuple(PhoneView(p.e164, p.label) for p in member.phones),
        level=member.level,
        member_type=member.member_type,
        owner=member.owner,
        gender=member.gender,
        birthday=member.birthday,
        email=member.email,
        address=member.address,
        province=member.province,
        city=member.city,
        region=member.region,
        education=member.education,
        income_band=member.income_band,
        job_title=member.job_title,
        employer=member.employer,
        language=member.language,
        customer_category=member.customer_category,
        purchase_intent=member.purchase_intent,
        product_interest=member.product_interest,
        external_ref=member.external_ref,
        custom_fields=dict(member.custom_fields or {}),
        created_at=member.created_at,
    )


def next_member_number(session: Session, kind: MemberKind) -> str:
    """The next free number for ``kind``: ``I-00000001``, ``E-00000001``…"""
    prefix = PREFIX[kind]
    value = session.execute(
        update(NumberSequence)
        .where(NumberSequence.prefix == prefix)
        .values(last_value=NumberSequence.last_value + 1)
        .returning(NumberSequence.last_value)
    ).scalar_one_or_none()
    if value is None:
        session.add(NumberSequence(prefix=prefix, last_value=1))
        session.flush()
        value = 1
    return f"{prefix}-{value:08d}"


def load_member(session: Session, number: str) -> Member:
    """A member with its phones, or :class:`NotFoundError`."""
    member = session.scalars(
        select(Member).where(Member.number == number).options(selectinload(Member.phones))
    ).one_or_none()
    if member is None:
        raise NotFoundError(f"no member {number!r}", member_number=number)
    return member


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class MemberService:
    """Members and their change history; the loyalty account opens with the member."""

    def __init__(self, *, db: Database, points: PointsService, default_region: str) -> None:
        self._db = db
        self._points = points
        self.default_region = default_region

    def _phones(self, raw_numbers: list[str]) -> list[str]:
        e164s: list[str] = []
        for raw in raw_numbers:
            e164 = normalise(raw, self.default_region)
            if e164 not in e164s:
                e164s.append(e164)
        return e164s

    def _check_type(self, session: Session, member_type: str | None) -> None:
        if member_type is not None and session.get(MemberType, member_type) is None:
            raise InvalidInputError(f"unknown member type {member_type!r}", member_type=member_type)

    # -- writing ----------------------------------------------------------------------
    async def create(self, data: MemberCreate | dict[str, Any], *, actor: str) -> MemberView:
        """Register a member: number, phones, account, and the event bonuses that apply."""
        fields = parse(MemberCreate, data)
        phones = self._phones(fields.phones or [])
        return await self._db.run_write(
            partial(self.create_in, fields=fields, phones=phones, actor=actor)
        )

    def create_in(
        self, session: Session, *, fields: MemberCreate, phones: list[str], actor: str
    ) -> MemberView:
        """Create inside a caller's unit of work (imports); phones already normalised."""
        self._check_type(session, fields.member_type)
        if fields.external_ref and session.scalar(
            select(Member.id).where(Member.external_ref == fields.external_ref)
        ):
            raise ConflictError(
                f"a member with external ref {fields.external_ref!r} exists",
                external_ref=fields.external_ref,
            )
        referrer = load_member(session, fields.referred_by) if fields.referred_by else None
        values = fields.model_dump(
            exclude={"phones", "referred_by", "custom_fields", "kind"}, exclude_none=True
        )
        now = self._points.clock()
        member = Member(
            created_at=now,
            updated_at=now,
            number=next_member_number(session, fields.kind),
            kind=fields.kind,
            custom_fields=dict(fields.custom_fields or {}),
            referred_by_id=referrer.id if referrer else None,
            phones=[MemberPhone(e164=e164, position=i) for i, e164 in enumerate(phones)],
            **values,
        )
        session.add(member)
        session.flush()
        session.add(PointsAccount(member_id=member.id, valid=0, cumulative=0))
        session.flush()
        self._points.bonus_in(
            session,
            member.number,
            BonusEvent.REGISTRATION,
            operator=actor,
            idempotency_key=f"registration:{member.number}",
        )
        if fields.kind is MemberKind.ORGANISATION:
            self._points.bonus_in(
                session,
                member.number,
                BonusEvent.NEW_ORGANISATION_MEMBER,
                operator=actor,
                idempotency_key=f"new-organisation:{member.number}",
            )
        if referrer is not None:
            self._points.bonus_in(
                session,
                referrer.number,
                BonusEvent.REFERRAL,
                operator=actor,
                idempotency_key=f"referral:{member.number}",
            )
        return member_view(member)

    async def update(
        self, number: str, changes: MemberUpdate | dict[str, Any], *, actor: str
    ) -> MemberView:
        """Change a member; every changed field is written to the change history."""
        fields = parse(MemberUpdate, changes)
        phones = self._phones(fields.phones) if fields.phones is not None else None
        return await self._db.run_write(
            partial(self.update_in, number=number, fields=fields, phones=phones, actor=actor)
        )

    def update_in(
        self,
        session: Session,
        *,
        number: str,
        fields: MemberUpdate,
        phones: list[str] | None,
        actor: str,
        at: datetime | None = None,
    ) -> MemberView:
        """Apply changes inside a caller's unit of work; returns the member as it now is."""
        member = load_member(session, number)
        given = fields.model_fields_set
        changes: list[tuple[str, Any, Any]] = []
        if "member_type" in given:
            self._check_type(session, fields.member_type)
        for name in PROFILE_FIELDS:
            if name not in given:
                continue
            new = getattr(fields, name)
            if name in ("name", "level", "language") and new is None:
                raise InvalidInputError(f"{name} cannot be removed", field=name)
            old = getattr(member, name)
            if old != new:
                changes.append((name, old, new))
                setattr(member, name, new)
        if "custom_fields" in given:
            new_custom = dict(fields.custom_fields or {})
            if new_custom != (member.custom_fields or {}):
                changes.append(("custom_fields", member.custom_fields, new_custom))
                member.custom_fields = new_custom
        if phones is not None:
            old_phones = [p.e164 for p in member.phones]
            if old_phones != phones:
                changes.append(("phones", ", ".join(old_phones), ", ".join(phones)))
                kept = {p.e164: p for p in member.phones}
                member.phones = [kept.get(e164) or MemberPhone(e164=e164) for e164 in phones]
                for position, phone in enumerate(member.phones):
                    phone.position = position
        if changes:
            moment = at or self._points.clock()
            member.updated_at = moment
            for name, old, new in changes:
                session.add(
                    MemberChange(
                        member_id=member.id,
                        field=name,
                        old_value=_text(old),
                        new_value=_text(new),
                        changed_by=actor,
                        changed_at=moment,
                    )
                )
        session.flush()
        return member_view(member)

    async def add_member_type(self, code: str, name: str) -> None:
        """Define a member/card type such as ``gold`` → "Gold card" (idempotent)."""
        if not code.strip() or not name.strip():
            raise InvalidInputError("a member type needs a code and a name")

        def work(session: Session) -> None:
            existing = session.get(MemberType, code)
            if existing is None:
                session.add(MemberType(code=code, name=name))
            else:
                existing.name = name

        await self._db.run_write(work)

    # -- reading ----------------------------------------------------------------------
    async def get(self, number: str) -> MemberView:
        """The member with this number."""
        async with self._db.read() as session:
            member = (
                await session.scalars(
                    select(Member)
                    .where(Member.number == number)
                    .options(selectinload(Member.phones))
                )
            ).one_or_none()
            if member is None:
                raise NotFoundError(f"no member {number!r}", member_number=number)
            return member_view(member)

    async def history(self, number: str) -> list[ChangeView]:
        """The member's change history, oldest first."""
        async with self._db.read() as session:
            member_id = await session.scalar(select(Member.id).where(Member.number == number))
            if member_id is None:
                raise NotFoundError(f"no member {number!r}", member_number=number)
            rows = await session.scalars(
                select(MemberChange)
                .where(MemberChange.member_id == member_id)
                .order_by(MemberChange.changed_at, MemberChange.id)
            )
            return [
                ChangeView(c.field, c.old_value, c.new_value, c.changed_by, c.changed_at)
                for c in rows
            ]

    async def find_by_name(self, prefix: str, *, limit: int = 20) -> list[MemberBrief]:
        """Members whose name starts with ``prefix`` (an indexed prefix search), by name."""
        text = prefix.strip()
        if not text:
            raise InvalidInputError("a name to search for is required", field="name")
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = (
            select(Member.number, Member.name, Member.level, Member.member_type)
            .where(Member.name.like(f"{escaped}%", escape="\\"))
            .order_by(Member.name, Member.id)
            .limit(limit)
        )
        async with self._db.read() as session:
            return [MemberBrief(*row) for row in await session.execute(query)]
