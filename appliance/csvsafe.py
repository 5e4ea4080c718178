"""Formula-safe CSV cells for every export the appliance writes."""

from __future__ import annotations

from typing import Any

# A spreadsheet treats a cell starting with these as a formula (CSV injection, OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> str:
    """Return the cell text; one starting with = + - @ tab or CR gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
