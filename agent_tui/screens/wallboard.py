"""The supervisor's wall-board: queues, campaigns, agents, calls, abandoned callers, charts.

Everything is drawn from the app's :class:`BoardState`, which the WebSocket pushes keep
current; nothing here polls. A :class:`LiveFeed` message marks the rows it changes, and
the pushes that arrive together are applied in one pass after them: each changed row is
put in place (:class:`LiveTable`), so a push costs the rows it touches, not the table.
The clock's tick redraws the times of the rows on screen and the charts.
The keys come from :data:`agent_tui.keys.BOARD_KEYS`. Supervisor actions go through
:class:`CallControlClient`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Static

from agent_tui.feed import LiveFeed
from agent_tui.keys import BOARD_KEYS
from agent_tui.screens.base import bindings_of
from agent_tui.screens.board_actions import SupervisorActions
from agent_tui.widgets.board_charts import CallsChart, ServiceLevelChart, WaitsChart
from agent_tui.widgets.board_rows import (
    SORTS,
    abandoned_order,
    abandoned_row,
    abandoned_shown,
    agent_order,
    agent_row,
    agents_shown,
    call_order,
    call_row,
    calls_shown,
    campaign_cells,
    queue_row,
    shows_abandoned,
    shows_agent,
    shows_call,
)
from agent_tui.widgets.live_table import LiveTable, Placed
from agent_tui.widgets.softphone import keys_text

NARROW = 120


@dataclass
class _Changed:
    """The rows that pushes changed, by table (names and keys; empty strings are none)."""

    queues: set[str] = field(default_factory=set)
    agents: set[str] = field(default_factory=set)
    calls: set[str] = field(default_factory=set)


def _table(table_id: str, title: str, *columns: tuple[str, int]) -> LiveTable:
    """A titled table with fixed column widths, so a value seen once does not widen it for good."""
    table = LiveTable(id=table_id)
    table.border_title = title
    for label, width in columns:
        table.add_column(label, width=width, key=label)
    return table


class WallBoardScreen(SupervisorActions):
    """Live queues, agents and calls for a supervisor."""

    KEYS = BOARD_KEYS
    BINDINGS = bindings_of(BOARD_KEYS)
    queue_filter: str | None = None
    """The queue selected in the queues panel: agents, calls and abandoned callers of it."""
    sort = "name"
    """The agents' and calls' order (``o`` cycles: name, state, time)."""

    def __init__(self) -> None:
        super().__init__()
        self._call_agents: dict[str, str] = {}
        """The agent each live call was last drawn with (whose row shows it in its Call cell)."""

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
        """The clock moved: the times of the agents and calls on screen, the charts (rows
        out of view get theirs at the first tick that finds them on screen)."""
        self.draw_frame()
        if self.drawable:
            self._put_agents(*self._live("agents").visible_keys())
            self._put_calls(*self._live("calls").visible_keys())
            self.draw_charts()

    # -- live messages ----------------------------------------------------------------------
    _changed: _Changed | None = None
    """The rows pushes changed since the last pass (None: no pass is due)."""
    _abandoned_drawn = 0
    """How many of today's abandoned callers the abandoned table has been drawn from."""
    _charts_counted = -1
    """How many calls the board had counted when the charts were drawn."""

    def _marked(self) -> _Changed:
        """The rows to put in the next pass, the pass called once the pending messages ran."""
        if self._changed is None:
            self._changed = _Changed()
            self.call_later(self.apply_changes)
        return self._changed

    def on_live_feed_queue_updated(self, event: LiveFeed.QueueUpdated) -> None:
        """A queue's counters changed: its row."""
        self._marked().queues.add(event.update.queue)

    def on_live_feed_campaign_updated(self, _: LiveFeed.CampaignUpdated) -> None:
        """A campaign's figures moved."""
        self.draw_campaigns()

    def on_live_feed_agent_state_changed(self, event: LiveFeed.AgentStateChanged) -> None:
        """An agent changed state: its row (moved if the order or the filter says so)."""
        self._marked().agents.add(event.agent.login)

    def on_live_feed_call_updated(self, event: LiveFeed.CallUpdated) -> None:
        """A call moved on: its row, its queue's figures, its agents' rows; the charts when
        it was counted."""
        call, changed = event.update, self._marked()
        changed.calls.add(call.call_id)
        changed.queues.add(call.queue or "")
        changed.agents.add(call.agent or "")

    def apply_changes(self) -> None:
        """Put every row the pushes since the last pass changed, in one pass."""
        changed, self._changed = self._changed or _Changed(), None
        if not self.drawable:
            return
        for call_id in changed.calls:  # the agent it was shown with loses it
            changed.agents.add(self._call_agents.pop(call_id, ""))
            call = self.board.calls.get(call_id)
            if call is not None and call.agent:
                self._call_agents[call_id] = call.agent
        self._put_queues(*changed.queues)
        self._put_agents(*changed.agents)
        self._put_calls(*changed.calls)
        self._put_abandoned()
        if self.board.calls_counted != self._charts_counted:
            self.draw_charts()

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
    def _live(self, table_id: str) -> LiveTable:
        return self.query_one(f"#{table_id}", LiveTable)

    def draw_queues(self) -> None:
        """The queues table: live counters and today's figures, marked past the limits."""
        if self.drawable:
            self._live("queues").show(self._queue_row(name) for name in self.board.queues)

    def _queue_row(self, name: str) -> Placed:
        _, cells = queue_row(self.board, self.board.queues[name], self.console.thresholds)
        return name, cells, (name,)

    def _put_queues(self, *names: str) -> None:
        table = self._live("queues")
        for name in names:
            if name in self.board.queues:
                table.put(*self._queue_row(name))
            else:
                table.drop(name)

    def draw_campaigns(self) -> None:
        """The campaign panel: one row per campaign (hidden while there is none)."""
        if not self.drawable:
            return
        campaigns = self.board.campaigns.values()
        table = self._live("campaigns")
        table.display = bool(campaigns)
        table.show(
            (
                str(c.campaign_id),
                [Text(cell) for cell in campaign_cells(c)],
                (f"{c.campaign_id:012d}",),
            )
            for c in campaigns
        )

    def draw_agents(self) -> None:
        """The agents table: state, time in it, call and calls taken today."""
        if not self.drawable:
            return
        board, now, thresholds = self.board, self.console.clock(), self.console.thresholds
        agents = agents_shown(board, self.queue_filter, self.sort)
        self._live("agents").show(
            (a.login, agent_row(board, a, now, thresholds)[1], agent_order(a, self.sort))
            for a in agents
        )

    def _put_agents(self, *logins: str) -> None:
        board, now, thresholds = self.board, self.console.clock(), self.console.thresholds
        table = self._live("agents")
        for login in logins:
            agent = board.agents.get(login)
            if agent is None or not shows_agent(agent, self.queue_filter):
                table.drop(login)
            else:
                cells = agent_row(board, agent, now, thresholds)[1]
                table.put(login, cells, agent_order(agent, self.sort))

    def draw_calls(self) -> None:
        """The live calls and today's abandoned callers."""
        if not self.drawable:
            return
        board, now, thresholds = self.board, self.console.clock(), self.console.thresholds
        calls = calls_shown(board, self.queue_filter, self.sort)
        self._live("calls").show(
            (c.call_id, call_row(c, now, thresholds)[1], call_order(c, self.sort)) for c in calls
        )
        self._call_agents = {c.call_id: c.agent for c in board.calls.values() if c.agent}
        self._live("abandoned").show(
            (str(i), abandoned_row(i, a)[1], abandoned_order(i))
            for i, a in abandoned_shown(board, self.queue_filter)
        )
        self._abandoned_drawn = len(board.abandoned)

    def _put_calls(self, *call_ids: str) -> None:
        board, now, thresholds = self.board, self.console.clock(), self.console.thresholds
        table = self._live("calls")
        for call_id in call_ids:
            call = board.calls.get(call_id)
            if call is None or not shows_call(call, self.queue_filter):
                table.drop(call_id)
            else:
                cells = call_row(call, now, thresholds)[1]
                table.put(call_id, cells, call_order(call, self.sort))

    def _put_abandoned(self) -> None:
        """The abandoned callers added since the table was drawn, at the top."""
        listed = self.board.abandoned
        if len(listed) < self._abandoned_drawn:  # a new day's list
            self.draw_calls()
            return
        table = self._live("abandoned")
        for index in range(self._abandoned_drawn, len(listed)):
            if shows_abandoned(listed[index], self.queue_filter):
                table.put(
                    str(index), abandoned_row(index, listed[index])[1], abandoned_order(index)
                )
        self._abandoned_drawn = len(listed)

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


__all__ = ["WallBoardScreen"]
