"""The supervisor's statistics: a day (or a range of days) by interval, per queue and agent.

Three charts with axes, labels and values (textual-plotext): calls offered and answered
per period across the queues, each queue's service level per period, and how long the
answered and the abandoned callers waited (the report's wait buckets; under 120 columns
it takes the service level's place while ``w`` is on); below them each
queue's and each agent's figures per day, as ``GET /api/stats/queues|agents`` give them
(docs/statistics.md). The days are typed as YYYY-MM-DD (today by default); ``e`` writes
the tables to the CSV file named beside them. Escape goes back to the wall-board.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Static

from agent_tui.plain import plain_cells
from agent_tui.screens.base import ConsoleScreen
from agent_tui.stats_client import StatsClient, export_csv
from agent_tui.widgets.chart import TickedChart, Ticks, count_ticks
from cti.protocol import StatsAgentRow, StatsQueueRow

KEYS = "Enter: show the days   e: export to the file   w: waits / service level   Esc: back"
NARROW = 120
"""Under this many columns the screen shows two charts, the second chosen with ``w``."""
QUEUE_COLUMNS = (("Queue", 14), ("Day", 10), ("Offer", 6), ("Answ", 6), ("Aband", 6),
                 ("T/out", 6), ("SL %", 6), ("ASA s", 6), ("Max w", 6), ("AHT s", 6))  # fmt: skip
AGENT_COLUMNS = (("Agent", 14), ("Day", 10), ("Calls", 6), ("Talk s", 7), ("Wrap s", 7),
                 ("Pause s", 8), ("Login s", 8), ("Occ %", 6))  # fmt: skip


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def queue_cells(row: StatsQueueRow) -> list[str]:
    """A queue's day as the table shows it."""
    longest = "—" if row.max_wait_s is None else str(row.max_wait_s)
    return [row.queue, row.start[:10], str(row.offered), str(row.answered), str(row.abandoned),
            str(row.timed_out), _number(row.sl_pct), _number(row.asa_s), longest,
            _number(row.aht_s, 0)]  # fmt: skip


def agent_cells(row: StatsAgentRow) -> list[str]:
    """An agent's day as the table shows it."""
    return [row.agent, row.start[:10], str(row.answered), str(row.talk_s), f"{row.wrapup_s:.0f}",
            f"{row.pause_s:.0f}", f"{row.login_s:.0f}", _number(row.occupancy_pct)]  # fmt: skip


def periods(rows: Sequence[StatsQueueRow]) -> list[str]:
    """The periods the rows cover, in order (their starts as the chart labels them)."""
    starts = sorted({row.start for row in rows})
    same_day = len({start[:10] for start in starts}) <= 1
    return [start[11:16] if same_day else start[5:10] for start in starts]


def wait_totals(rows: Sequence[StatsQueueRow]) -> tuple[dict[str, int], dict[str, int]]:
    """The rows' answered and abandoned callers per wait bucket, summed (buckets in the
    report's order)."""
    answered: dict[str, int] = {}
    abandoned: dict[str, int] = {}
    for row in rows:
        for bucket, count in row.answered_by_wait.items():
            answered[bucket] = answered.get(bucket, 0) + count
        for bucket, count in row.abandoned_by_wait.items():
            abandoned[bucket] = abandoned.get(bucket, 0) + count
    return answered, {bucket: abandoned.get(bucket, 0) for bucket in answered}


def _periods(labels: list[str]) -> Ticks:
    """One tick per period at positions 1, 2, …; the chart keeps those its width allows."""
    return Ticks([float(n) for n in range(1, len(labels) + 1)], labels, 0, len(labels) + 1)


def _table(table_id: str, columns: Sequence[tuple[str, int]]) -> DataTable[str]:
    table: DataTable[str] = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
    for label, width in columns:
        table.add_column(label, width=width)
    return table


