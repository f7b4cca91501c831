"""A plotext chart whose tick labels never collide, so it draws the same in every run.

plotext keeps a tick only where its label finds free space, trying the ticks in the order
of a ``set`` of (position, label) pairs (``plotext._utility.brush``): with string labels
that order follows Python's per-process hash seed, so when labels crowd, which ones are
shown changed from one run to the next. This chart is given its ticks once per redraw and
keeps, at each render, only those that fit the size it has, left to right and bottom to
top, so plotext never has to choose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual.app import RenderResult
from textual_plotext import PlotextPlot

AXIS_MARGIN = 4
"""Columns left of the plotting area besides the y tick labels (the axis and a blank each
side, and one to spare): counted generously, a label is never given more room than it has."""
FRAME_ROWS = 5
"""Rows of the chart outside its plotting area (title, legend, axis, tick labels, x label)."""


@dataclass(frozen=True)
class Ticks:
    """Tick positions with their labels, and the span of data the axis shows."""

    positions: Sequence[float]
    labels: Sequence[str]
    low: float
    high: float

    def fitting(
        self, cells: int, gap: int, sideways: bool = False
    ) -> tuple[list[float], list[str]]:
        """The ticks that fit ``cells`` character cells, each label ``gap`` cells clear of the
        last one kept. The lowest is always kept: plotext takes no ticks at all as "choose
        your own", and would then pick among crowded labels itself. ``sideways``: labels
        stacked along a vertical axis take one cell each, whatever their length."""
        # plotext puts a value at cell floor(0.5 + (cells - 1) * (value - low) / (high - low)).
        cells_per_unit = max(cells - 1, 0) / max(self.high - self.low, 1e-9)
        kept: list[tuple[float, str]] = []
        free_from = -1.0
        for position, label in sorted(zip(self.positions, self.labels, strict=True)):
            cell = (position - self.low) * cells_per_unit
            if cell >= free_from:
                kept.append((position, label))
                free_from = cell + (1 if sideways else cell_len(label)) + gap
        return [position for position, _ in kept], [label for _, label in kept]


class TickedChart(PlotextPlot):
    """A ``PlotextPlot`` in plotext's dark theme whose ticks are thinned to its size.

    The "auto" theme is registered per process on first mount, so a chart drawn before that
    would come out in other colours: hence a fixed theme.
    """

    x_ticks: Ticks | None = None
    y_ticks: Ticks | None = None

    def on_mount(self) -> None:
        self.theme = "dark"

    def set_ticks(self, x: Ticks | None = None, y: Ticks | None = None) -> None:
        """The ticks for the next renders (thinned to the size the chart has then)."""
        self.x_ticks, self.y_ticks = x, y

    def render(self) -> RenderResult:
        """Thin the ticks to the size the chart has now, then let plotext draw it."""
        width, height = self.size
        y_positions: list[float] = []
        y_labels: list[str] = []
        if self.y_ticks is not None:
            # Two rows apart: no two labels on one row after plotext's rounding.
            y_positions, y_labels = self.y_ticks.fitting(height - FRAME_ROWS, gap=1, sideways=True)
            self.plt.yticks(y_positions, y_labels)
        if self.x_ticks is not None:
            y_columns = max((cell_len(label) for label in y_labels), default=3)
            columns = width - y_columns - AXIS_MARGIN
            self.plt.xticks(*self.x_ticks.fitting(columns, gap=3))
        return super().render()


def count_ticks(top: int, headroom: float = 1.2) -> Ticks:
    """Whole-number ticks from 0 to ``top`` (at most about five), over an axis ``headroom``
    times taller than ``top`` (room for the values written on the bars, and the legend); a
    chart sets it as its ``ylim``, so the ticks kept are those that fit that axis."""
    step = max(1, -(-top // 5))
    ticks = range(0, max(top, 1) + 1, step)
    return Ticks([float(t) for t in ticks], [str(t) for t in ticks], 0, max(top, 1) * headroom)


__all__ = ["TickedChart", "Ticks", "count_ticks"]
