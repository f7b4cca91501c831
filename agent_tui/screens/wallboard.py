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
from textual.widgets import DataTable, Label, Sparkline, Static

from agent_tui.board_state import UNKNOWN, WAIT_BUCKETS, BoardState
from agent_tui.feed import LiveFeed
from agent_tui.keys import BOARD_KEYS, key_line
from agent_tui.plain import plain_cells
from agent_tui.screens.base import FramedScreen, bindings_of
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.dialogs import ChoiceScreen, Field, FormScreen
from agent_tui.screens.statistics import StatisticsScreen
from agent_tui.widgets.status_bar import clock_text
from cti.protocol import CampaignUpdate, QueueUpdate, parse_time

NARROW = 120
PACER_MODES = {
    "predictive": "predictive",
    "progressive_at_cap": "prog: at cap",
    "progressive_small_team": "prog: team",
    "progressive_few_samples": "prog: samples",
    "nobody_soon_free": "none free",
}
"""The pacer's last decision as the campaign panel names it (its guard, shortened)."""


def _count(value: int) -> str:
    return "-" if value == UNKNOWN else str(value)


def campaign_cells(campaign: CampaignUpdate) -> list[str]:
    """A campaign's row: status, mode, counts, abandon rates against the target, pacer."""
    rates = (
        f"{campaign.abandon_rate_30d:.1%}/{campaign.abandon_rate_24h:.1%}"
        f" ≤{campaign.abandon_target:.0%}"
    )
    over = campaign.abandon_rate_30d > campaign.abandon_target
    return [
        campaign.name,
        campaign.status,
        campaign.mode.replace("_", " "),
        str(campaign.dialled),
        str(campaign.answered),
        str(campaign.connected),
        str(campaign.abandoned),
        f"{rates}{' !' if over else ''}",
        _count(campaign.leads_remaining),
        "/".join(
            _count(n)
            for n in (campaign.agents_ready, campaign.agents_talking, campaign.agents_wrapping_up)
        ),
        PACER_MODES.get(campaign.pacer_mode or "", campaign.pacer_mode or ""),
    ]


def _table(table_id: str, *columns: tuple[str, int]) -> DataTable[str]:
    """A table with fixed column widths, so a value seen once does not widen it for good."""
    table: DataTable[str] = DataTable(id=table_id, cursor_type="row", zebra_stripes=True)
    for label, width in columns:
        table.add_column(label, width=width)
    return table


