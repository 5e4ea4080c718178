"""The record of processing activities as a PDF (fpdf2, embedded Unicode font): the same
content as the page."""

from __future__ import annotations

from flask_babel import gettext as _

from appliance.pdfdoc import Document
from appliance.privacy.record import Record

LABEL_WIDTH = 62


def _row(doc: Document, label: str, value) -> None:
    """Label on the left, the value (or one line per item of a list) beside it."""
    label = str(label)
    doc.use(9, bold=True)
    label_height = doc.multi_cell(LABEL_WIDTH, 5, label, align="L", dry_run=True, output="HEIGHT")
    if doc.get_y() + label_height > doc.page_break_trigger:
        doc.add_page()
    top = doc.get_y()
    doc.multi_cell(LABEL_WIDTH, 5, label, align="L", new_x="RIGHT", new_y="TOP")
    doc.use(9)
    for line in [f"- {item}" for item in value] if isinstance(value, list) else [value]:
        doc.set_x(doc.l_margin + LABEL_WIDTH + 2)
        doc.multi_cell(0, 5, str(line), align="L", new_x="LMARGIN", new_y="NEXT")
    doc.set_y(max(doc.get_y(), top + label_height) + 1.5)


def render(record: Record) -> bytes:
    doc = Document()
    doc.footer_text = _("Record of processing activities (GDPR article 30)")
    doc.set_auto_page_break(True, margin=16)
    doc.add_page()
    doc.use(15, bold=True)
    doc.multi_cell(0, 8, doc.footer_text, new_x="LMARGIN", new_y="NEXT")
    doc.use(9)
    doc.cell(0, 6, _("Generated on %(when)s", when=record.generated))
    doc.ln(8)
    for section in record.sections:
        if doc.get_y() > 250:
            doc.add_page()
        doc.use(12, bold=True)
        doc.multi_cell(0, 7, section.title, new_x="LMARGIN", new_y="NEXT")
        for label, value in section.rows:
            _row(doc, label, value)
        doc.ln(2)
    return bytes(doc.output())
