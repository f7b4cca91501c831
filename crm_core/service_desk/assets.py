"""Member assets: the products members own (serial number, purchase date, warranty end)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_core.db.engine import Database
from crm_core.db.types import utcnow
from crm_core.errors import InvalidInputError, NotFoundError
from crm_core.loyalty.services import Clock
from crm_core.members.models import Member
from crm_core.members.services import load_member
from crm_core.service_desk.common import load_user, row_id
from crm_core.service_desk.exceptions import DuplicateAssetError
from crm_core.service_desk.models import MemberAsset
from crm_core.service_desk.schemas import AssetCreate, AssetUpdate
from crm_core.service_desk.views import AssetView
from crm_core.validation import parse

T = TypeVar("T")


def asset_view(session: Session, asset: MemberAsset) -> AssetView:
    """The data object of an asset."""
    member_number = session.scalar(select(Member.number).where(Member.id == asset.member_id))
    return AssetView(
        id=asset.id,
        member_number=member_number or "",
        product_code=asset.product_code,
        product_name=asset.product_name,
        serial=asset.serial,
        purchase_date=asset.purchase_date,
        warranty_end=asset.warranty_end,
    )


def _load(session: Session, asset_id: int) -> MemberAsset:
    asset = session.get(MemberAsset, asset_id)
    if asset is None:
        raise NotFoundError(f"no asset {asset_id}", asset_id=asset_id)
    return asset


class AssetService:
    """Register and read members' assets."""

    def __init__(self, *, db: Database, clock: Clock = utcnow) -> None:
        self._db = db
        self.clock = clock

    async def register(
        self, member_number: str, data: AssetCreate | dict[str, Any], *, actor: str
    ) -> AssetView:
        """Record a product a member owns; a serial is unique per product."""
        asset = parse(AssetCreate, data)
        now = self.clock()

        def work(session: Session) -> AssetView:
            user = load_user(session, actor)
            member = load_member(session, member_number)
            if session.scalar(
                select(MemberAsset.id).where(
                    MemberAsset.product_code == asset.product_code,
                    MemberAsset.serial == asset.serial,
                )
            ):
                raise DuplicateAssetError(
                    f"{asset.product_code} serial {asset.serial} is already registered",
                    product_code=asset.product_code,
                    serial=asset.serial,
                )
            row = MemberAsset(
                member_id=member.id,
                product_code=asset.product_code,
                product_name=asset.product_name,
                serial=asset.serial,
                purchase_date=asset.purchase_date,
                warranty_end=asset.warranty_end,
                created_by=user.login,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return asset_view(session, row)

        return await self._db.run_write(work)

    async def update(
        self, asset_id: int, data: AssetUpdate | dict[str, Any], *, actor: str
    ) -> AssetView:
        """Change an asset's name, purchase date or warranty end."""
        changes = parse(AssetUpdate, data)
        wanted = row_id(asset_id, "asset_id")

        def work(session: Session) -> AssetView:
            load_user(session, actor)
            asset = _load(session, wanted)
            for name in changes.model_fields_set:
                setattr(asset, name, getattr(changes, name))
            if (
                asset.purchase_date is not None
                and asset.warranty_end is not None
                and asset.warranty_end < asset.purchase_date
            ):
                raise InvalidInputError(
                    "the warranty ends before the purchase date",
                    purchase_date=asset.purchase_date.isoformat(),
                    warranty_end=asset.warranty_end.isoformat(),
                )
            session.flush()
            return asset_view(session, asset)

        return await self._db.run_write(work)

    async def get(self, asset_id: int) -> AssetView:
        """An asset by id."""
        wanted = row_id(asset_id, "asset_id")
        return await self._read(lambda session: asset_view(session, _load(session, wanted)))

    async def of_member(self, member_number: str) -> list[AssetView]:
        """A member's assets, oldest first."""

        def read(session: Session) -> list[AssetView]:
            member = load_member(session, member_number)
            rows = session.scalars(
                select(MemberAsset)
                .where(MemberAsset.member_id == member.id)
                .order_by(MemberAsset.id)
            ).all()
            return [asset_view(session, row) for row in rows]

        return await self._read(read)

    async def _read(self, read: Callable[[Session], T]) -> T:
        async with self._db.read() as session:
            return await session.run_sync(read)
