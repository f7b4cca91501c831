"""The supervisor's wall-board: queues, campaigns, agents, calls, abandoned callers, charts.

Everything is drawn from the app's :class:`BoardState`, which the WebSocket pushes keep
current; each :class:`LiveFeed` message redraws the tables it changes, nothing here polls.
The keys come from :data:`agent_tui.keys.BOARD_KEYS`. Supervisor actions go through
:class:`CallControlClient`.
"""

from __future__ import annotations

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from agent_tui.board_state import BoardState
from agent_tui.feed import LiveFeed
from agent_tui.keys import BOARD_KEYS
from agent_tui.screens.base import FramedScreen, bindings_of
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.dialogs import ChoiceScreen, Field, FormScreen
from agent_tui.screens.statistics import StatisticsScreen
from agent_tui.widgets.board_charts import CallsChart, ServiceLevelChart, WaitsChart
from agent_tui.widgets.board_rows import (
    SORTS,
    Row,
    abandoned_row,
    abandoned_shown,
    agent_row,
    agents_shown,
    call_row,
    calls_shown,
    campaign_cells,
    queue_row,
)
from agent_tui.widgets.softphone import keys_text

NARROW = 120


def _table(table_id: str, title: str, *columns: tuple[str, int]) -> DataTable[Text]:
    """A titled table with fixed column widths, so a value seen once does not widen it for good."""
    table: DataTable[Text] = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
    table.border_title = title
    for label, width in columns:
        table.add_column(label, width=width, key=label)
    return table