class StatisticsScreen(ConsoleScreen):
    """A range of days by interval: charts, and each queue's and agent's figures."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "back", "Back"),
        Binding("e", "export", "Export"),
        Binding("w", "toggle_waits", "Waits"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.queue_rows: tuple[StatsQueueRow, ...] = ()
        self.interval_rows: tuple[StatsQueueRow, ...] = ()
        self.agent_rows: tuple[StatsAgentRow, ...] = ()
        self.loads = 0
        """Reports shown so far (tests wait on it)."""

    def compose(self) -> ComposeResult:
        today = self.console.clock().date().isoformat()
        yield Static("Statistics", id="stats-title")
        with Horizontal(id="stats-range"):
            yield Label("From")
            yield Input(today, id="stats-from", max_length=10)
            yield Label("To")
            yield Input(today, id="stats-to", max_length=10)
            yield Label("File")
            yield Input(f"ctidesk-stats-{today}.csv", id="stats-file")
        with Horizontal(id="stats-charts"):
            yield TickedChart(id="chart-volume")
            yield TickedChart(id="chart-sl")
            yield TickedChart(id="chart-waits")
        yield _table("stats-queues", QUEUE_COLUMNS)
        yield _table("stats-agents", AGENT_COLUMNS)
        yield Static("", id="stats-message", markup=False)
        yield Static(KEYS, id="stats-keys", markup=False)

    def on_mount(self) -> None:
        """Show today; the keys go to the tables until a field is chosen (Tab or a click)."""
        self.query_one("#stats-queues", DataTable).focus()
        self.load()

    def on_resize(self) -> None:
        """Two charts under :data:`NARROW` columns, three from there."""
        self.set_class(self.size.width < NARROW, "-narrow")

    def action_toggle_waits(self) -> None:
        """On a narrow screen, show the waits chart in the service level's place, or back."""
        self.toggle_class("-waits")

    def _days(self) -> tuple[date, date] | None:
        try:
            first = date.fromisoformat(self.query_one("#stats-from", Input).value.strip())
            last = date.fromisoformat(self.query_one("#stats-to", Input).value.strip())
        except ValueError:
            self._say("From and To are days: YYYY-MM-DD")
            return None
        if last < first:
            self._say("To is before From")
            return None
        return first, last

    def _say(self, text: str) -> None:
        self.query_one("#stats-message", Static).update(text)

    @on(Input.Submitted, "#stats-from, #stats-to")
    def _range_entered(self) -> None:
        self.load()

    @work(exclusive=True, group="statistics")
    async def load(self) -> None:
        """Read the days' reports and show them."""
        days = self._days()
        if days is None:
            return
        first, last = days
        stats = StatsClient(self.console.client)
        with self.console.reporting("statistics"):
            by = "30m" if first == last else "day"
            self.interval_rows = await stats.queues(first, last, by)
            self.queue_rows = await stats.queues(first, last, "day")
            self.agent_rows = await stats.agents(first, last, "day")
            self._show()
            self._say(f"{first} to {last}: {len(self.queue_rows)} queue days")
            self.loads += 1

    def _show(self) -> None:
        self._fill("stats-queues", [queue_cells(row) for row in self.queue_rows])
        self._fill("stats-agents", [agent_cells(row) for row in self.agent_rows])
        self._draw_volume()
        self._draw_service_level()
        self._draw_waits()

    def _fill(self, table_id: str, rows: list[list[str]]) -> None:
        table = self.query_one(f"#{table_id}", DataTable)
        table.clear()
        for cells in rows:
            table.add_row(*plain_cells(cells))

    def _draw_volume(self) -> None:
        """Offered and answered per period across the queues, each bar's value on it."""
        widget = self.query_one("#chart-volume", TickedChart)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        labels = periods(self.interval_rows)
        starts = sorted({row.start for row in self.interval_rows})
        offered = [sum(r.offered for r in self.interval_rows if r.start == s) for s in starts]
        answered = [sum(r.answered for r in self.interval_rows if r.start == s) for s in starts]
        plt.title("Calls per period: offered / answered")
        plt.xlabel("period")
        plt.ylabel("calls")
        if labels:
            # plotext takes ``labels`` here; its type stub says ``label``.
            plt.multiple_bar(labels, [offered, answered], labels=["offered", "answered"])  # type: ignore[call-arg]
            for number, (count, took) in enumerate(zip(offered, answered, strict=True), start=1):
                plt.text(f"{took}/{count}", x=number, y=count, alignment="center")
        calls = count_ticks(max(offered, default=0), headroom=1.25)
        plt.ylim(calls.low, calls.high)
        widget.set_ticks(x=_periods(labels), y=calls)
        widget.refresh()

    def _draw_service_level(self) -> None:
        """Each queue's SL % per period (a period with nothing to count is left out)."""
        widget = self.query_one("#chart-sl", TickedChart)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Service level % per period")
        plt.xlabel("period")
        plt.ylabel("SL %")
        labels = periods(self.interval_rows)
        starts = sorted({row.start for row in self.interval_rows})
        plt.ylim(0, 100)
        for queue in sorted({row.queue for row in self.interval_rows}):
            points = [(starts.index(r.start) + 1, r.sl_pct) for r in self.interval_rows
                      if r.queue == queue and r.sl_pct is not None]  # fmt: skip
            if points:
                plt.scatter([x for x, _ in points], [y for _, y in points], label=queue,
                            marker="●")  # fmt: skip
                for x, y in points:
                    plt.text(f"{y:.0f}", x=x, y=y, alignment="left")
        widget.set_ticks(x=_periods(labels))
        widget.refresh()

    def _draw_waits(self) -> None:
        """Answered and abandoned callers per wait bucket across the queues and days."""
        widget = self.query_one("#chart-waits", TickedChart)
        plt = widget.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title("Waits: answered / abandoned")
        plt.xlabel("wait, s")
        plt.ylabel("calls")
        answered, abandoned = wait_totals(self.queue_rows)
        buckets = list(answered)
        if buckets:
            series = [list(answered.values()), list(abandoned.values())]
            plt.multiple_bar(buckets, series, labels=["answered", "abandoned"])  # type: ignore[call-arg]
            for number, (took, lost) in enumerate(zip(*series, strict=True), start=1):
                if took or lost:
                    plt.text(f"{took}/{lost}", x=number, y=max(took, lost), alignment="center")
        calls = count_ticks(
            max((*answered.values(), *abandoned.values()), default=0), headroom=1.25
        )
        plt.ylim(calls.low, calls.high)
        widget.set_ticks(x=_periods(buckets), y=calls)
        widget.refresh()

    def action_export(self) -> None:
        """Write the queue and agent tables to the file named in the File field."""
        path = Path(self.query_one("#stats-file", Input).value.strip() or "ctidesk-stats.csv")
        try:
            export_csv(path, self.queue_rows, self.agent_rows)
        except OSError as error:
            self.console.show_error(f"export failed: {error}")
            return
        self._say(f"{len(self.queue_rows)} queue and {len(self.agent_rows)} agent rows written "
                  f"to {path}")  # fmt: skip
        self.console.show_info(f"statistics written to {path}")

    def action_back(self) -> None:
        """Back to the wall-board."""
        self.app.pop_screen()


__all__ = ["StatisticsScreen", "agent_cells", "periods", "queue_cells", "wait_totals"]
