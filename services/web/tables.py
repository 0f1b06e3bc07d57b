"""A page's tables as data: the same rows become an HTML table, a CSV file, an .xlsx
workbook and a JSON list, so every download says exactly what the page says."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook


@dataclass
class Table:
    """Named columns (``keys`` for JSON and files, ``headers`` for people) and rows of
    values; ``links`` gives, per row, the page its ``link_key`` cell points to (or None)."""

    name: str
    title: str
    keys: list[str]
    headers: list[str]
    link_key: str = ""
    """The column whose cell links to the row's page."""
    hidden: set[str] = field(default_factory=set)
    """Columns the HTML table leaves out (ids and codes that files and JSON keep)."""
    page_rows: int | None = None
    """How many rows the HTML table shows at most (files and JSON have them all)."""
    rows: list[list[Any]] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)

    def add(self, values: list[Any], link: str | None = None) -> None:
        """Append a row (values in column order)."""
        self.rows.append(values)
        self.links.append(link)

    def visible(self) -> list[int]:
        """The indices of the columns the HTML table shows."""
        return [i for i, key in enumerate(self.keys) if key not in self.hidden]

    def status_codes(self) -> list[str]:
        """Each row's status code (for its colour), "" where the table has none."""
        if "status_code" not in self.keys:
            return [""] * len(self.rows)
        i = self.keys.index("status_code")
        return [str(row[i]) for row in self.rows]

    def shown_rows(self) -> list[tuple[int, list[Any]]]:
        """(index, row) of the rows the HTML table shows."""
        return list(enumerate(self.rows[:self.page_rows] if self.page_rows else self.rows))

    def records(self) -> list[dict[str, Any]]:
        """The rows as JSON objects keyed by column."""
        return [dict(zip(self.keys, row)) for row in self.rows]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads the diacritics right), header row first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    writer.writerows([_cell(v) for v in row] for row in table.rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    """One sheet, header row first; numbers stay numbers."""
    book = Workbook()
    sheet = book.active
    sheet.title = table.name[:31]  # Excel's limit on a sheet name
    sheet.append(table.headers)
    for row in table.rows:
        sheet.append([_cell(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
