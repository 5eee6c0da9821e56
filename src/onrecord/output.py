"""Rendering results: tables for people, JSON / JSONL / CSV for programs."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.table import Table

FORMATS = ("table", "json", "jsonl", "csv")


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)


def emit(
    rows: Sequence[dict[str, Any]],
    fmt: str,
    columns: Sequence[tuple[str, str]],
    *,
    title: str | None = None,
    out: TextIO | None = None,
    full: Any = None,
) -> None:
    """Print ``rows`` as a table (only ``columns``) or whole as JSON/JSONL/CSV.

    ``full`` replaces ``rows`` in JSON output when the program should see more
    (e.g. a paginated envelope).
    """
    out = out or sys.stdout
    if fmt == "json":
        out.write(json.dumps(full if full is not None else list(rows), ensure_ascii=False, indent=2, default=str))
        out.write("\n")
    elif fmt == "jsonl":
        for r in rows:
            out.write(dumps(r) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow([c for c, _ in columns])
        for r in rows:
            writer.writerow([_cell(r.get(c)) for c, _ in columns])
    else:
        table = Table(title=title, show_lines=False, expand=False)
        for _, header in columns:
            table.add_column(header, overflow="fold")
        for r in rows:
            # Cells are data, never rich markup: "[imminent]" in a snippet must stay visible.
            table.add_row(*[escape(_cell(r.get(c))) for c, _ in columns])
        # Pipes and logs get a wide table instead of a squeezed 80 columns.
        Console(file=out, width=None if out.isatty() else 160).print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return value.get("text") or dumps(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def shorten(text: str | None, n: int = 90) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def print_kv(pairs: Iterable[tuple[str, Any]], out: TextIO | None = None) -> None:
    console = Console(file=out or sys.stdout)
    for k, v in pairs:
        console.print(f"[bold]{k}:[/bold] {escape(_cell(v))}", highlight=False)


def render_variant_diffs(diffs: Sequence[dict[str, Any]]) -> str:
    """Stored word diffs of a statement's variants, one ``quote_id: same [-removed-] {+added+}`` line each."""
    from onrecord.speakers.statements import diff_line  # lazy: the speakers package is slow to import
    from onrecord.speakers.types import DiffToken

    return "\n".join(
        f"{d.get('quote_id')}: " + diff_line(DiffToken(t.get("tag"), t.get("text", "")) for t in d.get("tokens", []))
        for d in diffs
    )
