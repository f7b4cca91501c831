"""GET /api/stats/queues and /api/stats/agents over stored queue_log lines: the contract's
rows for a supervisor, an agent's own figures only, every bad parameter a 400 by name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import fields

import pytest

from crm_core.queue_log.services import LogLine
from cti.kpi import parse_line
from cti.protocol import StatsAgentRow, StatsQueueRow
from cti.service import CtiService
from cti.statistics.reports import AGENT_FIELDS, CALL_FIELDS, QUEUE_FIELDS
from cti.statistics.stored import rebuild_stints
from tests.support.offline import get_as, offline_service
from tests.support.stats import T0, docs_example
from tests.support.telephony import PASSWORD

AGENT = "王芳"
DAY = "/api/stats/{}?from=2026-12-07&zone=Asia/Shanghai"


@pytest.fixture
async def offline(sqlite_url: str) -> AsyncIterator[CtiService]:
    async with offline_service(sqlite_url) as service:
        for login, name, role in (("agent1", AGENT, "agent"), ("agent2", "Li Lei", "agent"),
                                  ("boss", "Boss", "supervisor")):  # fmt: skip
            await service.crm.users.add(
                {"login": login, "display_name": name, "role": role}, password=PASSWORD
            )
        texts = [t.replace("PJSIP/6001", AGENT) for t in docs_example()]
        texts.append(f"{T0 - 600}|NONE|hotline|{AGENT}|ADDMEMBER|")
        texts.append(f"{T0 - 600}|NONE|hotline|Li Lei|ADDMEMBER|")
        lines = []
        for text in texts:
            line = parse_line(text)
            lines.append(LogLine(line.time, line.call_id, line.queue, line.agent, line.event,
                                 "|".join(line.data), text))  # fmt: skip
        await service.crm.queue_log.add("pbx1", lines, rebuild=rebuild_stints)
        yield service


async def test_a_supervisor_reads_each_queue_by_period(offline: CtiService) -> None:
    status, report = await get_as(offline, "boss", DAY.format("queues") + "&short_abandon=5")
    assert status == 200, report
    (row,) = report["rows"]
    assert tuple(row) == QUEUE_FIELDS
    assert (row["start"], row["offered"], row["sl_pct"], row["blocked"]["full"]) == (
        "2026-12-07T09:00:00+08:00", 6, 20.0, 1,
    )  # fmt: skip
    status, error = await get_as(offline, "agent1", DAY.format("queues"))
    assert (status, error["error_id"]) == (403, "forbidden")


async def test_an_agent_reads_only_their_own_figures(offline: CtiService) -> None:
    status, report = await get_as(offline, "agent1", DAY.format("agents") + "&interval=day")
    assert status == 200, report
    (row,) = report["rows"]
    assert tuple(row) == AGENT_FIELDS
    assert (row["agent"], row["answered"], row["talk_s"]) == (AGENT, 2, 180)
    status, error = await get_as(offline, "agent1", DAY.format("agents") + "&agent=Li%20Lei")
    assert (status, error["error_id"]) == (403, "forbidden")
    status, everyone = await get_as(offline, "boss", DAY.format("agents") + "&interval=day")
    assert sorted(r["agent"] for r in everyone["rows"]) == ["Li Lei", AGENT]


CALLS_CONTRACT = (
    "start", "calls", "answered", "abandoned", "timed_out", "key_exits", "exit_empty",
    "withdrawn", "failed", "waiting", "moved", "stints", "answer_pct", "asa_s",
    "avg_wait_s", "max_wait_s", "talk_s",
)  # fmt: skip
"""The calls report's names, in order, as docs/statistics.md gives them."""


async def test_a_supervisor_reads_the_calls_once_across_queues(offline: CtiService) -> None:
    status, report = await get_as(offline, "boss", DAY.format("calls") + "&interval=day")
    assert status == 200, report
    (row,) = report["rows"]
    assert tuple(row) == CALL_FIELDS == CALLS_CONTRACT
    assert (row["start"], row["calls"], row["answered"], row["abandoned"], row["timed_out"]) == (
        "2026-12-07T00:00:00+08:00", 6, 2, 2, 1,
    )  # fmt: skip
    assert (row["asa_s"], row["max_wait_s"], row["moved"]) == (15.0, 60, 0)
    status, error = await get_as(offline, "agent1", DAY.format("calls"))
    assert (status, error["error_id"]) == (403, "forbidden")
    status, error = await get_as(offline, "boss", "/api/stats/calls?from=2026-12-07&interval=2h")
    assert (status, error["error_id"]) == (400, "invalid-query")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=07/12/2026", "from"),
        ("from=2026-12-07&to=2026-12-01", "to"),
        ("from=2026-01-01&to=2027-12-31", "to"),  # over a year
        ("from=2026-12-07&zone=Mars/Base", "zone"),
        ("from=2026-12-07&interval=2h", "interval"),
        ("from=2026-12-07&short_abandon=five", "short_abandon"),
        ("from=2026-12-07&queue=hot%0Aline", "queue"),
        ("from=2026-12-07&colour=red", "colour"),
        ("to=2026-12-07", "from"),
    ],
)
async def test_a_bad_parameter_is_a_400_naming_it(
    offline: CtiService, query: str, field: str
) -> None:
    status, error = await get_as(offline, "boss", f"/api/stats/queues?{query}")
    assert (status, error["error_id"]) == (400, "invalid-query"), error
    named = [problem["field"] for problem in error["details"].get("fields", [])]
    assert field in named or error["details"].get("field") == field, error


def test_the_consoles_report_shapes_have_the_contracts_fields() -> None:
    assert tuple(f.name for f in fields(StatsQueueRow)) == QUEUE_FIELDS
    assert tuple(f.name for f in fields(StatsAgentRow)) == AGENT_FIELDS
