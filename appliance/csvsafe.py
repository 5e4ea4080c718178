"""Formula-safe CSV and XLSX cells for every export the appliance writes.

Only text is ever a formula: a number stays a number (a negative NPS is ``-20``, not ``'-20``),
in a CSV cell as in a numeric XLSX cell with a number format; text gets the protection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

# A spreadsheet treats a cell starting with these as a formula (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_number(value: Any) -> bool:
    """A real number (not a bool, not a number written as text)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def csv_safe(value: Any) -> str:
    """Return the cell text; text starting with = + - @ tab or CR gets a leading apostrophe."""
    if is_number(value):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_rows(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """Stream rows as CSV text, every cell formula-safe and quoted: quoting keeps a cell like
    ``x;=1+1`` whole when a Dutch Excel splits on semicolons."""
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()


# Number formats of XLSX cells: codes are locale-free, so a Dutch Excel shows 1.991 and 7,10.
COUNT = "#,##0"
DECIMALS = {0: COUNT, 1: "#,##0.0", 2: "#,##0.00", 3: "#,##0.000"}
PERCENT = "0.0%"


def xlsx_cell(sheet: Any, value: Any, number_format: str | None = None) -> Any:
    """A write-only XLSX cell: a number as a number (with ``number_format``, else a whole number
    as a count), anything else as text exactly as typed, never a formula."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if is_number(value):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = number_format or (COUNT if isinstance(value, int) else "General")
        return cell
    # Answers are cleaned on arrival; older data or an exclusion reason might not be.
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value)) if value is not None else ""
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # set after the value: openpyxl would take "=..." for a formula
    return cell
