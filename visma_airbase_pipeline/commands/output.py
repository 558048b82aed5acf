"""Plain terminal output shared by the commands."""

from __future__ import annotations

from collections.abc import Sequence


def print_rows(rows: Sequence[tuple[str, str]], indent: str = "  ") -> None:
    """Aligned ``label  value`` lines."""
    if not rows:
        return
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{indent}{label.ljust(width)}  {value}")
