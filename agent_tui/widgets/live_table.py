"""A table whose rows are put, moved and dropped one at a time, each kept in its order,
repainting only the lines that changed.

Textual's ``DataTable.update_cell`` counts every change as a new version of the whole
table: every visible line is rendered again and the whole widget repainted, so a wall-board
with many agents spent a frame or more on each push. :class:`LiveTable` writes a row's
cells in place and repaints that row's line; a row that moves to keep the order repaints
the lines between its old and new place.

Those lines still have to be drawn again, and ``DataTable`` keys what it rendered by the
row's place and renders each cell through Rich's padding and styling (about a millisecond
a line): a row moved to the top of a full table cost every line below it that much again.
A row's line is drawn the same wherever the row stands, but for its stripe and its row
number (the style's meta that a mouse click reads), so :class:`LiveTable` keeps lines
rendered by what they show and how (cells, stripe, cursor, hover) and gives a kept line
drawn at another place that place's row number; a line not kept is put together from
cells rendered once per text, width and cursor style. A line that only shifted costs a
copy of its segments.

It relies on ``DataTable`` internals of the Textual release the project pins (8.2.8:
``_data``, ``_row_locations``, ``_render_line``, ``_render_cell`` and the render caches);
the wall-board tests compare its rows with a table built from scratch, and its lines, styles
and row numbers included, with a plain ``DataTable`` holding the same rows.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

from rich.padding import Padding
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._types import SegmentLines
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.geometry import Region
from textual.renderables.styled import Styled
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

Order = tuple[str, ...]
"""Where a row goes: rows are kept sorted by this tuple (its last item should be the key)."""
Placed = tuple[str, Sequence[Text], Order]
"""A row to show: its key, its cells and its order."""
CELLS_KEPT = 4096
"""How many rendered cells a table keeps (a few screens' worth, each stripe and cursor)."""
ROWS_KEPT = 1024
"""How many rendered rows a table keeps (a few screens' worth, each stripe and cursor)."""


def same_cell(shown: object, cell: Text) -> bool:
    """Whether a shown cell already reads and looks like ``cell`` (text, style and spans)."""
    return (
        isinstance(shown, Text)
        and shown.plain == cell.plain
        and shown.style == cell.style
        and shown.spans == cell.spans
    )


def _text_look(cell: Text) -> tuple[object, ...]:
    """What a ``Text`` cell's rendering depends on, to key it."""
    return (cell.plain, cell.style, tuple(cell.spans), cell.justify, cell.overflow, cell.no_wrap)


class LiveTable(DataTable[Text]):
    """A ``DataTable`` of one-line rows kept in their :data:`Order`, changed row by row."""

    def __init__(self, *, id: str) -> None:
        self._drawn_cells: LRUCache[tuple[object, ...], SegmentLines] = LRUCache(CELLS_KEPT)
        """Data cells rendered without their place, keyed by what they show and how."""
        self._drawn_rows: LRUCache[tuple[object, ...], tuple[int, Strip]] = LRUCache(ROWS_KEPT)
        """Rows' lines rendered, keyed by what they show and how, with the row drawn at."""
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._sorted: list[tuple[Order, str]] = []
        """The rows' orders and keys, as the rows stand (index = row index)."""
        self._orders: dict[str, Order] = {}

    def notify_style_update(self) -> None:
        """The styles changed (a theme, focus): the kept lines and cells are stale."""
        self._drawn_rows.clear()
        self._drawn_cells.clear()
        super().notify_style_update()

    @property
    def keys_in_order(self) -> list[str]:
        """The rows' keys from top to bottom."""
        return [key for _, key in self._sorted]

    def show(self, rows: Iterable[Placed]) -> None:
        """All rows anew, sorted by their order (a new filter or sort, a first draw); the
        cursor keeps its row number."""
        placed = sorted(rows, key=lambda row: (row[2], row[0]))
        cursor = self.cursor_row
        self.clear()
        self._sorted = [(order, key) for key, _, order in placed]
        self._orders = {key: order for key, _, order in placed}
        for key, cells, _ in placed:
            self.add_row(*cells, key=key)
        if placed:
            self.move_cursor(row=min(cursor, len(placed) - 1))

    def put(self, key: str, cells: Sequence[Text], order: Order) -> None:
        """A row's cells: added at its place, moved if its order changed, else rewritten
        in place; only the lines that change are repainted."""
        old = self._orders.get(key)
        if old is None:
            self.add_row(*cells, key=key)
            self._sorted.append((order, key))
            self._orders[key] = order
            self._move(len(self._sorted) - 1, order, key)
        elif old != order:
            self._write(key, cells)
            self._move(bisect_left(self._sorted, (old, key)), order, key)
        elif self._write(key, cells):
            index = self._index(key)
            self._repaint(index, index)

    def drop(self, key: str) -> None:
        """Remove a row if it is there."""
        order = self._orders.pop(key, None)
        if order is None:
            return
        del self._sorted[bisect_left(self._sorted, (order, key))]
        self.remove_row(key)

    def visible_keys(self) -> list[str]:
        """The keys of the rows on screen now (the ones a clock tick needs to redraw)."""
        top = int(self.scroll_y)
        return [key for _, key in self._sorted[top : top + self.size.height]]

    def _index(self, key: str) -> int:
        index = self._row_locations.get(RowKey(key))
        assert index is not None, key
        return index

    def _write(self, key: str, cells: Sequence[Text]) -> bool:
        """Store the cells that differ from the shown ones; whether any did."""
        data = self._data[RowKey(key)]
        changed = False
        for column, cell in zip(self.ordered_columns, cells, strict=True):
            if not same_cell(data.get(column.key), cell):
                data[column.key] = cell
                changed = True
        return changed

    def _move(self, start: int, order: Order, key: str) -> None:
        """Take the row at index ``start`` to where ``order`` puts it among the others."""
        del self._sorted[start]
        end = bisect_left(self._sorted, (order, key))
        self._sorted.insert(end, (order, key))
        self._orders[key] = order
        low, high = min(start, end), max(start, end)
        locations = self._row_locations
        for index in range(low, high + 1):
            locations[RowKey(self._sorted[index][1])] = index
        self._update_count += 1  # row positions changed: DataTable's offsets are stale
        self._repaint(low, high)

    def _render_line(self, y: int, x1: int, x2: int, base_style: Style) -> Strip:
        """A line as ``DataTable`` renders it, from the line of a row already rendered with
        the same cells and look (stripe, cursor, hover) at another place, given this
        place's row number; the header and any row :meth:`_row_look` cannot key go the
        ``DataTable`` way."""
        try:
            row_key, line_no = self._get_offsets(y)
        except LookupError:
            return super()._render_line(y, x1, x2, base_style)
        cursor, hover = self.cursor_coordinate, self.hover_coordinate
        look = self._row_look(row_key, line_no, base_style, cursor, hover)
        if look is None:
            return super()._render_line(y, x1, x2, base_style)
        row_index, drawn_key = look
        drawn = self._drawn_rows.get((drawn_key, x1, x2))
        if drawn is None:
            drawn = (row_index, super()._render_line(y, x1, x2, base_style))
            self._drawn_rows[(drawn_key, x1, x2)] = drawn
        drawn_at, strip = drawn
        if drawn_at == row_index:
            return strip
        # The row number a click or hover reads; the cells' segments carry one, the padding
        # DataTable adds to the widget's width does not (and must not)
        place = Style.from_meta({"row": row_index})
        return Strip(
            [
                Segment(text, style + place if style is not None and style._meta else style)
                for text, style, _ in strip
            ],
            strip.cell_length,
        )

    def _row_look(
        self,
        row_key: RowKey,
        line_no: int,
        base_style: Style,
        cursor_location: Coordinate,
        hover_location: Coordinate,
    ) -> tuple[int, tuple[object, ...]] | None:
        """The row's number and what its rendered line depends on but its number (its
        cells, stripe, cursor and hover on it, the table's look), or None for a line this
        table renders the ``DataTable`` way (the header, rows of another shape)."""
        row_index = self._row_locations.get(row_key)
        row = self.rows.get(row_key)
        simple = not (self.fixed_rows or self.fixed_columns or self._labelled_row_exists)
        if row_index is None or row is None or row.height != 1 or line_no or not simple:
            return None
        columns = self.ordered_columns
        cells = [self._data[row_key].get(column.key) for column in columns]
        if self.cursor_type != "row" or not all(isinstance(cell, Text) for cell in cells):
            return None
        shown = tuple(_text_look(cell) for cell in cells if isinstance(cell, Text))
        widths = tuple(column.get_render_width(self) for column in columns)
        table_look = (base_style, self.show_cursor, self._show_hover_cursor, self.size.width,
                      self._pseudo_class_state, widths)  # fmt: skip
        on_row = (row_index == cursor_location.row, row_index == hover_location.row)
        return row_index, (shown, row_index % 2, on_row, table_look)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> SegmentLines:
        """A cell's lines as ``DataTable`` draws them: the cell's text rendered once for its
        width and cursor styles, under the row's style (stripe, cursor) and its place's row
        and column numbers; the header and any cell not a one-line ``Text`` go the
        ``DataTable`` way."""
        cell = self._plain_cell(row_index, column_index)
        if cell is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, False, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )  # fmt: skip
        drawn_key = (_text_look(cell), width, post_style)
        drawn = self._drawn_cells.get(drawn_key)
        if drawn is None:
            drawn = self._draw_cell(cell, width, post_style)
            self._drawn_cells[drawn_key] = drawn
        # Rich adds styles associatively: (row + text) + post is row + (text + post); Padding
        # fills the width, so every segment is the cell's and gets the row's style
        place = Style.from_meta({"row": row_index, "column": column_index})
        row_style = base_style + component_style + place
        return [
            [
                Segment(text, row_style if style is None else row_style + style)
                for text, style, _ in line
            ]
            for line in drawn
        ]

    def _plain_cell(self, row_index: int, column_index: int) -> Text | None:
        """The data cell at this place if it is a ``Text`` in a one-line row of a table
        without fixed rows or columns (the cells :meth:`_render_cell` keeps), else None."""
        if row_index < 0 or column_index < 0 or self.fixed_rows or self.fixed_columns:
            return None
        key = self._row_locations.get_key(row_index)
        row = self.rows.get(key) if key is not None else None
        if key is None or row is None or row.height != 1:
            return None
        cell = self._data[key].get(self.ordered_columns[column_index].key)
        return cell if isinstance(cell, Text) else None

    def _draw_cell(self, cell: Text, width: int, post_style: Style) -> SegmentLines:
        """Render a one-line data cell as ``DataTable._render_cell`` does, but for the row's
        style and the place's numbers (added by :meth:`_render_cell`)."""
        options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
        padded = Padding(cell, (0, self.cell_padding))
        styled = Styled(padded, pre_style=Style(), post_style=post_style)
        return self.app.console.render_lines(styled, options)

    def _repaint(self, low: int, high: int) -> None:
        """Forget the rendered rows and repaint the lines of rows ``low``..``high`` on screen."""
        self._row_render_cache.clear()
        self._cell_render_cache.clear()
        self._row_renderable_cache.clear()
        self._line_cache.clear()
        top = low + (self.header_height if self.show_header else 0)
        width = max(self.size.width, self.virtual_size.width)
        lines = Region(0, top, width, high - low + 1)
        shown = lines.intersection(self.window_region)
        if shown.area:
            self.refresh(shown.translate(-self.scroll_offset))


__all__ = ["LiveTable", "Order", "Placed", "same_cell"]
