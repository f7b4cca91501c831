"""Importing and exporting members as CSV, through the library and the ``ctidesk`` command."""

from __future__ import annotations

import asyncio
import csv
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from crm_core.db.migrate import upgrade
from crm_core.errors import ConflictError, InvalidInputError
from crm_core.io import COLUMNS, BadRow, ImportReport, export_members, import_members
from crm_core.members.models import Member, MemberChange
from crm_core.members.schemas import MemberView
from crm_core.wiring import Crm, build_crm
from cti.cli import app
from tests.support.paths import MEMBER_FIXTURES

FIXTURES = MEMBER_FIXTURES
GOOD = FIXTURES / "good.csv"
BAD = FIXTURES / "bad.csv"
BAD_LINES = {
    4: "phones",
    5: "level",
    6: "birthday",
    7: "unknown member 'I-09999999'",
    8: "unknown member type 'platinum'",
    9: "duplicate of line 2",
    10: "name",
}


async def new_crm(path: Path) -> Crm:
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    crm = build_crm(database_url=url)
    await crm.members.add_member_type("gold", "Gold card")
    return crm


@pytest.fixture
async def crm(tmp_path: Path) -> AsyncIterator[Crm]:
    service = await new_crm(tmp_path / "crm.db")
    yield service
    await service.close()


async def count(crm: Crm, model: type[Any]) -> int:
    async with crm.db.read() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def all_members(crm: Crm) -> list[MemberView]:
    async with crm.db.read() as session:
        numbers = list(await session.scalars(select(Member.number).order_by(Member.id)))
    return [await crm.members.get(number) for number in numbers]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows(rows)
    return path


async def test_good_file_creates_members_with_chinese_and_latin_names(crm: Crm) -> None:
    report = await import_members(crm, GOOD)

    assert report == ImportReport(created=5, updated=0, unchanged=0, bad=[])
    [zhang] = await crm.directory.lookup("13812345678")
    member = await crm.members.get(zhang.number)
    assert member.name == "张三"
    assert [p.e164 for p in member.phones] == ["+8613812345678", "+861062345678"]
    assert (member.birthday, member.level, member.member_type) == (date(1985, 3, 14), 3, "gold")
    assert (member.city, member.address, member.owner) == ("北京", "朝阳区建国路88号", "agent01")
    assert member.custom_fields == {"source": "门店"}
    assert member.external_ref == "CRM-001"
    [li] = await crm.directory.lookup("+8613987654321")
    assert (await crm.members.get(li.number)).custom_fields == {
        "source": "网站",
        "note": "喜欢乌龙茶, 周末来电",
    }
    [smith] = await crm.directory.lookup("+442079460958")
    assert (smith.name, (await crm.members.get(smith.number)).language) == ("John Smith", "en")
    [company] = await crm.directory.lookup("075583456789")
    assert company.number.startswith("E-")
    [emilie] = await crm.directory.lookup("+33612345678")
    assert emilie.name == "Émilie Dubois"


async def test_reimport_changes_nothing(crm: Crm) -> None:
    await import_members(crm, GOOD)
    before = await all_members(crm)
    history_rows = await count(crm, MemberChange)

    report = await import_members(crm, GOOD, actor="again")

    assert report == ImportReport(unchanged=5)
    assert await count(crm, MemberChange) == history_rows
    assert await all_members(crm) == before


async def test_bad_rows_are_reported_by_line_and_the_rest_imported(crm: Crm) -> None:
    report = await import_members(crm, BAD)

    assert [bad.line for bad in report.bad] == sorted(BAD_LINES)
    for bad in report.bad:
        assert BAD_LINES[bad.line] in bad.message, bad
    assert "level" in report.bad[1].message
    assert "5" in report.bad[1].message
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert await count(crm, Member) == 2
    [wang] = await crm.directory.lookup("13700001111")
    assert (await crm.members.get(wang.number)).address == "上海市\n浦东新区世纪大道100号"

    again = await import_members(crm, BAD)
    assert again.bad == report.bad
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


async def test_every_problem_of_a_row_is_reported_at_once(crm: Crm, tmp_path: Path) -> None:
    rows = write_csv(
        tmp_path / "rows.csv",
        [
            ["name", "phones", "birthday", "level", "member_type", "kind", "email"],
            ["张三", "13812345678;999", "14/03/1985", "0", "platinum", "person", "zhangsan@"],
            ["", "", "", "", "", "", ""],
            ["李四", "13912345678", "", "", "", "", ""],
        ],
    )

    report = await import_members(crm, rows)

    assert report.created == 1
    [bad] = report.bad
    assert bad.line == 2
    for problem in ("birthday: '14/03/1985'", "kind: 'person'", "phones: '999'", "level:"):
        assert problem in bad.message
    assert "email: Value error, not an e-mail address" in bad.message
    assert "member_type: unknown member type 'platinum'" in bad.message


