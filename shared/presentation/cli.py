"""The toolkit every `tiendo` command is written with: the runtime, the one `--json`
option and its output convention (docs/cli.md), the parameter types (a day, an agency, a
target, a reason code; the last three complete in the shell from the catalogue), and
tables that fit the terminal.

JSON convention: one top-level object; keys in snake_case; lists under a named key;
instants as ISO 8601 with their offset (UTC); days as YYYY-MM-DD; an error as
``{"error": "…"}`` on stderr with a non-zero exit status."""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

from shared.clock import as_utc
from shared.runtime import Runtime

# The catalogue, the registry and the reason codes are imported where a parameter is
# converted or completed: the main group imports this module, and `tiendo --help` or a
# worker's start should not pay for loading them.

JSON_REQUESTED = "tiendo.json"  # ctx.meta key the main group sets: the command line asks for JSON

pass_runtime = click.make_pass_decorator(Runtime)
"""Pass the Runtime that the main group built (its context's object) as the first argument."""


def runtime(ctx: click.Context) -> Runtime:
    """The Runtime the main group built for this command line."""
    return ctx.find_root().obj


def json_option(help: str = "Print JSON for scripts (docs/cli.md) instead of text.") -> Callable:  # noqa: A002
    """The one ``--json`` flag, passed to the command as ``as_json``."""
    return click.option("--json", "as_json", is_flag=True, help=help)


# ---- JSON ------------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    """What ``json`` cannot write, as the convention writes it."""
    if isinstance(value, datetime):
        # SQLite hands back naive UTC instants and PostgreSQL aware ones in the session's
        # zone: both are written in UTC with their offset, so the output does not depend
        # on the database.
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def json_text(data: Mapping[str, Any]) -> str:
    """``data`` as the convention writes it (indented, UTF-8 text, not \\u escapes)."""
    if not isinstance(data, Mapping):
        raise TypeError(f"a command prints one JSON object, not a {type(data).__name__}: put lists under a key")
    return json.dumps(data, ensure_ascii=False, indent=2, default=_plain)


def echo_json(data: Mapping[str, Any]) -> None:
    """Print one JSON object on stdout."""
    click.echo(json_text(data))


class JsonError(click.ClickException):
    """A user's mistake when the command line asked for JSON: ``{"error": …}`` on stderr."""

    def __init__(self, cause: click.ClickException) -> None:
        super().__init__(cause.format_message())
        self.exit_code = cause.exit_code

    def show(self, file=None) -> None:
        click.echo(json.dumps({"error": self.format_message()}, ensure_ascii=False), err=True, file=file)


def wants_json(args: Iterable[str]) -> bool:
    """Whether a command line asks for JSON (seen before parsing, so that a mistake in an
    option is reported as JSON too)."""
    return "--json" in args


@contextmanager
def json_errors(ctx: click.Context):
    """Within it, a user's mistake on a command line that asked for JSON is reported as
    JSON: the main group's ``invoke`` runs the command inside it."""
    try:
        yield
    except click.ClickException as exc:
        if ctx.meta.get(JSON_REQUESTED):
            raise JsonError(exc) from exc
        raise


# ---- parameter types ------------------------------------------------------------------------
class Day(click.ParamType):
    """A day written YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        text = str(value)
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            self.fail(f"{text!r} is not a valid day; write YYYY-MM-DD, e.g. 2025-03-18", param, ctx)


def _complete(pairs: Iterable[tuple[str, str]], incomplete: str) -> list[CompletionItem]:
    return [CompletionItem(value, help=help) for value, help in pairs if value.startswith(incomplete)]


class AgencyId(click.ParamType):
    """An agency of the registry, by id (ha-noi); completes from the registry, with the
    agency's name as help."""

    name = "AGENCY"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from shared.domain.agencies import get_agency

        try:
            get_agency(str(value))
        except KeyError:
            self.fail(f"unknown agency {value!r} (see: tiendo catalogue agencies)", param, ctx)
        return str(value)

    def shell_complete(self, ctx, param, incomplete):
        from shared.domain.agencies import all_agencies

        return _complete(((a.id, a.name_vi) for a in sorted(all_agencies(), key=lambda a: a.id)), incomplete)


class TargetId(click.ParamType):
    """A target of the catalogue, by id (essential_services); completes from the catalogue."""

    name = "TARGET"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from shared.domain.catalogue import all_target_ids

        if str(value) not in all_target_ids():
            self.fail(f"unknown target {value!r} (see: tiendo catalogue targets)", param, ctx)
        return str(value)

    def shell_complete(self, ctx, param, incomplete):
        from shared.domain.catalogue import all_target_ids, catalogue_on

        names = {t.id: t.name_vi for t in catalogue_on(date(2025, 12, 31)).values()}
        return _complete(((i, names.get(i, "")) for i in sorted(all_target_ids())), incomplete)


