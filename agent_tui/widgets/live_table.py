"""A table whose rows are put, moved and dropped one at a time, each kept in its order,
repainting only the lines that changed.

Textual's ``DataTable.update_cell`` counts every change as a new version of the whole
table: every visible line is rendered again and the whole widget repainted, so a wall-board
with many agents spent a frame or more on each push. :class:`LiveTable` writes a row's
cells in place and repaints that row's line; a row that moves to keep the order repaints
the lines between its old and new place. It relies on ``DataTable`` internals of the
Textual release the project pins (8.2.8: ``_data``, ``_row_locations`` and the render
caches); the wall-board tests compare its rows with a table built from scratch.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import RowKey

Order = tuple[str, ...]
"""Where a row goes: rows are kept sorted by this tuple (its last item should be the key)."""
Placed = tuple[str, Sequence[Text], Order]
"""A row to show: its key, its cells and its order."""


def same_cell(shown: object, cell: Text) -> bool:
    """Whether a shown cell already reads and looks like ``cell`` (text, style and spans)."""
    return (
        isinstance(shown, Text)
        and shown.plain == cell.plain
        and shown.style == cell.style
        and shown.spans == cell.spans
    )


class LiveTable(DataTable[Text]):
    """A ``DataTable`` of one-line rows kept in their :data:`Order`, changed row by row."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._sorted: list[tuple[Order, str]] = []
        """The rows' orders and keys, as the rows stand (index = row index)."""
        self._orders: dict[str, Order] = {}

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
