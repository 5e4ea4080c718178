"""The record of processing activities as a PDF (fpdf2, core fonts): the same content as the
page."""

from __future__ import annotations

from flask_babel import gettext as _
from fpdf import FPDF

from appliance.privacy.record import Record

# Core fonts hold Latin-1 only: common typographic characters get a plain stand-in, anything
# else outside Latin-1 becomes "?" rather than an error.
_PLAIN = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u2265": ">=",
        "\u00a0": " ",
    }
)


def latin(text: str) -> str:
    return str(text).translate(_PLAIN).encode("latin-1", "replace").decode("latin-1")


class _Doc(FPDF):
    footer_text = ""

    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, latin(f"{self.footer_text}  -  {self.page_no()}"), align="C")


LABEL_WIDTH = 62


def _row(doc: FPDF, label: str, value) -> None:
    """Label on the left, the value (or one line per item of a list) beside it."""
    label = latin(label)
    doc.set_font("Helvetica", "B", 9)
    label_height = doc.multi_cell(LABEL_WIDTH, 5, label, align="L", dry_run=True, output="HEIGHT")
    if doc.get_y() + label_height > doc.page_break_trigger:
        doc.add_page()
    top = doc.get_y()
    doc.multi_cell(LABEL_WIDTH, 5, label, align="L", new_x="RIGHT", new_y="TOP")
    doc.set_font("Helvetica", size=9)
    for line in [f"- {item}" for item in value] if isinstance(value, list) else [value]:
        doc.set_x(doc.l_margin + LABEL_WIDTH + 2)
        doc.multi_cell(0, 5, latin(line), align="L", new_x="LMARGIN", new_y="NEXT")
    doc.set_y(max(doc.get_y(), top + label_height) + 1.5)


def render(record: Record) -> bytes:
    doc = _Doc(format="A4")
    doc.footer_text = _("Record of processing activities (GDPR article 30)")
    doc.set_auto_page_break(True, margin=16)
    doc.add_page()
    doc.set_font("Helvetica", "B", 15)
    doc.multi_cell(0, 8, latin(doc.footer_text), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=9)
    doc.cell(0, 6, latin(_("Generated on %(when)s", when=record.generated)))
    doc.ln(8)
    for section in record.sections:
        if doc.get_y() > 250:
            doc.add_page()
        doc.set_font("Helvetica", "B", 12)
        doc.multi_cell(0, 7, latin(section.title), new_x="LMARGIN", new_y="NEXT")
        for label, value in section.rows:
            _row(doc, label, value)
        doc.ln(2)
    return bytes(doc.output())