class WallBoardScreen(FramedScreen):
    """Live queues, agents and calls for a supervisor."""

    BINDINGS = bindings_of(BOARD_KEYS)

    def compose(self) -> ComposeResult:
        yield from self.frame("board-status")
        yield _table(
            "queues",
            ("Queue", 15),
            ("Wait", 4),
            ("Max", 5),  # the longest wait now, mm:ss
            ("Ready", 5),
            ("Busy", 4),
            ("Pause", 5),
            ("Answ", 5),
            ("Aband", 5),
            ("SL", 10),  # "83% ≤20s": today's service level against the queue's threshold
        )
        campaigns = _table(
            "campaigns",
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
                ("Agent", 12),
                ("State", 16),
                ("Time", 7),
                ("Reason", 10),
                ("Call", 13),
                ("Taken", 5),
            )
            yield _table(
                "calls", ("Caller", 13), ("State", 11), ("Queue", 10), ("Agent", 12), ("Time", 7)
            )
        with Horizontal(id="board-bottom"):
            yield _table(
                "abandoned", ("Time", 5), ("Number", 13), ("Member", 11), ("Wait", 5), ("Queue", 10)
            )
            with Vertical(id="charts"):
                yield Label("Calls per 30 min today")
                yield Sparkline([], id="per-interval")
                yield Label(f"Waits ≤{'/'.join(str(b) for b in WAIT_BUCKETS)}s/longer")
                yield Sparkline([], id="waits")
        yield Static(key_line(BOARD_KEYS), id="board-keys")

    def on_resize(self, event: events.Resize) -> None:
        """Below 120 columns the tables stack and the charts are left out."""
        self.set_class(event.size.width < NARROW, "-narrow")

    @property
    def board(self) -> BoardState:
        """The app's wall-board state."""
        return self.console.board

    def status_line(self) -> Text:
        """The supervisor's name, telephony and the notice."""
        board = self.board
        line = Text(f" Wall-board  {self.console.session.display_name} ", "bold reverse")
        if board.telephony_online is not None:
            online = board.telephony_online
            line.append(
                " Telephony online " if online else " Telephony OFFLINE ",
                "green" if online else "bold red",
            )
        if board.notice:
            line.append(f"│ Notice: {board.notice}", "bold yellow")
        return line

    def redraw(self) -> None:
        """Draw the status line and every table and chart from the board state."""
        self.draw_frame()
        self.draw_queues()
        self.draw_campaigns()
        self.draw_agents()
        self.draw_calls()

    def redraw_timers(self) -> None:
        """The clock moved: the agents' and calls' times and the calls per interval."""
        self.draw_frame()
        self.draw_agents()
        self.draw_calls()

    # -- live messages ----------------------------------------------------------------------
    def on_live_feed_queue_updated(self, _: LiveFeed.QueueUpdated) -> None:
        """A queue's counters changed."""
        self.draw_queues()

    def on_live_feed_campaign_updated(self, _: LiveFeed.CampaignUpdated) -> None:
        """A campaign's figures moved."""
        self.draw_campaigns()

    def on_live_feed_agent_state_changed(self, _: LiveFeed.AgentStateChanged) -> None:
        """An agent changed state."""
        self.draw_agents()

    def on_live_feed_call_updated(self, _: LiveFeed.CallUpdated) -> None:
        """A call moved on: today's figures, the agents' calls and the calls may change."""
        self.draw_queues()
        self.draw_agents()
        self.draw_calls()

    # -- drawing --------------------------------------------------------------------------------
    def draw_queues(self) -> None:
        """The queues table: live counters and today's figures."""
        if not self.drawable:
            return
        self._fill(
            "queues",
            [
                (
                    name,
                    [
                        name,
                        str(q.waiting),
                        clock_text(q.longest_wait_seconds),
                        str(q.agents_ready),
                        str(q.agents_busy),
                        str(q.agents_paused),
                        *self._today(q),
                    ],
                )
                for name, q in sorted(self.board.queues.items())
            ],
        )

    def draw_campaigns(self) -> None:
        """The campaign panel: one row per campaign (hidden while there is none)."""
        if not self.drawable:
            return
        campaigns = sorted(self.board.campaigns.values(), key=lambda c: c.campaign_id)
        self.query_one("#campaigns", DataTable).display = bool(campaigns)
        self._fill("campaigns", [(str(c.campaign_id), campaign_cells(c)) for c in campaigns])

    def draw_agents(self) -> None:
        """The agents table: state, time in it, call and calls taken today."""
        if not self.drawable:
            return
        board, now = self.board, self.console.clock()
        self._fill(
            "agents",
            [
                (
                    login,
                    [
                        login,
                        a.state + (f" ({a.reason})" if a.reason else ""),
                        clock_text((now - parse_time(a.since)).total_seconds()),
                        a.reason or "",
                        (call.caller if (call := board.call_of(login)) else ""),
                        str(board.taken.get(login, 0)),
                    ],
                )
                for login, a in sorted(board.agents.items())
            ],
        )

    def draw_calls(self) -> None:
        """The live calls, today's abandoned callers and the charts."""
        if not self.drawable:
            return
        board, now = self.board, self.console.clock()
        self._fill(
            "calls",
            [
                (
                    c.call_id,
                    [
                        c.caller,
                        c.state,
                        c.queue or "",
                        c.agent or "",
                        clock_text((now - parse_time(c.since)).total_seconds()),
                    ],
                )
                for c in board.calls.values()
            ],
        )
        self._fill(
            "abandoned",
            [
                (
                    f"{i}",
                    [
                        a.at.astimezone().strftime("%H:%M"),
                        a.number,
                        a.member or "-",
                        clock_text(a.wait_seconds),
                        a.queue or "",
                    ],
                )
                for i, a in enumerate(reversed(board.abandoned))
            ],
        )
        self.query_one("#per-interval", Sparkline).data = board.interval_series(now)[-48:]
        self.query_one("#waits", Sparkline).data = board.wait_series()

    def _today(self, queue: QueueUpdate) -> list[str]:
        """Answered, abandoned, and the service level against the queue's own threshold."""
        figures = self.board.today.get(queue.queue)
        level = self.board.service_level(queue.queue)
        shown = f"{'-' if level is None else f'{level:.0%}'} ≤{queue.service_level_seconds}s"
        if figures is None:
            return ["0", "0", shown]
        return [str(figures.answered), str(figures.abandoned), shown]

    def _fill(self, table_id: str, rows: list[tuple[str, list[str]]]) -> None:
        table = self.query_one(f"#{table_id}", DataTable)
        row = table.cursor_row
        table.clear()
        for key, cells in rows:
            table.add_row(*plain_cells(cells), key=key)
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
        abandoned = list(reversed(self.board.abandoned))[int(selected)]
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
