"""The supervisor's actions on the wall-board: listen, whisper or barge on a call, release
or intercept it, sign out or pause an agent, broadcast a notice, call an abandoned caller
back, and the desk and statistics screens. Each acts on the row selected in its table."""

from __future__ import annotations

from textual import work
from textual.widgets import DataTable

from agent_tui.board_state import BoardState
from agent_tui.screens.base import FramedScreen
from agent_tui.screens.desk import DeskScreen
from agent_tui.screens.dialogs import ChoiceScreen, Field, FormScreen
from agent_tui.screens.statistics import StatisticsScreen


class SupervisorActions(FramedScreen):
    """The wall-board's supervisor actions (the screen itself draws the tables)."""

    @property
    def board(self) -> BoardState:
        """The app's wall-board state."""
        return self.console.board

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


__all__ = ["SupervisorActions"]
