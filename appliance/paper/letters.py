"""Mail-merged invitation letters: one A4 page per letter, all in one PDF to print.

Contract: :func:`render` writes the letters in the order given, each starting on a new page
(one page each, unless a staff text is too long for one), and returns the PDF's bytes. It keeps
nothing: the PDF holds names and addresses and is handed to staff as a download only.

Layout (millimetres from the sheet's top left), DIN 5008 form B, the layout NEN 1026 follows
for Dutch business letters:

- letterhead in the top 45 mm (organisation name and address);
- the address field :data:`WINDOW` (85 x 45 mm at 20 mm from the left, 45 mm from the top):
  the top 17.7 mm hold the return address in small print, the address itself starts at
  :data:`ADDRESS_TOP` and 5 mm in from the field's edge. Folded in three at the fold marks
  (105 and 210 mm), the field shows through the window of a DL (110 x 220 mm) or C5/6
  (114 x 229 mm) window envelope, whose window is 90 x 45 mm at 20 mm from the left and 15 mm
  from the bottom;
- the information block (date) at 125 mm from the left, beside the address field;
- the text from 98.5 mm, then the answer block: QR code of the survey link, the short code
  and where to type it, and how to opt out.

Speed (see ``benchmarks/paper_letters.py``): one document, its fonts added once; the QR code
is drawn as one filled path of rectangles (one per run of dark modules in a row) written
straight into the page's content stream, not as an image or thousands of ``rect`` calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import segno

from appliance.i18n import N_
from appliance.pdfdoc import Document


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float

    def contains(self, x: float, y: float) -> bool:
        return self.x <= x <= self.x + self.width and self.y <= y <= self.y + self.height


WINDOW = Rect(20.0, 45.0, 85.0, 45.0)
"""DIN 5008 form B address field (mm from the sheet's top left): what a DL or C5/6 window
envelope shows."""
ADDRESS_TOP = WINDOW.y + 17.7  # below the return-address zone of the field
ADDRESS_LEFT = WINDOW.x + 5.0
INFO_LEFT = 125.0
TEXT_TOP = 98.5
LEFT, RIGHT = 25.0, 20.0
TEXT_WIDTH = 210.0 - LEFT - RIGHT
FOLDS = (105.0, 210.0)  # form B fold marks; the punch mark halves the sheet
ANSWER_TOP = 212.0  # the answer block, unless the text runs further
QR_SIZE = 32.0
LINE = 5.0  # body line height, 10 pt text

# Fixed texts of a letter, English msgids; the caller gives them translated (LetterTexts).
ANSWER_HEADING = N_("Fill in the questionnaire online")
ANSWER_HOW = N_(
    "Scan the QR code with your phone's camera, or go to %(address)s and enter your personal code:"
)
OPT_OUT = N_(
    "Rather not take part, now or in future? Go to %(address)s and enter the same code, or "
    "contact %(organisation)s."
)
DATE_LABEL = N_("Date")


@dataclass(frozen=True)
class LetterTexts:
    """The fixed texts in the letter's language (``%(…)s`` filled in here)."""

    answer_heading: str = ANSWER_HEADING
    answer_how: str = ANSWER_HOW
    opt_out: str = OPT_OUT
    date_label: str = DATE_LABEL


@dataclass(frozen=True)
class Letter:
    """One letter: the addressee's lines, its text (staff's template, filled in), the survey
    link for the QR code and the short code as printed."""

    address: tuple[str, ...]  # name line first
    body: str
    link: str
    code: str  # XXXX-XXXX-XXXX-XXXX
    date: str
    texts: LetterTexts
    language: str = ""  # the letter's language (the paper form appended follows it)


@dataclass(frozen=True)
class Letterhead:
    organisation: str
    address: str  # free text, lines separated by newlines or commas
    code_address: str  # where to type the code, e.g. "enquete.example.nl/c"
    optout_address: str  # e.g. "enquete.example.nl/u"

    @property
    def lines(self) -> list[str]:
        text = self.address.replace("\r", "")
        parts = text.split("\n") if "\n" in text else text.split(",")
        return [p.strip() for p in parts if p.strip()]

    @property
    def return_line(self) -> str:
        return "  \u00b7  ".join(p for p in (self.organisation, *self.lines) if p)


Extra = Callable[[Document, Letter], None]
"""Something to append after a letter (e.g. the paper questionnaire with its code)."""


def render(letterhead: Letterhead, letters: Iterable[Letter], extra: Extra | None = None) -> bytes:
    """The PDF of ``letters`` in order (see the module's contract); ``extra`` is called after
    each letter, on the same document, to append pages (the paper form hook)."""
    pdf = _LetterDocument()
    for letter in letters:
        _letter(pdf, letterhead, letter)
        if extra is not None:
            extra(pdf, letter)
    if not pdf.page_no():
        pdf.add_page()
    return bytes(pdf.output())


class _LetterDocument(Document):
    def __init__(self) -> None:
        super().__init__()
        self.set_auto_page_break(True, margin=15)
        self.set_margins(LEFT, 15, RIGHT)
        self.set_compression(True)

    def footer(self) -> None:  # letters carry no page numbers
        return


def _letter(pdf: _LetterDocument, head: Letterhead, letter: Letter) -> None:
    pdf.add_page()
    _fold_marks(pdf)
    # Letterhead.
    pdf.use(15, bold=True)
    _line(pdf, LEFT, 15, 7, head.organisation)
    pdf.use(8.5)
    y = 23.0
    for line in head.lines[:4]:
        _line(pdf, LEFT, y, 4, line)
        y += 4
    # Return address, small, at the bottom of the field's top zone.
    pdf.use(6.5)
    _line(pdf, ADDRESS_LEFT, ADDRESS_TOP - 5, 3.5, head.return_line[:90])
    # The address.
    pdf.use(10)
    y = ADDRESS_TOP
    for line in letter.address[:6]:
        _line(pdf, ADDRESS_LEFT, y, 4.5, line)
        y += 4.5
    # Information block.
    pdf.use(8)
    _line(pdf, INFO_LEFT, ADDRESS_TOP, 4, letter.texts.date_label)
    pdf.use(10)
    _line(pdf, INFO_LEFT, ADDRESS_TOP + 4, 5, letter.date)
    # The text.
    bottom = _paragraphs(pdf, letter.body.strip("\n"), LEFT, TEXT_TOP, TEXT_WIDTH, LINE)
    _answer_block(pdf, head, letter, max(ANSWER_TOP, bottom + 6))


def _answer_block(pdf: _LetterDocument, head: Letterhead, letter: Letter, top: float) -> None:
    if top + QR_SIZE + 16 > pdf.h - 12:
        pdf.add_page()
        top = 25.0
    texts = letter.texts
    pdf.set_draw_color(120)
    pdf.set_line_width(0.3)
    pdf.rect(LEFT - 3, top - 3, TEXT_WIDTH + 6, QR_SIZE + 6)
    _qr(pdf, letter.link, LEFT, top, QR_SIZE)
    x = LEFT + QR_SIZE + 6
    width = TEXT_WIDTH - QR_SIZE - 6
    pdf.use(10.5, bold=True)
    _line(pdf, x, top, 5.5, texts.answer_heading)
    pdf.use(9)
    how = texts.answer_how % {"address": head.code_address}
    below = _paragraphs(pdf, how, x, top + 6.5, width, 4.3)
    pdf.use(15, bold=True)
    _line(pdf, x, below + 1.5, 8, letter.code)
    pdf.use(8)
    organisation = head.organisation.rstrip(".") + "."  # "B.V." ends the sentence once
    opt_out = texts.opt_out.replace("%(organisation)s.", "%(organisation)s")
    opt_out = opt_out % {"address": head.optout_address, "organisation": organisation}
    _paragraphs(pdf, opt_out, LEFT, top + QR_SIZE + 6, TEXT_WIDTH, 3.8)


def _line(pdf: _LetterDocument, x: float, y: float, height: float, text: str) -> None:
    """One line of text in a ``height`` mm line starting at (x, y)."""
    if text:
        pdf.text(x, y + height * 0.7, text)


_WRAPPED: dict[tuple, list[str]] = {}


def _wrap(pdf: _LetterDocument, paragraph: str, width: float) -> list[str]:
    """``paragraph`` broken into lines of at most ``width`` mm in the current font (a word
    longer than a line stays whole). Most paragraphs are the same in every letter of a
    campaign: each is measured once per font and width."""
    key = (paragraph, width, pdf.font_family, pdf.font_style, pdf.font_size_pt)
    lines = _WRAPPED.get(key)
    if lines is not None:
        return lines
    space = pdf.get_string_width(" ")
    lines, line, used = [], [], 0.0
    for word in paragraph.split(" "):
        wide = pdf.get_string_width(word)
        if line and used + space + wide > width:
            lines.append(" ".join(line))
            line, used = [], 0.0
        used += (space if line else 0.0) + wide
        line.append(word)
    lines.append(" ".join(line))
    if len(_WRAPPED) > 5_000:
        _WRAPPED.clear()
    _WRAPPED[key] = lines
    return lines


def _paragraphs(
    pdf: _LetterDocument, text: str, x: float, y: float, width: float, height: float
) -> float:
    """Write ``text`` (paragraphs by newlines) left-aligned from (x, y), ``height`` mm a line;
    returns the y below it. Continues on a new page at the bottom margin."""
    baseline = height * 0.7  # the text's baseline within its line
    for paragraph in text.split("\n"):
        for line in _wrap(pdf, paragraph.rstrip(), width):
            if y + height > pdf.h - 15:
                pdf.add_page()
                y = 25.0
            if line:
                pdf.text(x, y + baseline, line)
            y += height
    return y


def _fold_marks(pdf: _LetterDocument) -> None:
    pdf.set_draw_color(150)
    pdf.set_line_width(0.2)
    for y in (*FOLDS, 148.5):
        pdf.line(3, y, 8 if y != 148.5 else 10, y)


def _qr(pdf: _LetterDocument, data: str, x: float, y: float, size: float) -> None:
    """The QR code of ``data`` (error correction M, quiet zone inside ``size``) as one path."""
    # A fixed mask: any mask is valid; choosing the "best" of eight costs most of the time.
    matrix = segno.make_qr(data, error="m", boost_error=False, mask=0).matrix
    modules = len(matrix) + 8  # four modules of quiet zone on each side
    k = pdf.k
    scale = size / modules * k
    # Module space: origin at the code's top left corner, y growing downwards.
    ops = [f"q 0 g {scale:.4f} 0 0 {-scale:.4f} {(x + size * 4 / modules) * k:.3f}"]
    ops.append(f"{(pdf.h - y - size * 4 / modules) * k:.3f} cm")
    for row, bits in enumerate(matrix):
        start = -1
        for col, bit in enumerate((*bits, 0)):
            if bit and start < 0:
                start = col
            elif not bit and start >= 0:
                ops.append(f"{start} {row} {col - start} 1 re")
                start = -1
    ops.append("f Q")
    pdf._out(" ".join(ops))  # noqa: SLF001 - fpdf2 has no public way to write a path at once