class WallBoardScreen(FramedScreen):
    """Live queues, agents and calls for a supervisor."""

    KEYS = BOARD_KEYS
    BINDINGS = bindings_of(BOARD_KEYS)
    queue_filter: str | None = None
    """The queue selected in the queues panel: agents, calls and abandoned callers of it."""
    sort = "name"
    """The agents' and calls' order (``o`` cycles: name, state, time)."""

    def compose(self) -> ComposeResult:
        yield from self.frame("board-status")
        with Horizontal(id="board-top"):
            yield _table(
                "queues",
                "Queues (Enter: show only this queue)",
                ("Queue", 12),
                ("Wait", 4),
                ("Max", 10),  # the longest wait now, mm:ss (LONG past the limit)
                ("Ready", 5),
                ("Busy", 4),
                ("Pause", 5),
                ("Answ", 4),
                ("Aband", 5),
                ("SL", 13),  # "83% ≤20s": today's service level against the queue's threshold
            )
            with Vertical(id="charts"):
                yield CallsChart(id="per-interval")
        campaigns = _table(
            "campaigns",
            "Campaigns",
            ("Campaign", 15),
            ("Status", 7),
            ("Mode", 11),
            ("Dial", 5),
            ("Answ", 5),
            ("Conn", 5),
            ("Aband", 5),
            ("Aband 30d/24h", 17),  # "2.1%/0.0% ≤3%": the rolling rates against the target
            ("Left", 6),
            ("R/T/W", 8),  # agents ready / talking / wrapping up
            ("Pacer", 13),
        )
        campaigns.display = False  # shown once there is a campaign
        yield campaigns
        with Horizontal(id="board-middle"):
            yield _table(
                "agents",
                "Agents",
                ("Agent", 12),
                ("State", 14),
                ("Time", 10),  # "25:00 LONG"
                ("Call", 11),
                ("Ans", 3),  # calls answered today
            )
            yield _table(
                "calls",
                "Calls now",
                ("Caller", 13),
                ("State", 9),
                ("Queue", 8),
                ("Agent", 10),
                ("Time", 10),
            )
        with Horizontal(id="board-bottom"):
            yield _table(
                "abandoned",
                "Abandoned today: call back (C)",
                ("Time", 5),
                ("Number", 13),
                ("Member", 11),
                ("Wait", 5),
                ("Queue", 10),
            )
            yield WaitsChart(id="waits")
            yield ServiceLevelChart(id="service-level")
        yield Static("", id="board-keys")

    def on_resize(self, event: events.Resize) -> None:
        """Below 120 columns the tables stack and the charts are left out; the key line fits."""
        self.set_class(event.size.width < NARROW, "-narrow")
        self.draw_keys()
        self.draw_charts()

    def draw_keys(self) -> None:
        """The key line, as many keys as fit the width."""
        if self.drawable:
            keys = keys_text(BOARD_KEYS, None, self.size.width)
            self.query_one("#board-keys", Static).update(keys)

    @property
    def board(self) -> BoardState:
        """The app's wall-board state."""
        return self.console.board

    def status_line(self) -> Text:
        """The supervisor's name, telephony, the filter and order, and the notice."""
        board = self.board
        line = Text(f" Wall-board  {self.console.session.display_name} ", "bold reverse")
        if board.telephony_online is not None:
            online = board.telephony_online
            line.append(
                " Telephony online " if online else " Telephony OFFLINE ",
                "green" if online else "bold red",
            )
        shown = f"queue {self.queue_filter}" if self.queue_filter else "all queues"
        line.append(f"│ Showing {shown}, by {self.sort} (o: order) ")
        if board.notice:
            line.append(f"│ Notice: {board.notice}", "bold yellow")
        return line

    def redraw(self) -> None:
        """Draw the status line and every table and chart from the board state."""
        self.draw_frame()
        self.draw_keys()
        self.draw_charts()
        self.draw_queues()
        self.draw_campaigns()
        self.draw_agents()
        self.draw_calls()

    def redraw_timers(self) -> None:
        """The clock moved: the agents' and calls' times, the charts' current interval."""
        self.draw_frame()
        self.draw_agents()
        self.draw_calls()
        self.draw_charts()

    # -- live messages ----------------------------------------------------------------------
    def on_live_feed_queue_updated(self, _: LiveFeed.QueueUpdated) -> None:
        """A queue's counters changed."""
        self.draw_queues()

    def on_live_feed_campaign_updated(self, _: LiveFeed.CampaignUpdated) -> None:
        """A campaign's figures moved."""
        self.draw_campaigns()

    def on_live_feed_agent_state_changed(self, event: LiveFeed.AgentStateChanged) -> None:
        """An agent changed state: its row in place when the order allows, else the table."""
        if not self._update_agents(event.agent.login):
            self.draw_agents()

    def on_live_feed_call_updated(self, event: LiveFeed.CallUpdated) -> None:
        """A call moved on: its row, its queue's figures, its agent's call; the charts when
        it was counted. Rows move in place when the order allows, else their table redraws."""
        call = event.update
        if self.board.calls_counted != self._charts_counted:
            self.draw_charts()
        if not self._update_row("queues", call.queue or "", self._queue_cells(call.queue)):
            self.draw_queues()
        agents = [login for login in (call.agent, *self._agents_of_call(call.call_id)) if login]
        if not self._update_agents(*agents):
            self.draw_agents()
        if not self._update_call(call.call_id):
            self.draw_calls()

    _charts_counted = -1
    """How many calls the board had counted when the charts were drawn."""

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """A queue selected (Enter) filters the agents, calls and abandoned; again: all."""
        if event.data_table.id != "queues":
            return
        queue = str(event.row_key.value)
        self.queue_filter = None if self.queue_filter == queue else queue
        self.redraw()

    def action_order(self) -> None:
        """Order the agents and calls by the next of name, state, time."""
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.redraw()

    # -- drawing --------------------------------------------------------------------------------
    def draw_queues(self) -> None:
        """The queues table: live counters and today's figures, marked past the limits."""
        if not self.drawable:
            return
        thresholds = self.console.thresholds
        queues = sorted(self.board.queues.values(), key=lambda q: q.queue)
        self._fill("queues", [queue_row(self.board, q, thresholds) for q in queues])

    def draw_campaigns(self) -> None:
        """The campaign panel: one row per campaign (hidden while there is none)."""
        if not self.drawable:
            return
        campaigns = sorted(self.board.campaigns.values(), key=lambda c: c.campaign_id)
        self.query_one("#campaigns", DataTable).display = bool(campaigns)
        self._fill(
            "campaigns",
            [(str(c.campaign_id), [Text(cell) for cell in campaign_cells(c)]) for c in campaigns],
        )

    def draw_agents(self) -> None:
        """The agents table: state, time in it, call and calls taken today."""
        if not self.drawable:
            return
        board, now, thresholds = self.board, self.console.clock(), self.console.thresholds
        agents = agents_shown(board, self.queue_filter, self.sort)
        self._fill("agents", [agent_row(board, a, now, thresholds) for a in agents])

    def _update_agents(self, *logins: str) -> bool:
        """Redraw agents' rows where they are; whether each could be (else: the table)."""
        board, now, thresholds = self.board, self.console.clock(), self.console.thresholds
        for login in logins:
            agent = board.agents.get(login)
            cells = agent_row(board, agent, now, thresholds)[1] if agent else []
            if not self._update_row("agents", login, cells):
                return False
        return True

    def _update_call(self, call_id: str) -> bool:
        """Redraw a call's row where it is, or drop an ended one; whether it could be."""
        call = self.board.calls.get(call_id)
        if call is None:
            return False
        _, cells = call_row(call, self.console.clock(), self.console.thresholds)
        return self._update_row("calls", call_id, cells)

    def _agents_of_call(self, call_id: str) -> list[str]:
        """The agent the calls table last showed on ``call_id`` (its row's agent cell)."""
        if not self.drawable:
            return []
        table = self.query_one("#calls", DataTable)
        if call_id not in table.rows:
            return []
        return [str(table.get_cell(call_id, "Agent"))]

    def _queue_cells(self, queue: str | None) -> list[Text]:
        live = self.board.queues.get(queue or "")
        return queue_row(self.board, live, self.console.thresholds)[1] if live else []

    def _update_row(self, table_id: str, key: str, cells: list[Text]) -> bool:
        """Cells of a row in place (by name, no filter, the row there); whether they were.

        Only the row changes: the table repaints what is visible, whatever its length.
        """
        if not self.drawable or self.sort != "name" or self.queue_filter is not None:
            return False
        table = self.query_one(f"#{table_id}", DataTable)
        if not cells or key not in table.rows:
            return False
        for column, cell in zip(table.columns, cells, strict=True):
            table.update_cell(key, column, cell)
        return True

    def draw_calls(self) -> None:
        """The live calls, today's abandoned callers and the charts."""
        if not self.drawable:
            return
        board, now, thresholds = self.board, self.console.clock(), self.console.thresholds
        calls = calls_shown(board, self.queue_filter, self.sort)
        self._fill("calls", [call_row(c, now, thresholds) for c in calls])
        abandoned = abandoned_shown(board, self.queue_filter)
        self._fill("abandoned", [abandoned_row(i, a) for i, a in abandoned])

    def draw_charts(self) -> None:
        """Today's charts (the service level against the selected queue's target)."""
        if not self.drawable or self.has_class("-narrow"):
            return
        board, now = self.board, self.console.clock()
        self._charts_counted = board.calls_counted
        target = self.console.thresholds.of(self.queue_filter).service_level_target
        self.query_one(CallsChart).draw(board, now)
        self.query_one(WaitsChart).draw(board)
        self.query_one(ServiceLevelChart).draw(board, now, target)

    def _fill(self, table_id: str, rows: list[Row]) -> None:
        table = self.query_one(f"#{table_id}", DataTable)
        row = table.cursor_row
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))

    def _selected(self, table_id: str) -> str | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    # -- supervisor actions -------------------------------------------------------------------
    @work(group="supervise")
    async def action_spy(self, mode: str) -> None:
        """Listen, whisper or barge on the selected call."""
        call_id = self._selected("calls")
        if call_id is None:
            self.console.show_error(f"{mode}: select a call first")
            return
        with self.console.reporting(mode):
            await self.console.calls.spy(call_id, mode)
            self.console.show_info(f"{mode.title()} on {call_id}: your phone rings")

    @work(group="supervise")
    async def action_release(self) -> None:
        if (call_id := self._selected("calls")) is not None:
            with self.console.reporting("force-release"):
                await self.console.calls.release(call_id)

    @work(group="supervise")
    async def action_intercept(self) -> None:
        if (call_id := self._selected("calls")) is not None:
            with self.console.reporting("intercept"):
                await self.console.calls.intercept(call_id)

    @work(group="supervise")
    async def action_force_sign_out(self) -> None:
        if (login := self._selected("agents")) is not None:
            with self.console.reporting(f"sign out {login}"):
                await self.console.calls.force_sign_out(login)

    @work(group="supervise")
    async def action_force_pause(self) -> None:
        login = self._selected("agents")
        form = await self.app.push_screen_wait(
            FormScreen(f"Pause {login}", [Field("reason", "Reason", "supervisor")])
        )
        if login is not None and form is not None:
            with self.console.reporting(f"pause {login}"):
                await self.console.calls.force_pause(login, form["reason"])

    @work(group="supervise")
    async def action_notice(self) -> None:
        form = await self.app.push_screen_wait(
            FormScreen(
                "Broadcast notice",
                [Field("text", "Notice"), Field("queue", "Queue (empty: everyone)")],
            )
        )
        if form is not None and form["text"]:
            with self.console.reporting("notice"):
                await self.console.calls.notice(form["text"], form["queue"] or None)

    @work(group="supervise")
    async def action_call_back(self) -> None:
        """Dial the selected abandoned caller from a chosen agent's phone."""
        selected = self._selected("abandoned")
        if selected is None:
            self.console.show_error("call back: select an abandoned call first")
            return
        abandoned = self.board.abandoned[int(selected)]
        agents = [(login, f"{login} ({a.state})") for login, a in sorted(self.board.agents.items())]
        agent = await self.app.push_screen_wait(
            ChoiceScreen(
                f"Call back {abandoned.number} from",
                agents or [(self.console.session.login, "my phone")],
            )
        )
        if agent is not None:
            with self.console.reporting("call back"):
                await self.console.calls.dial(abandoned.number, agent=agent)
                self.console.show_info(f"Calling back {abandoned.number} from {agent}")

    def action_desk(self) -> None:
        self.app.push_screen(DeskScreen())

    def action_statistics(self) -> None:
        self.app.push_screen(StatisticsScreen())


__all__ = ["WallBoardScreen"]
