"""The statistics routes the console's statistics screen reads, and its CSV export (every
path in this one place; each answer decoded once)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, fields
from datetime import date
from pathlib import Path
from typing import Any

from agent_tui.client import DeskClient
from cti.protocol import StatsAgentReport, StatsAgentRow, StatsQueueReport, StatsQueueRow

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "'")
"""First characters a spreadsheet may run as a formula (and the apostrophe that marks
one made inert): such a cell is written with a leading apostrophe, as the service's
exports do (crm_core/io/formulas.py; the console does not import the CRM)."""


class StatsClient:
    """Queue and agent reports over the console's REST client."""

    def __init__(self, client: DeskClient) -> None:
        self._client = client

    async def queues(self, first: date, last: date, interval: str) -> tuple[StatsQueueRow, ...]:
        """Each queue's figures per period of ``interval`` over the days ``first``..``last``."""
        report = await self._client.read(
            StatsQueueReport, "/api/stats/queues",
            **{"from": first.isoformat(), "to": last.isoformat(), "interval": interval},
        )  # fmt: skip
        return report.rows

    async def agents(self, first: date, last: date, interval: str) -> tuple[StatsAgentRow, ...]:
        """Each agent's figures per period of ``interval`` over the days ``first``..``last``."""
        report = await self._client.read(
            StatsAgentReport, "/api/stats/agents",
            **{"from": first.isoformat(), "to": last.isoformat(), "interval": interval},
        )  # fmt: skip
        return report.rows


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def _section(rows: Sequence[Any], shape: type[Any]) -> list[list[Any]]:
    names = [spec.name for spec in fields(shape)]
    return [names, *([_cell(asdict(row)[name]) for name in names] for row in rows)]


def export_csv(
    path: Path, queues: Sequence[StatsQueueRow], agents: Sequence[StatsAgentRow]
) -> None:
    """The queues' rows, a blank line, then the agents' rows, as CSV with a byte-order mark
    (spreadsheets open Chinese names intact) and the contract's column names."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(_section(queues, StatsQueueRow))
    writer.writerow([])
    writer.writerows(_section(agents, StatsAgentRow))
    path.write_text("\ufeff" + buffer.getvalue(), encoding="utf-8")


__all__ = ["StatsClient", "export_csv"]
