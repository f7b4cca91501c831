"""The report rows of ``ctidesk stats`` written as JSON, CSV or XLSX.

The column names are the JSON contract's (docs/statistics.md), in its order. A text
cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``…) is written
inert in CSV and XLSX alike (:mod:`crm_core.io.formulas`); numbers stay numbers. CSV
starts with a byte-order mark so spreadsheets open Chinese names intact. In XLSX the
period's ``start`` is a date-time cell in the report's zone (spreadsheets have no
offsets), the ``blocked`` and ``pause_by_reason`` objects are JSON text. A long export
shows a progress bar.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crm_core.io.formulas import inert

FORMATS = ("table", "csv", "json", "xlsx")
PROGRESS_FROM = 2000
"""Rows from which an export to a file shows a progress bar."""
Row = dict[str, Any]


class ExportError(ValueError):
    """An export that cannot be made as asked; ``option`` names the option at fault."""

    def __init__(self, message: str, option: str) -> None:
        super().__init__(message)
        self.option = option


def _text_cell(value: Any) -> Any:
    """A value as a CSV cell: objects as JSON, times as ISO 8601, text made inert."""
    if isinstance(value, dict):
        return inert(json.dumps(value, ensure_ascii=False))
    if isinstance(value, datetime):
        return value.isoformat()
    return inert(value) if isinstance(value, str) else value


def _sheet_cell(value: Any) -> Any:
    """A value as an XLSX cell: a local date-time without offset, objects as JSON text."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dict):
        return inert(json.dumps(value, ensure_ascii=False))
    return inert(value) if isinstance(value, str) else value


def json_text(rows: Sequence[Row]) -> str:
    """The rows as a JSON array (times ISO 8601 with their offset)."""
    return json.dumps(
        [{k: v.isoformat() if isinstance(v, datetime) else v for k, v in r.items()} for r in rows],
        ensure_ascii=False,
        indent=1,
    )


def csv_text(rows: Sequence[Row], fields: Sequence[str]) -> str:
    """The rows as CSV with a header, preceded by a byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(fields)
    for row in rows:
        writer.writerow(_text_cell(row[name]) for name in fields)
    return "\ufeff" + buffer.getvalue()


def _counted(rows: Sequence[Row], console: Console, show: bool) -> Iterator[Row]:
    """The rows, advancing a progress bar on ``console`` when ``show``."""
    if not show:
        yield from rows
        return
    with Progress(
        TextColumn("exporting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("rows", total=len(rows))
        for number, row in enumerate(rows, start=1):
            yield row
            if number % 500 == 0 or number == len(rows):
                progress.update(task, completed=number)


def write_xlsx(
    rows: Sequence[Row], fields: Sequence[str], path: Path, *, title: str, console: Console
) -> None:
    """The rows as one worksheet named ``title``, the contract's names as its header."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    sheet.append(list(fields))
    for row in _counted(rows, console, len(rows) >= PROGRESS_FROM):
        sheet.append([_sheet_cell(row[name]) for name in fields])
    book.save(path)


def export(
    rows: Sequence[Row],
    fields: Sequence[str],
    *,
    output_format: str,
    output: Path | None,
    title: str,
    console: Console,
) -> None:
    """Print or write ``rows`` in ``output_format`` (json, csv or xlsx; xlsx to a file)."""
    if output_format not in FORMATS or output_format == "table":
        raise ExportError(f"{output_format!r} is not table, csv, json or xlsx", "format")
    if output_format == "xlsx":
        if output is None:
            raise ExportError("xlsx is written to a file: give --output FILE", "output")
        write_xlsx(rows, fields, output, title=title, console=console)
    else:
        text = json_text(rows) if output_format == "json" else csv_text(rows, fields)
        if output is None:
            console.print(text, markup=False, highlight=False, soft_wrap=True)
            return
        output.write_text(text, encoding="utf-8")
    console.print(f"{len(rows)} rows written to {output}", markup=False, highlight=False)


__all__ = ["FORMATS", "ExportError", "csv_text", "export", "json_text", "write_xlsx"]
