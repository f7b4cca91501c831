"""Members to a CSV file that :mod:`crm_core.io.members_csv` reads back."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, cast

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm_core.db.private import open_private
from crm_core.io.formulas import inert
from crm_core.io.members_csv import (
    COLUMNS,
    CUSTOM_PREFIX,
    PHONE_SEPARATOR,
    Progress,
    cell_text,
)
from crm_core.members.models import Member
from crm_core.members.schemas import MemberView
from crm_core.members.services import member_view

if TYPE_CHECKING:
    from crm_core.wiring import Crm


def _export_row(view: MemberView, custom_names: list[str]) -> list[str]:
    values: dict[str, Any] = {name: getattr(view, name) for name in COLUMNS if name != "phones"}
    values["kind"] = view.kind.value
    values["phones"] = PHONE_SEPARATOR.join(phone.e164 for phone in view.phones)
    cells = [cell_text(values[name]) for name in COLUMNS]
    cells += [cell_text(view.custom_fields.get(name)) for name in custom_names]
    return [inert(cell) for cell in cells]


async def export_members(
    crm: Crm, path: Path | str, *, progress: Progress | None = None, batch_size: int = 500
) -> int:
    """Write every member to a CSV file that :func:`import_members` reads; returns the count.

    A cell a spreadsheet would run as a formula is written inert (see
    :mod:`crm_core.io.formulas`). The file is UTF-8 with a byte-order mark (so
    spreadsheet programs show Chinese names); it replaces ``path`` only once complete,
    and only its owner may read it (mode 600).
    """
    target = Path(path)
    partial_file = target.with_name(target.name + ".part")
    async with crm.db.read() as session:
        total = await session.scalar(select(func.count(Member.id))) or 0
        names: set[str] = set()
        for custom in await session.scalars(select(Member.custom_fields)):
            names.update(custom or {})
    custom_names = sorted(names)
    if progress is not None:
        progress(0, total)
    output = await asyncio.to_thread(_open_for_writing, partial_file)
    try:
        writer = csv.writer(output)
        await asyncio.to_thread(
            writer.writerow, [*COLUMNS, *(CUSTOM_PREFIX + name for name in custom_names)]
        )
        done, last_id = 0, 0
        while True:
            async with crm.db.read() as session:
                members = list(
                    await session.scalars(
                        select(Member)
                        .where(Member.id > last_id)
                        .options(selectinload(Member.phones))
                        .order_by(Member.id)
                        .limit(batch_size)
                    )
                )
            if not members:
                break
            last_id = members[-1].id
            lines = [_export_row(member_view(member), custom_names) for member in members]
            await asyncio.to_thread(writer.writerows, lines)
            done += len(members)
            if progress is not None:
                progress(done, max(total, done))
    except BaseException:
        output.close()
        partial_file.unlink(missing_ok=True)
        raise
    output.close()
    partial_file.replace(target)
    return done


def _open_for_writing(path: Path) -> TextIO:
    return cast(TextIO, open_private(path, "w", encoding="utf-8-sig", newline=""))