async def test_changed_row_updates_the_member_and_records_history(crm: Crm, tmp_path: Path) -> None:
    await import_members(crm, GOOD)
    changed = write_csv(
        tmp_path / "changed.csv",
        [
            ["external_ref", "name", "city", "level", "phones", "custom.source"],
            ["CRM-001", "张三", "上海", "4", "13812345678", "门店"],
            ["CRM-002", "李小红", "深圳", "2", "13987654321", "网站"],
        ],
    )

    report = await import_members(crm, changed, actor="ops-lead")

    assert report == ImportReport(updated=1, unchanged=1)
    [zhang] = await crm.directory.lookup("13812345678")
    member = await crm.members.get(zhang.number)
    assert (member.city, member.level, [p.e164 for p in member.phones]) == (
        "上海",
        4,
        ["+8613812345678"],
    )
    assert member.custom_fields == {"source": "门店"}
    history = await crm.members.history(zhang.number)
    assert {(c.field, c.old_value, c.new_value) for c in history} == {
        ("city", "北京", "上海"),
        ("level", "3", "4"),
        ("phones", "+8613812345678, +861062345678", "+8613812345678"),
    }
    assert {c.changed_by for c in history} == {"ops-lead"}
    assert await crm.directory.lookup("010-62345678") == []


async def test_rows_match_by_number_then_external_ref_then_name_and_phone(
    crm: Crm, tmp_path: Path
) -> None:
    await import_members(crm, GOOD)
    [smith] = await crm.directory.lookup("+442079460958")
    [zhang] = await crm.directory.lookup("13812345678")
    rows = write_csv(
        tmp_path / "rows.csv",
        [
            ["number", "external_ref", "name", "phones", "owner", "kind"],
            [zhang.number, "", "", "", "agent09", ""],
            ["", "", "John Smith", "+44 20 7946 0958;+447911123456", "agent07", ""],
            ["", "", "John Smith", "+442079460958", "", ""],
            ["", "CRM-002", "", "", "", "organisation"],
            ["", "", "Nobody", "", "", ""],
            ["", "", "Jane Smith", "+442079460958", "", ""],
            ["", "CRM-001", "", "", "agent10", ""],
        ],
    )

    report = await import_members(crm, rows)

    assert (report.created, report.updated, report.unchanged) == (1, 2, 0)
    assert [bad.line for bad in report.bad] == [4, 5, 6, 8]
    assert report.bad[0].message == "duplicate of line 3"
    assert "kind" in report.bad[1].message
    assert "external_ref or a phone" in report.bad[2].message
    assert report.bad[3].message == "duplicate of line 2"
    assert (await crm.members.get(zhang.number)).owner == "agent09"
    john = await crm.members.get(smith.number)
    assert (john.owner, [p.e164 for p in john.phones]) == (
        "agent07",
        ["+442079460958", "+447911123456"],
    )
    assert [m.name for m in await crm.directory.lookup("+442079460958")] == [
        "John Smith",
        "Jane Smith",
    ]


async def test_a_row_failing_inside_a_batch_does_not_lose_the_others(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_in = crm.members.create_in

    def failing_create_in(session: Any, **kwargs: Any) -> MemberView:
        if kwargs["fields"].name == "John Smith":
            raise ConflictError("the phone switch is busy")
        return create_in(session, **kwargs)

    monkeypatch.setattr(crm.members, "create_in", failing_create_in)
    seen: list[tuple[int, int]] = []

    report = await import_members(
        crm, GOOD, batch_size=2, progress=lambda done, total: seen.append((done, total))
    )

    assert report.bad == [BadRow(4, "the phone switch is busy")]
    assert report.created == 4
    assert await count(crm, Member) == 4
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]


async def test_file_problems_refuse_the_whole_file(crm: Crm, tmp_path: Path) -> None:
    unknown = write_csv(tmp_path / "unknown.csv", [["name", "phone", "vip"], ["张三", "1", "y"]])
    with pytest.raises(InvalidInputError, match=r"unknown columns: 'phone', 'vip'"):
        await import_members(crm, unknown)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="no header"):
        await import_members(crm, empty)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("name,phones\nÉmilie,13700001111\n".encode("latin-1"))
    with pytest.raises(InvalidInputError, match="not UTF-8"):
        await import_members(crm, latin1)
    assert await count(crm, Member) == 0


