"""Statistics test helpers: the morning the examples happen, and docs/statistics.md's
worked example as queue_log lines."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.support.paths import ROOT

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = int(datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI).timestamp())
"""09:00 in Shanghai on the examples' day."""


def docs_example() -> list[str]:
    """The queue_log lines of docs/statistics.md's worked example."""
    text = (ROOT / "docs" / "statistics.md").read_text(encoding="utf-8")
    block = text.split("## A worked example", 1)[1].split("```", 2)[1]
    return [line for line in block.splitlines() if line.strip()]
