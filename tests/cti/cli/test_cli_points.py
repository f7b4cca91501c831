"""The `ctidesk points` and `ctidesk cards` commands, run as a user would."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cti.cli import app


@pytest.fixture
def run(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CTIDESK_DATABASE_URL", sqlite_url)
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_points_from_rules_to_statistics(run: CliRunner) -> None:
    assert (
        invoke(
            run, "points", "rules", "add-tier", "base", "--threshold", "0", "--from", "2020-01-01"
        )[0]
        == 0
    )
    assert (
        invoke(
            run,
            "points",
            "rules",
            "add-event",
            "welcome",
            "registration",
            "1000",
            "--from",
            "2020-01-01",
        )[0]
        == 0
    )
    code, out = invoke(
        run, "points", "rules", "add-tier", "again", "--threshold", "0", "--from", "2021-01-01"
    )
    assert code == 1 and "overlaps" in out
    code, out = invoke(run, "points", "rules", "list")
    assert code == 0 and "welcome" in out and "registration" in out
    code, out = invoke(run, "members", "find", "13812345678")
    assert code == 0


def test_postings_and_their_errors(run: CliRunner, sqlite_url: str) -> None:
    import asyncio

    from crm_core.wiring import build_crm

    async def member() -> str:
        crm = build_crm(database_url=sqlite_url)
        try:
            return (await crm.members.create({"name": "李娜"}, actor="t")).number
        finally:
            await crm.close()

    number = asyncio.run(member())
    code, out = invoke(
        run, "points", "gift", number, "500", "-o", "sup1", "--reason", "goodwill", "--key", "k1"
    )
    assert code == 0 and "valid 500" in out
    code, out = invoke(
        run, "points", "gift", number, "500", "-o", "sup1", "--reason", "goodwill", "--key", "k1"
    )
    assert code == 0 and "already posted" in out
    code, out = invoke(run, "points", "redeem", number, "501", "-o", "a1", "--item", "mug")
    assert code == 1 and "insufficient-points" in out
    code, out = invoke(run, "points", "gift", number, "5", "-o", "sup1", "--reason", " ")
    assert code == 1 and "needs a reason" in out
    code, out = invoke(run, "points", "redeem", number, "200", "-o", "a1", "--item", "mug")
    assert code == 0 and "valid 300" in out
    code, out = invoke(run, "points", "ledger", number)
    assert code == 0 and "goodwill" in out and "mug" in out
    code, out = invoke(run, "points", "stats", "--since", "2020-01-01")
    assert code == 0 and "mug" in out and "█" in out
    code, out = invoke(run, "points", "check")
    assert code == 0 and "agrees" in out
    code, out = invoke(run, "points", "expire")
    assert code == 0 and "expired 0 points" in out
    code, out = invoke(run, "points", "balance", "I-99999999")
    assert code == 1 and "no member" in out

    assert invoke(run, "cards", "issue", "GC-1", "04A22B1A", "-a", "desk")[0] == 0
    code, out = invoke(run, "cards", "bind", "GC-1", number, "-a", "desk")
    assert code == 0 and "active" in out
    code, out = invoke(run, "cards", "issue", "GC-2", "04A22B1A", "-a", "desk")
    assert code == 1 and "duplicate-card" in out
    assert invoke(run, "cards", "replace", "GC-1", "GC-2", "04A22B1B", "-a", "desk")[0] == 0
    code, out = invoke(run, "cards", "show", "--uid", "04a22b1a")
    assert code == 0 and "replaced" in out and "GC-2" in out


def test_bad_settings_are_reported_with_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTIDESK_AMI_PORT", "not-a-port")
    code, out = invoke(CliRunner(), "config", "show")
    assert code == 2 and "ami.port" in out and "CTIDESK_AMI_PORT" in out
