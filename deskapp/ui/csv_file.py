"""CSV files the agent exports from tables and charts, with cells a spreadsheet would run as formulas defused."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

# A spreadsheet treats a cell starting with one of these as a formula: a customer or agent name such as
# '=HYPERLINK("http://evil", "click")' would run when the export is opened.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value to write: numbers as they are, text that would start a formula behind a leading quote."""
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(_FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def write_csv(path: str | Path, header: Sequence[object], rows: Iterable[Sequence[object]]) -> None:
    """Write ``header`` and ``rows`` as UTF-8 CSV, every cell passed through ``safe_cell``."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([safe_cell(v) for v in header])
        writer.writerows([safe_cell(v) for v in row] for row in rows)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
