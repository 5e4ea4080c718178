"""Text widths as the PDF will draw them: fpdf2's own measure of the embedded DejaVu fonts.

The layout wraps every line itself and the renderer draws exactly those lines, so the two can
never disagree; measuring with fpdf2 keeps a line from running past its box in the PDF. The scan
reader rebuilds the same layout with the same measure, and so finds every box where it was
printed.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable

from appliance.pdfdoc import Document

# (text, size in points, bold) -> width in mm
Measure = Callable[[str, float, bool], float]

_lock = threading.Lock()  # an FPDF object carries its current font: one measurer at a time


@functools.cache
def _document() -> Document:
    return Document()


@functools.lru_cache(maxsize=4096)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in mm of ``text`` on one line in DejaVu Sans (bold or not) at ``size`` points."""
    with _lock:
        doc = _document()
        doc.use(size, bold)
        return float(doc.get_string_width(text))
