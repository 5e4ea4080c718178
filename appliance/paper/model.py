"""The geometry of a printed form: what is where on which page, and nothing about PDFs.

Every position is in millimetres from the top-left corner of an A4 portrait page (210 x 297),
y growing downwards; pages count from 1. The renderer draws these objects, the scan reader looks
for the boxes on a scanned page (after fitting the page to the corner markers), and keyboard data
entry numbers the questions as they are printed (:attr:`FormLayout.numbers`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from functools import cached_property

PAGE_W, PAGE_H = 210.0, 297.0
# Filled black squares in the four corners; a scan is fitted to their centres.
MARKER, MARKER_INSET = 6.0, 8.0
# The printable area of questions and texts: clear of the markers by 6 mm on every side, below
# the header (title, QR code) and above the footer.
LEFT, RIGHT = 20.0, 190.0
TOP, BOTTOM = 37.0, 272.0
# The QR code with its quiet zone: top right, left of the top-right marker, 6 mm clear of it.
QR_X, QR_Y, QR_SIZE = 172.0, 8.0, 18.0
HEADER_RULE_Y = 33.0
PT = 25.4 / 72  # mm per typographic point
LEADING = 1.25  # line height as a multiple of the font size
# DejaVu Sans: ascender 0.928 em, descender 0.236 em; the line's spare height is split evenly.
_BASELINE = (LEADING - 0.928 - 0.236) / 2 + 0.928


def line_height(size: float) -> float:
    """Height in mm of one line of text at ``size`` points."""
    return size * PT * LEADING


@dataclass(frozen=True)
class Box:
    """One tick box. ``value`` is the answer value a mark means (``"na"`` for not applicable);
    ``item`` the matrix row (None elsewhere)."""

    page: int
    x: float
    y: float
    w: float
    h: float
    question: str
    value: str
    item: str | None = None


@dataclass(frozen=True)
class WriteArea:
    """The lined area of an open answer or a name: the lines are in :attr:`FormLayout.rules`."""

    page: int
    x: float
    y: float
    w: float
    h: float
    question: str


@dataclass(frozen=True)
class Text:
    """One line of text, never wrapped again: ``y`` is the top of its line box, ``w`` its
    measured width and ``h`` its line height; ``x`` is where the text starts."""

    page: int
    x: float
    y: float
    w: float
    h: float
    size: float  # points
    bold: bool
    text: str

    @property
    def baseline(self) -> float:
        return self.y + self.size * PT * _BASELINE


@dataclass(frozen=True)
class Rule:
    """A straight line from (x1, y1) to (x2, y2), ``width`` mm thick; ``grey`` for guides."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float
    width: float = 0.2
    grey: bool = False


@dataclass(frozen=True)
class Sample:
    """An example box in the instructions (never read): ``mark`` is cross, tick or fill."""

    page: int
    x: float
    y: float
    size: float
    mark: str


@dataclass(frozen=True)
class Region:
    """The part of a page a question takes (number, text, routing, answer boxes)."""

    page: int
    y: float
    h: float
    question: str


Item = Box | WriteArea | Text | Rule | Sample


def moved(item: Item, page: int, dy: float) -> Item:
    """``item`` (built at page 0, y relative to its row) put on ``page``, ``dy`` lower."""
    if isinstance(item, Rule):
        return replace(item, page=page, y1=item.y1 + dy, y2=item.y2 + dy)
    return replace(item, page=page, y=item.y + dy)


@dataclass(frozen=True)
class FormLayout:
    """One questionnaire in one language, page by page. The layout is the same for every copy:
    a form code (when there is one) is printed at ``code_slot`` and carried by the QR code."""

    survey_id: int
    version: int
    language: str
    pages: int
    boxes: tuple[Box, ...]
    areas: tuple[WriteArea, ...]
    numbers: dict[str, int]
    markers: tuple[tuple[float, float, float], ...]
    qr: tuple[float, float, float]
    code_slot: tuple[float, float, float]  # (right edge x, top y, size in points)
    texts: tuple[Text, ...]
    rules: tuple[Rule, ...]
    samples: tuple[Sample, ...]
    regions: tuple[Region, ...]

    def on_page(self, page: int) -> dict[str, list]:
        """The page's texts, rules, samples, boxes and areas, by kind."""
        return {
            kind: [item for item in getattr(self, kind) if item.page == page]
            for kind in ("texts", "rules", "samples", "boxes", "areas")
        }

    def boxes_of(self, question: str) -> tuple[Box, ...]:
        return tuple(b for b in self.boxes if b.question == question)

    @cached_property
    def digest(self) -> str:
        """The digest of this form's geometry (what its QR codes carry), worked out once:
        letters append the same form thousands of times."""
        return geometry(self).digest


@dataclass(frozen=True)
class Geometry:
    """What a scan reader needs of a printed form, kept when the form is printed (see
    ``appliance.paper.store``): a scan is read against the form as it was printed, whatever
    changed since in the questionnaire, its translations or this software."""

    survey_id: int
    version: int
    language: str
    pages: int
    markers: tuple[tuple[float, float, float], ...]
    boxes: tuple[Box, ...]
    areas: tuple[WriteArea, ...]
    numbers: dict[str, int]

    def to_json(self) -> str:
        return json.dumps(
            {
                "survey_id": self.survey_id,
                "version": self.version,
                "language": self.language,
                "pages": self.pages,
                "markers": [list(m) for m in self.markers],
                "boxes": [
                    [b.page, b.x, b.y, b.w, b.h, b.question, b.value, b.item] for b in self.boxes
                ],
                "areas": [[a.page, a.x, a.y, a.w, a.h, a.question] for a in self.areas],
                "numbers": self.numbers,
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Geometry:
        data = json.loads(text)
        return cls(
            survey_id=data["survey_id"],
            version=data["version"],
            language=data["language"],
            pages=data["pages"],
            markers=tuple(tuple(m) for m in data["markers"]),
            boxes=tuple(Box(*b) for b in data["boxes"]),
            areas=tuple(WriteArea(*a) for a in data["areas"]),
            numbers=data["numbers"],
        )

    @property
    def digest(self) -> str:
        """Ten hex digits naming this geometry: what a page's QR code carries."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:DIGEST_LENGTH]


DIGEST_LENGTH = 10


def geometry(form: FormLayout) -> Geometry:
    return Geometry(
        form.survey_id,
        form.version,
        form.language,
        form.pages,
        form.markers,
        form.boxes,
        form.areas,
        dict(form.numbers),
    )
