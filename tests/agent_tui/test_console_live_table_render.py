"""The live table draws its rows as Textual's own ``DataTable`` draws the same rows: the
same text and colours on every line on screen, and the same row and column numbers in the
styles that a mouse click reads, after rows are put, changed, moved and dropped (the live
table keeps rows rendered elsewhere and only renumbers them), and a click on a row that
moved selects that row."""

from __future__ import annotations

import random

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable

from agent_tui.widgets.live_table import LiveTable

COLUMNS = (("Caller", 13), ("State", 9), ("Time", 10))
CALLERS = ("13800000001", "13900000002", "long name that is cut at the width", "张伟")


class TwoTables(App[None]):
    """A live table beside a plain ``DataTable`` of the same shape, neither focused."""

    AUTO_FOCUS = None
    CSS = "DataTable { width: 1fr; height: 12; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield LiveTable(id="live")
            yield DataTable[Text](id="plain", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for table in self.query(DataTable):
            for label, width in COLUMNS:
                table.add_column(label, width=width, key=label)


def random_cells(rng: random.Random) -> list[Text]:
    """A row's cells, now and then one marked in red as the board marks a long wait."""
    late = rng.random() < 0.3
    time = Text(f"0{rng.randrange(10)}:{rng.randrange(60):02d}" + (" LONG" if late else ""))
    if late:
        time.stylize("bold red")
    return [Text(rng.choice(CALLERS)), Text(rng.choice(("queued", "answered"))), time]


def lines_of(table: DataTable[Text]) -> list[list[tuple[str, object]]]:
    """Every line on screen: each segment's text and style (its colours, and the row and
    column numbers a click there reads)."""
    return [[(s.text, s.style) for s in table.render_line(y)] for y in range(table.size.height)]


def rebuild(plain: DataTable[Text], live: LiveTable, cursor: int) -> None:
    """The plain table anew with the live table's rows in its order, its cursor on ``cursor``."""
    plain.clear()
    for key in live.keys_in_order:
        plain.add_row(*live.get_row(key), key=key)
    if plain.row_count:
        plain.move_cursor(row=cursor, scroll=False)


async def test_lines_after_puts_moves_and_drops_equal_a_plain_table_of_the_same_rows() -> None:
    rng = random.Random(5)
    app = TwoTables()
    async with app.run_test(size=(100, 16)) as pilot:
        live, plain = app.query_one(LiveTable), app.query_one("#plain", DataTable)
        for step in range(120):
            key = f"c{rng.randrange(30)}"
            if rng.random() < 0.15:
                live.drop(key)
            else:
                cells = random_cells(rng)
                live.put(key, cells, (cells[0].plain, key))
            if rng.random() < 0.1 and live.row_count:
                live.move_cursor(row=rng.randrange(live.row_count))
            if rng.random() < 0.1:
                live.scroll_to(y=rng.randrange(10), animate=False)
            await pilot.pause()
            rebuild(plain, live, live.cursor_row)
            await pilot.pause()
            plain.scroll_to(y=live.scroll_y, animate=False)
            await pilot.pause()
            assert plain.scroll_offset == live.scroll_offset
            assert lines_of(live) == lines_of(plain), f"step {step}"
        assert live.row_count > 10


async def test_a_click_on_a_row_that_moved_selects_that_row() -> None:
    app = TwoTables()
    async with app.run_test(size=(100, 16)) as pilot:
        live = app.query_one(LiveTable)
        for n in range(8):
            live.put(f"c{n}", [Text(f"1390000000{n}"), Text("answered"), Text("00:30")],
                     (f"1390000000{n}", f"c{n}"))  # fmt: skip
        await pilot.pause()
        for key in ("c6", "c7"):  # two rows to the top: the rows above c6 move down by two
            live.put(key, [Text("13800000000"), Text("held"), Text("00:30")], ("138", key))
            await pilot.pause()
        assert live.keys_in_order[:4] == ["c6", "c7", "c0", "c1"]
        x, top = live.region.x + 2, live.region.y + 1  # the first row's line, under the header
        read = [app.screen.get_style_at(x, top + n).meta.get("row") for n in range(8)]
        assert read == list(range(8))  # what a click on each line reads
        await pilot.click(live, offset=(2, 4))  # the header, then c6, c7, c0, c1
        await pilot.pause()
        assert live.cursor_row == 3
        selected = live.coordinate_to_cell_key(live.cursor_coordinate).row_key.value
        assert selected == "c1"
