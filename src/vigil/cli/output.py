"""Printing for people (rich tables) and for scripts (JSON)."""

import json
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()


def emit_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    grid = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*("" if v is None else str(v) for v in row))
    console.print(grid)


def fields(title: str, values: dict[str, Any]) -> None:
    grid = Table(title=title, show_header=False, box=None)
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    for key, value in values.items():
        if value in (None, "", [], {}):
            continue
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        grid.add_row(key, shown)
    console.print(grid)
