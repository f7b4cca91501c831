"""`ctidesk campaign`: a campaign defined, filled, run and reported from the command line."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crm_core.wiring import Crm
from cti.cli import app
from tests.conftest import Clock
from tests.support.campaigns import keypad_survey, phones_csv, start_campaign

DEFINITION = """
name = "spring"
mode = "progressive"
queue = "hotline"
time_zone = "Asia/Shanghai"
caller_id = "4008001234"
[windows]
mon = [["09:00", "21:00"]]
sat = [["10:00", "18:00"]]
"""


@pytest.fixture
def run(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("CTIDESK_DATABASE_URL", sqlite_url)
    return CliRunner()


def invoke(runner: CliRunner, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False, env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_a_campaign_from_definition_to_report(run: CliRunner, tmp_path: Path) -> None:
    definition = tmp_path / "spring.toml"
    definition.write_text(DEFINITION, encoding="utf-8")
    code, out = invoke(run, "campaign", "create", str(definition), "--actor", "boss")
    assert code == 0 and "campaign spring (id 1) created, draft" in out, out

    leads = tmp_path / "leads.csv"
    leads.write_bytes("phone,name\n13800138000,李娜\n12345,bad\n".encode("gb18030"))
    code, out = invoke(run, "campaign", "import", "spring", str(leads))
    assert code == 0, out
    assert "1 of 2 rows imported (gb18030); 1 refused" in out
    assert "bad-number" in out and "12345" in out

    for action, status in (("start", "running"), ("pause", "paused"), ("resume", "running")):
        code, out = invoke(run, "campaign", action, "spring", "--actor", "boss")
        assert code == 0 and f"campaign spring is {status}" in out, out

    code, out = invoke(run, "campaign", "status", "--json")
    assert code == 0, out
    (row,) = json.loads(out)
    assert (row["name"], row["status"], row["remaining"], row["dialled"]) == (
        "spring", "running", 1, 0,
    )  # fmt: skip
    code, out = invoke(run, "campaign", "report", "1")
    assert code == 0 and "still to call" in out and "abandon rate" in out, out

    code, out = invoke(run, "campaign", "stop", "spring", "--actor", "boss")
    assert code == 0 and "campaign spring is stopped" in out
    code, out = invoke(run, "campaign", "resume", "spring", "--actor", "boss")
    assert code == 1 and "campaign-state" in out, out


def test_a_bad_definition_names_the_field_and_creates_nothing(
    run: CliRunner, tmp_path: Path
) -> None:
    definition = tmp_path / "bad.toml"
    definition.write_text(DEFINITION.replace('"21:00"', '"08:00"'), encoding="utf-8")
    code, out = invoke(run, "campaign", "create", str(definition), "--actor", "boss")
    assert code == 1 and "windows.mon[0]" in out, out
    code, out = invoke(run, "campaign", "status", "--json")
    assert code == 0 and json.loads(out) == []


async def test_an_ivr_campaign_s_report_says_what_the_callees_did_and_the_survey(
    run: CliRunner, crm: Crm, clock: Clock
) -> None:
    survey = await keypad_survey(crm)
    running = await start_campaign(
        crm, clock, name="expiring", mode="ivr_message", message="beep", survey=survey
    )
    await crm.campaigns.import_csv(
        running.id, phones_csv("13800000001", "13800000002", "13800000003"), default_region="CN"
    )
    for result in ("played", "key-1", "key-5"):
        claim = await crm.campaigns.claim_next(running.id, epoch=running.epoch, now=clock())
        assert claim is not None
        await crm.campaigns.attempt_ivr(claim.attempt_id, result)
        if result != "key-1":
            await crm.campaigns.start_survey(claim.attempt_id)
    code, out = await asyncio.to_thread(invoke, run, "campaign", "report", "expiring")
    assert code == 0, out
    lines = [" ".join(line.split("│")).split() for line in out.splitlines()]
    assert ["heard", "it", "to", "the", "end", "1"] in lines
    assert ["pressed", "1", "1"] in lines and ["pressed", "5", "1"] in lines
    assert ["began", "the", "survey", survey, "2"] in lines
    assert ["completed", "it", "0"] in lines