async def test_export_then_import_changes_nothing(crm: Crm, tmp_path: Path) -> None:
    await import_members(crm, GOOD)
    [zhang] = await crm.directory.lookup("13812345678")
    await crm.members.update(zhang.number, {"custom_fields": {"visits": 3}}, actor="agent")
    history_rows = await count(crm, MemberChange)
    exported = tmp_path / "members.csv"
    seen: list[tuple[int, int]] = []

    assert await export_members(crm, exported, progress=lambda *p: seen.append(p)) == 5

    assert seen[0] == (0, 5)
    assert seen[-1] == (5, 5)
    with exported.open(encoding="utf-8-sig", newline="") as source:
        header, *rows = list(csv.reader(source))
    assert header == [*COLUMNS, "custom.note", "custom.source", "custom.visits"]
    assert len(rows) == 5
    assert exported.read_bytes().startswith(b"\xef\xbb\xbf")
    report = await import_members(crm, exported)
    assert report == ImportReport(unchanged=5)
    assert await count(crm, MemberChange) == history_rows


async def test_export_moves_members_into_an_empty_database(crm: Crm, tmp_path: Path) -> None:
    await import_members(crm, GOOD)
    exported = tmp_path / "members.csv"
    await export_members(crm, exported)
    target = await new_crm(tmp_path / "other.db")
    try:
        strict = await import_members(target, exported)
        assert [bad.line for bad in strict.bad] == [2, 3, 4, 5, 6]
        assert all("unknown member" in bad.message for bad in strict.bad)
        assert await count(target, Member) == 0

        moved = await import_members(target, exported, match_number=False)

        assert moved == ImportReport(created=5)
        assert [without_dates(m) for m in await all_members(target)] == [
            without_dates(m) for m in await all_members(crm)
        ]
        again = await import_members(target, exported, match_number=False)
        assert again == ImportReport(unchanged=5)
    finally:
        await target.close()


def without_dates(member: MemberView) -> MemberView:
    return replace(member, created_at=None)


def cli(*args: str, env: dict[str, str]) -> Any:
    """Run ``ctidesk`` in a thread: the command runs its own event loop."""
    return CliRunner().invoke(app, list(args), env=env)


async def test_cli_import_export_show_find_history(tmp_path: Path) -> None:
    env = {"CTIDESK_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", "COLUMNS": "200"}
    upgraded = await asyncio.to_thread(cli, "db", "upgrade", env=env)
    assert upgraded.exit_code == 0, upgraded.output
    crm = build_crm(database_url=env["CTIDESK_DATABASE_URL"])
    await crm.members.add_member_type("gold", "Gold card")
    await crm.close()

    good = await asyncio.to_thread(cli, "members", "import", str(GOOD), env=env)
    assert good.exit_code == 0, good.output
    assert re.search(r"│\s+5\s+│\s+5\s+│\s+0\s+│\s+0\s+│\s+0\s+│", good.output), good.output

    bad = await asyncio.to_thread(cli, "members", "import", str(BAD), "--actor", "ops", env=env)
    assert bad.exit_code == 3, bad.output
    for line in BAD_LINES:
        assert re.search(rf"│\s+{line}\s+│", bad.output), (line, bad.output)
    assert "duplicate of line 2" in bad.output

    unknown = write_csv(tmp_path / "unknown.csv", [["name", "vip"], ["张三", "y"]])
    refused = await asyncio.to_thread(cli, "members", "import", str(unknown), env=env)
    assert refused.exit_code == 1
    assert "unknown columns: 'vip'" in refused.output

    exported = tmp_path / "out.csv"
    export = await asyncio.to_thread(cli, "members", "export", str(exported), env=env)
    assert export.exit_code == 0, export.output
    assert "Exported 7 members" in export.output
    moved = await asyncio.to_thread(
        cli, "members", "import", str(exported), "--ignore-numbers", env=env
    )
    assert moved.exit_code == 0, moved.output

    found = await asyncio.to_thread(cli, "members", "find", "013812345678", env=env)
    assert found.exit_code == 0, found.output
    assert "张三" in found.output
    assert "★★★☆☆" in found.output
    number = re.search(r"I-\d{8}", found.output)
    assert number is not None
    nobody = await asyncio.to_thread(cli, "members", "find", "13900000000", env=env)
    assert "no member has this number" in nobody.output

    shown = await asyncio.to_thread(cli, "members", "show", number.group(), env=env)
    assert shown.exit_code == 0, shown.output
    for text in ("张三", "★★★☆☆", "+8613812345678", "agent01", "gold", "valid", "门店"):
        assert text in shown.output, (text, shown.output)
    missing = await asyncio.to_thread(cli, "members", "show", "I-09999999", env=env)
    assert missing.exit_code == 1
    assert "no member 'I-09999999'" in missing.output

    changed = write_csv(tmp_path / "changed.csv", [["number", "level"], [number.group(), "5"]])
    updated = await asyncio.to_thread(
        cli, "members", "import", str(changed), "--actor", "ops", env=env
    )
    assert updated.exit_code == 0, updated.output
    history = await asyncio.to_thread(cli, "members", "history", number.group(), env=env)
    assert history.exit_code == 0, history.output
    assert re.search(r"level\s+│\s+3\s+│\s+5\s+│\s+ops", history.output), history.output
