"""Callback tasks: callers who left a voicemail after hours, to be called back.

Enter on a task dials the caller from the agent's phone and, once the dial is placed,
marks the task done; ``x`` marks it done without calling (reached another way); Esc
goes back to the desk. The list is read from the service when the screen opens.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from agent_tui.plain import plain_cells
from agent_tui.screens.base import ConsoleScreen
from cti.protocol import CallbackTask

COLUMNS = (("Due", 17), ("Caller", 16), ("Member", 12), ("Voicemail", 12))


class CallbacksScreen(ConsoleScreen):
    """The callback tasks due now, oldest first."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "app.pop_screen", "Back"),
        Binding("x", "done", "Mark done"),
        Binding("R", "load", "Reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.tasks: dict[str, CallbackTask] = {}

    def compose(self) -> ComposeResult:
        yield Static("Callbacks due  (Enter: call back · x: done · R: reload · Esc: back)")
        table: DataTable[str] = DataTable(id="callbacks", cursor_type="row", zebra_stripes=True)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        yield table
        yield Static("", id="message", markup=False)

    def on_mount(self) -> None:
        self.action_load()

    @work(exclusive=True, group="callbacks")
    async def action_load(self) -> None:
        """Read the tasks due now."""
        with self.console.reporting("callbacks"):
            tasks = await self.console.client.callbacks()
            table = self.query_one("#callbacks", DataTable)
            table.clear()
            self.tasks = {str(task.id): task for task in tasks}
            for key, task in self.tasks.items():
                cells = (
                    task.due_at[:16].replace("T", " "),
                    task.caller,
                    task.member_number or "-",
                    task.message or "-",
                )
                table.add_row(*plain_cells(cells), key=key)
            self.query_one("#message", Static).update(
                f"{len(tasks)} callback(s) due" if tasks else "No callbacks due."
            )

    def _selected(self) -> CallbackTask | None:
        table = self.query_one("#callbacks", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.tasks.get(str(key))

    @on(DataTable.RowSelected, "#callbacks")
    @work(group="callbacks-action")
    async def call_back(self) -> None:
        """Dial the selected caller; the task is done once the dial is placed."""
        task = self._selected()
        if task is None:
            return
        with self.console.reporting("call back"):
            await self.console.calls.dial(task.caller)
            await self.console.client.callback_done(task.id)
            self.console.show_info(f"Calling back {task.caller}")
            self.action_load()

    @work(group="callbacks-action")
    async def action_done(self) -> None:
        """Mark the selected task done without calling."""
        task = self._selected()
        if task is None:
            return
        with self.console.reporting("callback done"):
            await self.console.client.callback_done(task.id)
            self.console.show_info(f"Callback {task.caller} done")
            self.action_load()


__all__ = ["CallbacksScreen"]
