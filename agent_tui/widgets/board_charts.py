"""Today's charts on the wall-board, drawn with textual-plotext: axes, ticks, labels, values.

- calls offered, answered and abandoned per 30 minutes (bars side by side, a legend);
- the wait distribution, each bucket labelled (``≤10s`` … ``>300s``), its count on top;
- the service level per 30 minutes against the target (a line and the target's line).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from agent_tui.board_state import INTERVAL_MINUTES, WAIT_BUCKETS, BoardState
from agent_tui.widgets.chart import TickedChart, Ticks, count_ticks

BUCKET_LABELS = [f"≤{bound}s" for bound in WAIT_BUCKETS] + [f">{WAIT_BUCKETS[-1]}s"]


def interval_label(board: BoardState, interval: int) -> str:
    """``HH:MM``, the start of an interval in local time."""
    start = board.day_start + timedelta(minutes=INTERVAL_MINUTES * interval)
    return start.astimezone().strftime("%H:%M")


def _hours(labels: list[str], low: float, high: float) -> Ticks:
    """Ticks on the hours of the intervals at positions 1, 2, …: the chart then keeps as
    many as its width allows."""
    picked = [i for i, label in enumerate(labels) if label.endswith(":00")] or [0]
    return Ticks([float(i + 1) for i in picked], [labels[i] for i in picked], low, high)


class CallsChart(TickedChart):
    """Calls offered, answered and abandoned per interval today."""

    def draw(self, board: BoardState, now: datetime) -> None:
        """Redraw from the board's counts up to ``now``."""
        plt = self.plt
        plt.clear_figure()
        intervals = board.intervals_today(now)[-24:]
        labels = [interval_label(board, i) for i in intervals]
        series = [
            [board.per_interval[i] for i in intervals],
            [board.answered_per_interval[i] for i in intervals],
            [board.abandoned_per_interval[i] for i in intervals],
        ]
        # plotext takes ``labels`` (one per series); textual-plotext's stub only knows ``label``.
        legend = ["offered", "answered", "abandoned"]
        plt.multiple_bar(labels, series, labels=legend)  # type: ignore[call-arg]
        top = max((max(values, default=0) for values in series), default=0)
        counts = count_ticks(top)
        self.set_ticks(x=_hours(labels, 0, len(labels) + 1), y=counts)
        plt.ylim(counts.low, counts.high)
        plt.title(f"Calls per {INTERVAL_MINUTES} min")
        plt.ylabel("calls")
        self.refresh()


class WaitsChart(TickedChart):
    """How long today's callers waited, per bucket, with the count on each bar."""

    def draw(self, board: BoardState) -> None:
        """Redraw from the board's wait buckets."""
        plt = self.plt
        plt.clear_figure()
        counts = board.wait_series()
        plt.bar(BUCKET_LABELS, counts, width=0.6)
        for position, count in enumerate(counts, start=1):
            plt.text(f"{count:.0f}", position, count, alignment="center")
        positions = [float(n) for n in range(1, len(counts) + 1)]
        buckets = Ticks(positions, BUCKET_LABELS, 0, len(counts) + 1)
        calls = count_ticks(int(max(counts, default=0)))
        self.set_ticks(x=buckets, y=calls)
        plt.ylim(calls.low, calls.high)
        plt.title("Wait before answer or hang-up")
        plt.ylabel("calls")
        self.refresh()


class ServiceLevelChart(TickedChart):
    """The service level per interval today against the target."""

    def draw(self, board: BoardState, now: datetime, target: float) -> None:
        """Redraw the level per interval (intervals without calls left out) and the target."""
        plt = self.plt
        plt.clear_figure()
        intervals = board.intervals_today(now)[-24:]
        levels = board.service_level_series(intervals)
        points = [(n, level * 100) for n, level in enumerate(levels, start=1) if level is not None]
        if points:
            plt.plot([x for x, _ in points], [y for _, y in points], marker="dot", label="level")
        plt.hline(target * 100, "red")
        right = max(len(intervals), 1) + 0.5
        labels = [interval_label(board, i) for i in intervals]
        tens = range(0, 101, 20)
        percents = Ticks([float(ten) for ten in tens], [str(ten) for ten in tens], 0, 105)
        self.set_ticks(x=_hours(labels, 0.5, right), y=percents)
        plt.xlim(0.5, right)
        plt.ylim(0, 105)
        plt.title(f"Service level % (red: target {target:.0%})")
        self.refresh()


__all__ = ["BUCKET_LABELS", "CallsChart", "ServiceLevelChart", "WaitsChart", "interval_label"]
