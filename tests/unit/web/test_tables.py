"""A table shows at most ``page_rows`` rows on the page; its files keep every row."""

from __future__ import annotations

import csv
import io

from services.web.tables import Table, to_csv


def test_the_page_shows_a_bounded_number_of_rows_and_the_file_all():
    table = Table("late", "Late", ["agency"], ["Agency"], page_rows=2)
    for name in ("a", "b", "c"):
        table.add([name])
    assert [row for _, row in table.shown_rows()] == [["a"], ["b"]]
    assert list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig")))) == [["Agency"], ["a"], ["b"], ["c"]]