class Reason(click.ParamType):
    """A dead letter's reason code (bad_signature); completes from the contract's codes."""

    name = "REASON"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from shared.domain.reasons import ReasonCode

        if str(value) not in {r.value for r in ReasonCode}:
            self.fail(f"unknown reason code {value!r} (the codes: docs/contract.md)", param, ctx)
        return str(value)

    def shell_complete(self, ctx, param, incomplete):
        from shared.domain.reasons import ReasonCode

        return _complete(((r.value, "") for r in ReasonCode), incomplete)


# ---- tables ---------------------------------------------------------------------------------
def output_width() -> int | None:
    """The width tables must fit: COLUMNS when set, the terminal's when stdout is one,
    else none (a pipe gets whole rows, one a line, whatever their length)."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return None


_GAP = 2  # spaces between columns


def table_text(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, wrap: Iterable[int] = (),
               width: int | None = None) -> str:
    """Rows under their headers and a rule, columns two spaces apart, no colours, each line
    at most ``width`` characters (default: :func:`output_width`; none: whole rows).

    Rows too wide wrap the words of the columns in ``wrap`` (indices; default: the last);
    the others (ids, figures, days) stay whole. When even that cannot fit, each row is
    printed as a block instead: its first cell, then "header: value" lines."""
    from rich.cells import cell_len  # rich loads only for commands that print a table

    width = width if width is not None else output_width()
    cells = [[str(cell) for cell in row] for row in rows]
    wrapping = {i % len(headers) for i in (wrap or (-1,))}
    natural = [max(cell_len(text) for text in column) for column in zip(headers, *cells, strict=True)]
    if width is None or sum(natural) + _GAP * (len(headers) - 1) <= width:
        return _columns(headers, cells, natural, wrapping)
    fixed = [i not in wrapping for i in range(len(headers))]
    least = [n if keep else max(cell_len(word) for text in column for word in text.split() or [""])
             for n, keep, column in zip(natural, fixed, zip(headers, *cells, strict=True), strict=True)]
    room = width - _GAP * (len(headers) - 1)
    if sum(least) > room:
        return _blocks(headers, cells, width)
    # What is left over after every column's longest word goes to the wrapping columns in
    # proportion to what they would still need.
    spare, wanted = room - sum(least), [n - m for n, m in zip(natural, least, strict=True)]
    widths = [m + (spare * w // sum(wanted) if sum(wanted) else 0) for m, w in zip(least, wanted, strict=True)]
    return _columns(headers, cells, widths, wrapping)


def _columns(headers: Sequence[str], cells: list[list[str]], widths: list[int], wrapping: set[int]) -> str:
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, _GAP - 1, 0, 0),
                  collapse_padding=True)
    for i, (header, w) in enumerate(zip(headers, widths, strict=True)):
        table.add_column(Text(header), width=w, no_wrap=i not in wrapping, overflow="fold")
    for row in cells:
        table.add_row(*(Text(text) for text in row))
    console = Console(width=sum(widths) + _GAP * len(widths), color_system=None, force_terminal=False,
                      highlight=False, emoji=False, markup=False, soft_wrap=False)
    with console.capture() as captured:
        console.print(table)
    return "\n".join(line.rstrip() for line in captured.get().splitlines())


def _blocks(headers: Sequence[str], cells: list[list[str]], width: int) -> str:
    """Each row as a block: its first cell, then its other cells as "header: value"."""
    import textwrap

    lines: list[str] = []
    for row in cells:
        lines += textwrap.wrap(row[0], width) or [""]
        for header, text in zip(headers[1:], row[1:], strict=True):
            lines += textwrap.wrap(f"{header}: {text}", width, initial_indent="  ", subsequent_indent="    ",
                                   break_long_words=True, break_on_hyphens=False)
    return "\n".join(lines)


def echo_text(text: str) -> None:
    """Print a sentence, wrapped at the width tables fit (none: one line)."""
    import textwrap

    width = output_width()
    click.echo("\n".join(textwrap.wrap(text, width, break_on_hyphens=False)) if width else text)


def echo_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, wrap: Iterable[int] = ()) -> None:
    """Print :func:`table_text` on stdout."""
    click.echo(table_text(headers, rows, wrap=wrap))
