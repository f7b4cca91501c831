"""Text from the server or from users, shown as it is: never read as console markup.

Textual and Rich read ``[...]`` in a plain string as markup: a member named ``Eve [/x]``
would crash the screen that shows it, ``[@click=app.quit]x`` would quit the console
when clicked, ``[red]`` would restyle it. Every string the console did not write itself
(names, notes, subjects, error messages, anything the service sends) reaches a widget as
a :func:`plain` text, a data table cell through :func:`plain_cells`, and widgets that
show such text are made with ``markup=False``.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text


def plain(text: object, style: str = "") -> Text:
    """``text`` as it is, in ``style``: brackets in it are shown, never interpreted."""
    return Text(str(text), style=style)


def plain_cells(cells: Iterable[object]) -> list[Text]:
    """Data table cells shown as they are (a table reads ``str`` cells as markup)."""
    return [plain(cell) for cell in cells]


__all__ = ["plain", "plain_cells"]
