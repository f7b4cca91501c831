"""Spreadsheet formulas in exported cells: written inert, read back as they were stored.

A spreadsheet program runs a CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (and
some treat a leading tab or carriage return the same way) as a formula, so a member named
``=HYPERLINK(...)`` could run code on the desk of whoever opens the export. Such a cell
is written with a leading apostrophe, which spreadsheets show as text. A value that
starts with an apostrophe itself gets one more, so reading back is exact: the importer
drops one leading apostrophe when a trigger or another apostrophe follows it.
"""

from __future__ import annotations

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""First characters a spreadsheet may run as a formula."""
QUOTE = "'"


def inert(cell: str) -> str:
    """``cell`` as written to an export: never run as a formula, read back unchanged."""
    return QUOTE + cell if cell.startswith((*TRIGGERS, QUOTE)) else cell


def as_stored(cell: str) -> str:
    """An imported cell as it was before :func:`inert` (other cells are kept as they are)."""
    if cell.startswith(QUOTE) and cell[1:].startswith((*TRIGGERS, QUOTE)):
        return cell[1:]
    return cell


__all__ = ["TRIGGERS", "as_stored", "inert"]
