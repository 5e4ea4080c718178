"""Paper questionnaires as PDF (fpdf2): draws a :class:`~appliance.paper.model.FormLayout`
exactly, plus on every page the four corner markers and a QR code saying which survey, which
printed layout and which page it is, and which form when the form has a one-time code.

The QR code is drawn as vector squares (sharp at any printer resolution), ``QR_SIZE`` mm
including a quiet zone of four modules, with error correction level M. Its payload is
``APF1/<survey_id>/<layout digest>/<page>[/<code>]`` (:func:`qr_payload`, :func:`parse_qr`):
the digest names the form's geometry (``model.Geometry``), which is kept when a form is printed,
so a scan is read against the form as printed. "APF1" names this payload format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import segno

from appliance.paper.layout import layout
from appliance.paper.model import DIGEST_LENGTH, PT, FormLayout
from appliance.paper.texts import FormTexts
from appliance.pdfdoc import Document
from appliance.surveys.definition import Definition

PREFIX = "APF1"
QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
# A form code is printed for people to type in: letters, digits and dashes only.
CODE_RE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,39}")
_PAYLOAD = re.compile(
    rf"{PREFIX}/([1-9][0-9]{{0,17}})/([0-9a-f]{{{DIGEST_LENGTH}}})/([1-9][0-9]{{0,2}})"
    rf"(?:/({CODE_RE.pattern}))?"
)


def qr_payload(survey_id: int, digest: str, page: int, code: str | None = None) -> str:
    """What the QR code of ``page`` (from 1) says; ``digest`` names the printed layout
    (``Geometry.digest``), ``code`` is the form's one-time code."""
    if survey_id < 1 or not re.fullmatch(f"[0-9a-f]{{{DIGEST_LENGTH}}}", digest):
        raise ValueError("survey id or layout digest out of range")
    if not 1 <= page <= 999:
        raise ValueError("page out of range")
    if code is not None and not CODE_RE.fullmatch(code):
        raise ValueError("a form code is upper-case letters, digits and dashes")
    return f"{PREFIX}/{survey_id}/{digest}/{page}" + (f"/{code}" if code else "")


def parse_qr(text: str) -> tuple[int, str, int, str | None] | None:
    """(survey id, layout digest, page, code or None) from a form's QR code; None for any
    text that :func:`qr_payload` cannot have made."""
    if not isinstance(text, str):
        return None
    match = _PAYLOAD.fullmatch(text)
    if not match:
        return None
    return int(match[1]), match[2], int(match[3]), match[4]


class FormDocument(Document):
    """A PDF of forms: no automatic page breaks (the layout decides them) and no footer of its
    own (the layout prints "page n of m" of each form)."""

    def __init__(self) -> None:
        super().__init__()
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)

    def footer(self) -> None:
        pass


def new_document() -> FormDocument:
    """An empty PDF to add forms to (:func:`add_form`)."""
    return FormDocument()


def add_form(pdf: FormDocument, form: FormLayout, code: str | None = None) -> None:
    """Append the pages of one form to ``pdf``; ``code`` (one-time form code) goes into every
    page's QR code and is printed beside it."""
    digest = form.digest
    if code is not None:
        qr_payload(form.survey_id, digest, 1, code)  # refuses a code it could not carry
    for page in range(1, form.pages + 1):
        pdf.add_page()
        _page(pdf, form, digest, page, code)


def render(
    definition: Definition,
    language: str,
    *,
    survey_id: int,
    version: int,
    code: str | None = None,
    invited: bool = False,
    texts: FormTexts | None = None,
) -> bytes:
    """One form as a PDF. ``texts`` default to the app's (see :func:`layout`)."""
    form = layout(
        definition, language, survey_id=survey_id, version=version, invited=invited, texts=texts
    )
    return render_many([(form, code)])


def render_many(forms: Iterable[tuple[FormLayout, str | None]]) -> bytes:
    """Several forms (each with its code, or None) one after another in one PDF."""
    pdf = new_document()
    for form, code in forms:
        add_form(pdf, form, code)
    return bytes(pdf.output())


def anonymous_batch(
    definition: Definition,
    language: str,
    *,
    survey_id: int,
    version: int,
    copies: int,
    texts: FormTexts | None = None,
) -> bytes:
    """``copies`` identical forms without a code (to hand out; not for invited people)."""
    if not 1 <= copies <= 1000:
        raise ValueError("between 1 and 1000 copies")
    form = layout(
        definition, language, survey_id=survey_id, version=version, invited=False, texts=texts
    )
    return render_many([(form, None)] * copies)


def _page(pdf: FormDocument, form: FormLayout, digest: str, page: int, code: str | None) -> None:
    pdf.set_fill_color(0)
    pdf.set_draw_color(0)
    for x, y, size in form.markers:
        pdf.rect(x, y, size, size, style="F")
    _qr(pdf, qr_payload(form.survey_id, digest, page, code), *form.qr)
    if code:
        right, top, size = form.code_slot
        pdf.use(size, bold=True)
        pdf.text(right - pdf.get_string_width(code), top + size * PT, code)
    here = form.on_page(page)
    for t in here["texts"]:
        pdf.use(t.size, t.bold)
        pdf.text(t.x, t.baseline, t.text)
    for r in here["rules"]:
        pdf.set_draw_color(150 if r.grey else 0)
        pdf.set_line_width(r.width)
        pdf.line(r.x1, r.y1, r.x2, r.y2)
    pdf.set_draw_color(0)
    pdf.set_line_width(0.3)
    for b in here["boxes"]:
        pdf.rect(b.x, b.y, b.w, b.h)
    for s in here["samples"]:
        _sample(pdf, s.x, s.y, s.size, s.mark)


def _sample(pdf: Document, x: float, y: float, size: float, mark: str) -> None:
    """An example box: crossed, ticked, or filled in (a correction)."""
    pdf.set_line_width(0.3)
    pdf.rect(x, y, size, size, style="DF" if mark == "fill" else "D")
    pdf.set_line_width(0.5)
    if mark == "cross":
        pdf.line(x + 1, y + 1, x + size - 1, y + size - 1)
        pdf.line(x + 1, y + size - 1, x + size - 1, y + 1)
    elif mark == "tick":
        pdf.polyline(
            [(x + 0.9, y + size * 0.55), (x + size * 0.4, y + size - 1), (x + size - 0.6, y + 0.6)]
        )


def _qr(pdf: Document, payload: str, x: float, y: float, size: float) -> None:
    """``payload`` as a QR code filling the square (x, y, size), quiet zone included; runs of
    dark modules in a row are drawn as one rectangle."""
    code = segno.make(payload, error="m", micro=False, boost_error=False)
    matrix = [list(row) for row in code.matrix]
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    pdf.set_fill_color(255)
    pdf.rect(x, y, size, size, style="F")
    pdf.set_fill_color(0)
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            left = x + (QUIET_ZONE + start) * module
            top = y + (QUIET_ZONE + r) * module
            # A hair wider and taller, so neighbouring squares leave no white seam in print.
            pdf.rect(left, top, (c - start) * module + 0.01, module + 0.01, style="F")
