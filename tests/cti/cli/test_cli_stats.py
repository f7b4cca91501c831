"""`ctidesk stats`: queue_log files loaded (once, whole, malformed lines refused with their
numbers) and the queues' and agents' figures reported as a table, JSON and CSV."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from crm_core.wiring import build_crm
from cti.cli import app
from cti.kpi import parse_line
from cti.statistics.lines import stored
from cti.statistics.reports import AGENT_FIELDS, CALL_FIELDS, QUEUE_FIELDS
from tests.support.stats import T0, docs_example

AGENT = "王芳"
SESSION = [
    f"{T0 - 600}|NONE|hotline|{AGENT}|ADDMEMBER|",
    f"{T0 + 1800}|NONE|hotline|{AGENT}|PAUSE|lunch",
    f"{T0 + 2400}|NONE|hotline|{AGENT}|UNPAUSE|",
]


def invoke(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})
    return result.exit_code, result.output


@pytest.fixture
def run(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CTIDESK_DATABASE_URL", sqlite_url)
    return CliRunner()


def queue_log(tmp_path: Path, name: str, lines: list[str]) -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_a_log_is_loaded_once_and_reported_by_the_contract(run: CliRunner, tmp_path: Path) -> None:
    lines = [line.replace("PJSIP/6001", AGENT) for line in docs_example()] + SESSION
    path = queue_log(tmp_path, "queue_log", lines)
    code, out = invoke(run, "stats", "import", path, "--server", "pbx1")
    assert code == 0 and f"{len(lines)} lines stored, 0 already there, 0 malformed" in out, out
    code, out = invoke(run, "stats", "import", path, "--server", "pbx1")
    assert code == 0 and f"0 lines stored, {len(lines)} already there" in out, out

    day = ("--from", "2026-12-07", "--zone", "Asia/Shanghai")
    code, out = invoke(run, "stats", "queues", *day, "--short-abandon", "5", "--format", "json")
    assert code == 0, out
    (row,) = json.loads(out)
    assert tuple(row) == QUEUE_FIELDS
    assert (row["queue"], row["start"], row["offered"], row["answered"]) == (
        "hotline", "2026-12-07T09:00:00+08:00", 6, 2,
    )  # fmt: skip
    assert (row["sl_pct"], row["short_abandons"], row["blocked"]["full"]) == (20.0, 1, 1)
    assert (row["asa_s"], row["max_wait_s"], row["aht_s"]) == (15.0, 60, 90.0)

    code, out = invoke(run, "stats", "agents", *day, "--format", "csv")
    assert code == 0, out
    assert out.startswith("\ufeff")  # spreadsheets read the Chinese name right
    header, agent_row = list(csv.reader(io.StringIO(out.removeprefix("\ufeff"))))[:2]
    assert tuple(header) == AGENT_FIELDS
    record = dict(zip(header, agent_row, strict=True))
    assert (record["agent"], record["answered"], record["talk_s"]) == (AGENT, "2", "180")
    assert (record["login_s"], record["pause_s"]) == ("54600.0", "600.0")  # 08:50 to midnight
    assert json.loads(record["pause_by_reason"]) == {"lunch": 600.0}

    code, out = invoke(run, "stats", "queues", *day, "--interval", "30m")
    assert code == 0 and "hotline" in out and "16.7" in out, out  # no short abandons: 1 ÷ 6


def test_calls_count_a_call_moved_between_queues_once(run: CliRunner, tmp_path: Path) -> None:
    moved = [
        f"{T0 + 600}|8|hotline|NONE|ENTERQUEUE||13900000008|1",
        f"{T0 + 630}|8|hotline|NONE|EXITWITHTIMEOUT|1|1|30",
        f"{T0 + 631}|8|vip|NONE|ENTERQUEUE||13900000008|1",
        f"{T0 + 641}|8|vip|{AGENT}|CONNECT|10|x|1",
        f"{T0 + 701}|8|vip|{AGENT}|COMPLETECALLER|10|60|1",
    ]
    path = queue_log(tmp_path, "queue_log", [*docs_example(), *moved])
    assert invoke(run, "stats", "import", path)[0] == 0
    day = ("--from", "2026-12-07", "--zone", "Asia/Shanghai", "--interval", "day")
    code, out = invoke(run, "stats", "calls", *day, "--format", "json")
    assert code == 0, out
    (row,) = json.loads(out)
    assert tuple(row) == CALL_FIELDS
    assert (row["calls"], row["stints"], row["moved"], row["answered"]) == (7, 8, 1, 3)
    code, out = invoke(run, "stats", "calls", *day, "--queue", "vip", "--format", "json")
    assert [(r["calls"], r["asa_s"]) for r in json.loads(out)] == [(1, 40.0)]
    code, out = invoke(run, "stats", "calls", *day)
    assert code == 0 and "Calls" in out and "2026-12-07" in out, out


def test_a_file_with_malformed_lines_is_refused_whole_unless_asked(
    run: CliRunner, tmp_path: Path
) -> None:
    lines = [*docs_example()[:3], "1796605400|2|hotline|NONE", "garbage"]
    path = queue_log(tmp_path, "broken_log", lines)
    code, out = invoke(run, "stats", "import", path)
    assert code == 1, out
    assert "broken_log:4: 4 fields" in out and "broken_log:5:" in out
    code, out = invoke(run, "stats", "queues", "--from", "2026-12-07", "--format", "json")
    assert (code, json.loads(out)) == (0, [])  # nothing of the file was loaded

    code, out = invoke(run, "stats", "import", path, "--skip-malformed")
    assert code == 0 and "3 lines stored, 0 already there, 2 malformed" in out, out


def test_an_xlsx_export_reads_back_with_the_contract_names_and_inert_formulas(
    run: CliRunner, tmp_path: Path
) -> None:
    hostile = '=HYPERLINK("http://x")'
    lines = [line.replace("PJSIP/6001", AGENT) for line in docs_example()]
    lines += [*SESSION, f"{T0 + 60}|NONE|hotline|{hostile}|ADDMEMBER|"]
    assert invoke(run, "stats", "import", queue_log(tmp_path, "queue_log", lines))[0] == 0
    day = ("--from", "2026-12-07", "--zone", "Asia/Shanghai", "--interval", "day")
    for kind, fields in (("queues", QUEUE_FIELDS), ("agents", AGENT_FIELDS),
                         ("calls", CALL_FIELDS)):  # fmt: skip
        path = tmp_path / f"{kind}.xlsx"
        code, out = invoke(run, "stats", kind, *day, "--format", "xlsx", "--output", str(path))
        assert code == 0 and "rows written" in out, out
        sheet = openpyxl.load_workbook(path)[kind]
        header, *rows = list(sheet.iter_rows(values_only=True))
        assert header == fields and rows, kind
        assert rows[0][fields.index("start")] == datetime(2026, 12, 7)  # local, no offset
    sheet = openpyxl.load_workbook(tmp_path / "agents.xlsx")["agents"]
    agents = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(agents) == {AGENT, "'" + hostile}  # shown as text, never run
    assert agents[AGENT][AGENT_FIELDS.index("talk_s")] == 180  # numbers stay numbers
    queues = openpyxl.load_workbook(tmp_path / "queues.xlsx")["queues"]
    (row,) = queues.iter_rows(min_row=2, values_only=True)
    assert json.loads(str(row[QUEUE_FIELDS.index("blocked")]))["full"] == 1

    code, out = invoke(run, "stats", "agents", *day, "--format", "csv")
    names = [r[0] for r in csv.reader(io.StringIO(out.removeprefix("\ufeff"))) if r][1:]
    assert sorted(names) == sorted([AGENT, "'" + hostile])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "07/12/2026"), "--from/--to"),
        (("--from", "2026-12-07", "--to", "2026-12-01"), "--to: the last day is before the first"),
        (("--from", "2026-12-07", "--zone", "Mars/Base"), "unknown time zone"),
        (("--from", "2026-12-07", "--format", "xml"), "is not table, csv, json or xlsx"),
        (("--from", "2026-12-07", "--format", "xlsx"), "--output: xlsx is written to a file"),
    ],
)
def test_a_bad_option_is_refused_by_name(
    run: CliRunner, args: tuple[str, ...], message: str
) -> None:
    code, out = invoke(run, "stats", "queues", *args)
    assert code == 1 and message in out, out


def test_rebuild_gives_stints_to_lines_stored_without_them(run: CliRunner, sqlite_url: str) -> None:
    lines = [stored(parse_line(text), text) for text in docs_example()]

    async def store_bare() -> None:  # as lines stored before the stints were kept
        crm = build_crm(database_url=sqlite_url)
        try:
            await crm.queue_log.add("pbx1", lines)
        finally:
            await crm.close()

    invoke(run, "stats", "queues", "--from", "2026-12-07")  # the database, migrated
    asyncio.run(store_bare())
    day = ("--from", "2026-12-07", "--zone", "Asia/Shanghai", "--format", "json")
    assert json.loads(invoke(run, "stats", "queues", *day)[1]) == []
    code, out = invoke(run, "stats", "rebuild", "--server", "pbx1")
    assert code == 0 and "the stints of 7 calls rebuilt" in out, out
    (row,) = json.loads(invoke(run, "stats", "queues", *day)[1])
    assert (row["offered"], row["blocked"]["full"]) == (6, 1)
