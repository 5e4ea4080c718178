"""What a PDF shows, read back with PDFium (pypdfium2): the PDFs embed a Unicode font, so their
text is glyph ids, not readable bytes."""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c


def pdf_strings(body: bytes) -> list[str]:
    """The text a PDF shows, one string per drawn text object, in the order they are drawn
    (charts included: their labels are form objects), without the spaces around it."""
    assert body.startswith(b"%PDF")
    doc = pdfium.PdfDocument(body)
    out = []
    try:
        for page in doc:
            textpage = page.get_textpage()
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], textpage=textpage):
                out.append(obj.extract().strip())
    finally:
        doc.close()
    return out


def pdf_text(body: bytes) -> str:
    """The PDF's text, its strings joined by single spaces."""
    return " ".join(" ".join(pdf_strings(body)).split())
