"""The base of every PDF the appliance writes (fpdf2): DejaVu Sans embedded, so an em dash, a
euro sign, "ł" or "≥" prints as itself. The core PDF fonts hold Latin-1 only; fonts of the
machine are never looked up (the PDF is the same on every server).

The font files ship inside the package (``appliance/fonts``, from Debian's fonts-dejavu-core
2.37, with their licence); fpdf2 embeds only the glyphs a document uses.
"""

from __future__ import annotations

import re
from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).parent / "fonts"
FAMILY = "DejaVu"

_SVG_FONT = re.compile(r'font-family="[^"]*"')


class Document(FPDF):
    """An A4 document with the Unicode font registered (regular and bold) and selected."""

    footer_text = ""

    def __init__(self) -> None:
        super().__init__(format="A4")
        self.add_font(FAMILY, "", FONTS / "DejaVuSans.ttf")
        self.add_font(FAMILY, "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_font(FAMILY, size=10)

    def use(self, size: float, bold: bool = False) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)

    def footer(self) -> None:
        self.set_y(-12)
        self.use(8)
        self.cell(0, 6, f"{self.footer_text}  \u2013  {self.page_no()}", align="C")


def svg_for_pdf(svg: str) -> str:
    """An SVG chart's text drawn with the embedded font instead of the browser's."""
    return _SVG_FONT.sub(f'font-family="{FAMILY}"', svg)
