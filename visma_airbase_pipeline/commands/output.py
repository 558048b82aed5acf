"""Terminal output shared by the commands: rich tables in a terminal, the same tables as plain text
(no colour, no wrapping) when stdout is a file, a pipe or a CI log, and JSON for machines."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

import simplejson
from rich import box
from rich.console import Console
from rich.table import Table

#: Wide enough that no cell of a summary wraps in a log file: a grep for a record finds its line.
_PLAIN_WIDTH = 400


def console() -> Console:
    """A console on the current stdout. Markup is off: record ids and reasons may hold brackets."""
    plain = {"markup": False, "highlight": False, "emoji": False}
    out = Console(file=sys.stdout, **plain)  # type: ignore[arg-type]
    if out.is_terminal:
        return out
    return Console(file=sys.stdout, width=_PLAIN_WIDTH, no_color=True, **plain)  # type: ignore[arg-type]


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Sequence[str] = ()) -> Table:
    """A summary table: a header, a rule, one line per row; ``numeric`` columns right-aligned."""
    grid = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    for name in columns:
        grid.add_column(name, justify="right" if name in numeric else "left", overflow="fold")
    for row in rows:
        grid.add_row(*("" if value is None else str(value) for value in row))
    return grid


def print_table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], *, numeric: Sequence[str] = ()
) -> None:
    """Print :func:`table`, indented like the rest of the commands' output (no trailing blanks in a log)."""
    from rich.padding import Padding

    out = console()
    padded = Padding(table(columns, rows, numeric=numeric), (0, 0, 0, 2), expand=False)
    if out.is_terminal:
        out.print(padded)
        return
    with out.capture() as captured:
        out.print(padded)
    print("\n".join(line.rstrip() for line in captured.get().splitlines()))


def print_rows(rows: Sequence[tuple[str, str]], indent: str = "  ") -> None:
    """Aligned ``label  value`` lines."""
    if not rows:
        return
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{indent}{label.ljust(width)}  {value}")


def print_json(value: Any) -> None:
    """JSON on stdout for scripts (Decimals as numbers, dates as ISO strings)."""
    print(simplejson.dumps(value, indent=2, default=str, use_decimal=True))
