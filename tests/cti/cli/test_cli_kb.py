"""The `ctidesk kb` commands, run as a user would."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crm_core.db.engine import Database
from crm_core.staff.models import Role, User
from cti.cli import app


@pytest.fixture
def run(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CTIDESK_DATABASE_URL", sqlite_url)

    async def staff() -> None:
        db = Database(sqlite_url)
        try:

            def work(session: Session) -> None:
                session.add(User(login="sup1", display_name="班长", role=Role.SUPERVISOR))
                session.add(User(login="agent7", display_name="坐席", role=Role.AGENT))

            await db.run_write(work)
        finally:
            await db.dispose()

    asyncio.run(staff())
    return CliRunner()


def invoke(runner: CliRunner, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(
        app, ["kb", *args], input=stdin, catch_exceptions=False, env={"COLUMNS": "200"}
    )
    return result.exit_code, result.output


def test_filing_approving_and_finding_an_article(run: CliRunner, tmp_path: Path) -> None:
    code, out = invoke(run, "categories")
    assert code == 0 and "no categories yet" in out
    add = ("add", "--title", "电子狗无法充电怎么办", "--category", "设备/电子狗", "--by", "author1")
    code, out = invoke(run, *add, "--body", "电子狗无法充电，死机。")
    assert code == 1 and "category-not-found" in out
    code, out = invoke(
        run, *add, "--create-category", "--keywords", "充电, 电子狗", stdin="电子狗无法充电，死机。"
    )
    assert code == 0 and "#1 电子狗无法充电怎么办" in out and "draft" in out
    assert "keywords: 充电, 电子狗" in out

    code, out = invoke(run, "search", "充电")
    assert code == 0 and "no article matches" in out  # agents see approved articles only
    code, out = invoke(run, "search", "充电", "--all-statuses")
    assert code == 0 and "电子狗无法充电怎么办" in out and "draft" in out

    code, out = invoke(run, "approve", "1", "--by", "agent7")
    assert code == 1 and "not-allowed" in out
    code, out = invoke(run, "approve", "1", "--by", "sup1")
    assert code == 0 and "approved" in out
    code, out = invoke(run, "search", "无法充电")
    assert code == 0 and "电子狗无法充电，死机。" in out and "设备/电子狗" in out

    body = tmp_path / "gps.txt"
    body.write_text("GPS 导航仪死机时长按电源键重启。", encoding="utf-8")
    code, out = invoke(
        run, "add", "--title", "GPS 导航仪死机", "--category", "设备", "--by", "sup1",
        "--file", str(body), "--approve",
    )  # fmt: skip
    assert code == 0 and "#2" in out and "approved" in out
    code, out = invoke(run, "search", "gps 死机")
    assert code == 0 and "GPS 导航仪死机" in out and "电子狗" not in out

    code, out = invoke(run, "show", "1", "--count-view")
    assert code == 0 and "1 views" in out and "电子狗无法充电，死机。" in out
    code, out = invoke(
        run, "edit", "1", "--by", "author1", "--keywords", "充电器", "--version", "9"
    )
    assert code == 1 and "stale-article" in out
    code, out = invoke(run, "edit", "1", "--by", "author1", "--keywords", "充电器")
    assert code == 0 and "draft" in out and "keywords: 充电器" in out and "version 2" in out

    code, out = invoke(run, "categories")
    assert code == 0 and "设备 1/1" in out and "  电子狗 0/1" in out
    code, out = invoke(run, "list", "--approved-only")
    assert code == 0 and "GPS 导航仪死机" in out and "电子狗无法充电怎么办" not in out
    code, out = invoke(run, "delete", "2", "--by", "sup1")
    assert code == 0 and "article 2 deleted" in out
    code, out = invoke(run, "show", "2")
    assert code == 1 and "article-not-found" in out


def test_bad_input_gets_a_clear_error(run: CliRunner, tmp_path: Path) -> None:
    assert invoke(run, "category-add", "设备")[0] == 0
    code, out = invoke(run, "category-add", "设备")
    assert code == 1 and "already exists" in out
    base = ("add", "--title", "标题", "--category", "设备", "--by", "a")
    code, out = invoke(run, *base, "--body", " ")
    assert code == 1 and "invalid-input" in out and "body" in out
    code, out = invoke(run, *base, "--body", "x", "--file", str(tmp_path / "none.txt"))
    assert code == 1 and "not both" in out
    code, out = invoke(run, *base, "--file", str(tmp_path / "none.txt"))
    assert code == 1 and "cannot read" in out
    code, out = invoke(run, "search", "，。")
    assert code == 1 and "no words to search for" in out
    code, out = invoke(run, "search", "充电", "--limit", "0")
    assert code == 1 and "limit" in out


def test_demo_articles(run: CliRunner) -> None:
    code, out = invoke(run, "seed-demo", "--approver", "sup1")
    assert code == 0 and "6 demo articles filed" in out
    code, out = invoke(run, "seed-demo", "--approver", "sup1")
    assert code == 0 and "0 demo articles filed" in out
    code, out = invoke(run, "search", "GPS")
    assert code == 0 and "GPS 导航仪死机" in out and "GPS navigator freezes" in out
