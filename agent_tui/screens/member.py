"""The member view: tabs for the 360° parts and the points ledger."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from agent_tui.plain import plain, plain_cells
from agent_tui.screens.base import ConsoleScreen
from agent_tui.widgets.pop import member_lines

LEDGER_COLUMNS = (
    ("Date", 11),
    ("Operation", 9),
    ("Points", 7),
    ("Valid", 7),
    ("Cumulative", 10),
    ("Operator", 9),
    ("Why", 13),
)


def _lines(items: Sequence[object], *fields: str) -> Text:
    """One line per item: the named attributes, two spaces apart (empty ones blank)."""
    if not items:
        return Text("none", "dim")
    return Text("\n".join("  ".join(str(getattr(item, f) or "") for f in fields) for item in items))


class MemberScreen(ConsoleScreen):
    """One member, read from the service when opened; Escape goes back."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("q", "app.pop_screen", "Back")]  # noqa: RUF012

    def __init__(self, member_no: str) -> None:
        super().__init__()
        self.member_no = member_no

    def compose(self) -> ComposeResult:
        yield Static(
            plain(f"Member {self.member_no}  (Esc: back)"), id="member-title", markup=False
        )
        with TabbedContent(id="member-tabs"):
            with TabPane("360°", id="tab-360"):
                yield Static("Loading…", id="member-summary")
            with TabPane("Points ledger", id="tab-ledger"):
                ledger: DataTable[str] = DataTable(id="ledger", zebra_stripes=True)
                for label, width in LEDGER_COLUMNS:
                    ledger.add_column(label, width=width)
                yield ledger
            with TabPane("Requests", id="tab-requests"):
                yield Static("", id="member-requests")
            with TabPane("Calls", id="tab-calls"):
                yield Static("", id="member-calls")
            with TabPane("Cards & assets", id="tab-cards"):
                yield Static("", id="member-cards")

    def on_mount(self) -> None:
        self.load()

    @work(exclusive=True, group="member")
    async def load(self) -> None:
        """Read the 360° view and the ledger."""
        with self.console.reporting(f"member {self.member_no}"):
            view = await self.console.client.member(self.member_no)
            ledger = await self.console.client.ledger(self.member_no)
            profile = view.profile
            self.query_one("#member-title", Static).update(
                plain(f"Member {profile.number} {profile.name}  (Esc: back)")
            )
            self.query_one("#member-summary", Static).update(member_lines(view.summary()))
            self.query_one("#member-requests", Static).update(
                _lines(view.open_requests, "number", "status", "request_type", "subject")
            )
            self.query_one("#member-calls", Static).update(
                _lines(
                    view.last_calls,
                    "started_at",
                    "queue",
                    "agent",
                    "talk_seconds",
                    "disposition_code",
                )
            )
            self.query_one("#member-cards", Static).update(
                _lines(view.cards, "card_number", "card_type", "status")
                + Text("\n")
                + _lines(view.assets, "product_name", "serial", "warranty_end")
            )
            table = self.query_one("#ledger", DataTable)
            table.clear()
            for line in ledger:
                table.add_row(
                    *plain_cells(
                        (
                            line.created_at[5:16].replace("T", " "),
                            line.operation,
                            f"{line.points:+,}",
                            f"{line.valid_after:,}",
                            f"{line.cumulative_after:,}",
                            line.operator,
                            line.why,
                        )
                    )
                )


__all__ = ["MemberScreen"]
