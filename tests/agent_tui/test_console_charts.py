"""The wall-board's charts keep only tick labels that fit, so they draw the same in every run.

plotext resolves crowded tick labels in the order of a ``set`` of strings, which follows
Python's per-process hash seed; the charts thin their ticks first, so a chart drawn in
processes with different seeds comes out the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from agent_tui.widgets.chart import Ticks

BUCKETS = ["≤10s", "≤20s", "≤30s", "≤60s", "≤120s", "≤300s", ">300s"]


def test_labels_are_kept_left_to_right_while_they_fit() -> None:
    ticks = Ticks([float(n) for n in range(1, 8)], BUCKETS, 0, 8)
    assert ticks.fitting(80, gap=3) == ([float(n) for n in range(1, 8)], BUCKETS)
    positions, labels = ticks.fitting(24, gap=3)
    assert labels == ["≤10s", "≤60s", ">300s"] and positions == [1.0, 4.0, 7.0]


def test_the_lowest_tick_stays_when_nothing_else_fits() -> None:
    counts = Ticks([0.0, 1.0, 2.0], ["0", "1", "2"], 0, 3.5)
    assert counts.fitting(0, gap=1, sideways=True) == ([0.0], ["0"])
    assert counts.fitting(5, gap=1, sideways=True) == ([0.0, 2.0], ["0", "2"])


DRAW = textwrap.dedent(
    """
    import asyncio
    from datetime import datetime, timezone
    from textual.app import App
    from agent_tui.board_state import BoardState
    from agent_tui.widgets.board_charts import WaitsChart

    class Charts(App[None]):
        def compose(self):
            yield WaitsChart()

    async def main() -> None:
        board = BoardState(day_start=datetime(2026, 3, 2, tzinfo=timezone.utc))
        board.waits.update({0: 3, 1: 1, 2: 2, 3: 1, 5: 1})
        app = Charts()
        async with app.run_test(size=(34, 12)) as pilot:
            app.query_one(WaitsChart).draw(board)
            await pilot.pause()
            print(app.export_screenshot())

    asyncio.run(main())
    """
)


def test_a_crowded_chart_draws_the_same_whatever_the_hash_seed(tmp_path: Path) -> None:
    script = tmp_path / "draw.py"
    script.write_text(DRAW, encoding="utf-8")
    root = str(Path(__file__).resolve().parents[2])
    drawn = {}
    for seed in ("1", "2", "6"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": root}
        done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                              text=True, timeout=60, check=True)  # fmt: skip
        drawn[seed] = done.stdout
    assert "≤10s" in drawn["1"], "the first bucket's label is on the chart"
    assert drawn["1"] == drawn["2"] == drawn["6"]
