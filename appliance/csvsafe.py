"""Formula-safe CSV cells for every export the appliance writes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

# A spreadsheet treats a cell starting with these as a formula (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """Return the cell text; one starting with = + - @ tab or CR gets a leading apostrophe."""
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
