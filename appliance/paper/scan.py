"""Reading scanned paper forms: page images in, marks per box out. No Flask, no SQL.

A page is identified by its QR code (zxing-cpp), aligned on its four corner markers (OpenCV: a
perspective transform from the markers found to where the form's layout put them), and every
box is measured by the share of dark pixels inside it, its printed border left out. The layout
(``appliance.paper.layout``) says where each box and marker is, in mm from the page's top-left.

What a box holds (:func:`classify`): nothing, a mark (tick, cross, dot), a filled box, or
something in between that a person must look at. The rule printed on the form decides a
question: one mark is the answer and a filled box beside it is a correction; a filled box alone
is the answer; anything else (two marks on a single-choice question, a light or half-filled
box) is doubtful and goes to verification with the crop. No answer is accepted on a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

# Pages are read at this many pixels per mm once aligned (about 200 dpi).
SCALE = 8.0
A4 = (210.0, 297.0)
# Share of dark pixels inside a box (its border left out): below EMPTY it is empty, from MARK
# it holds a mark, from FILLED it is filled in; the bands between are doubtful.
EMPTY, MARK, HALF, FILLED = 0.04, 0.09, 0.78, 0.9
# How much of a box's edge is left out when measuring: the printed border and a slightly
# shifted alignment must not count as ink.
INSET = 0.2
# Ink in an open-answer area, its printed lines taken out, of at least this many mm² means
# something was written there.
WRITTEN_MM2 = 3.0
# A pixel is ink when darker than this (0 black, 255 white), after the page is normalised; a
# pencil mark may be no darker than FAINT.
INK, FAINT = 150, 205


class ScanError(ValueError):
    """The upload is not a page image this reader can open; ``reason`` is a msgid."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def load_pages(data: bytes, dpi: int = 200) -> list[np.ndarray]:
    """The pages of an upload as grayscale images: a PDF (rendered at ``dpi`` with
    pypdfium2), a TIFF (every page), a PNG or a JPEG. Raises ScanError."""
    if data[:5] == b"%PDF-":
        return _pdf_pages(data, dpi)
    buffer = np.frombuffer(data, dtype=np.uint8)
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        ok, pages = cv2.imdecodemulti(buffer, cv2.IMREAD_GRAYSCALE)
        if ok and pages:
            return list(pages)
        raise ScanError("The TIFF file could not be read.")
    image = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE)
    if image is None:
        raise ScanError("Upload a PDF, TIFF, PNG or JPEG scan.")
    return [image]


def _pdf_pages(data: bytes, dpi: int) -> list[np.ndarray]:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        raise ScanError("The PDF file could not be read.") from None
    try:
        pages = []
        for page in document:
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            pages.append(np.array(bitmap.to_pil().convert("L")))
        return pages
    finally:
        document.close()


def read_qr(gray: np.ndarray) -> list[str]:
    """The texts of the QR codes on a page (zxing-cpp), in reading order. A noisy scan at
    150 dpi is tried again cleaned (median filter, Otsu threshold) and then at twice the size:
    each try only when the one before found nothing."""
    import zxingcpp

    def attempt(image: np.ndarray) -> list[str]:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        return [r.text for r in found]

    texts = attempt(gray)
    if texts:
        return texts
    _, clean = cv2.threshold(cv2.medianBlur(gray, 3), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    texts = attempt(clean)
    if texts:
        return texts
    return attempt(cv2.resize(gray, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC))


def find_markers(gray: np.ndarray, marker_mm: float) -> np.ndarray | None:
    """Centres of the four corner markers (top-left, top-right, bottom-right, bottom-left) as
    a 4x2 array in pixels, or None when not all four are found. A marker is a solid dark
    square of about ``marker_mm`` (the page's scale is taken from its width)."""
    height, width = gray.shape
    per_mm = width / A4[0]
    expected = (marker_mm * per_mm) ** 2
    _, ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    candidates = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if not 0.4 * expected <= area <= 2.2 * expected:
            continue
        (cx, cy), (w, h), _angle = cv2.minAreaRect(contour)
        if min(w, h) == 0 or max(w, h) / min(w, h) > 1.35 or area / (w * h) < 0.85:
            continue
        candidates.append((cx, cy))
    if len(candidates) < 4:
        return None
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    found = []
    for corner in corners:
        best = min(candidates, key=lambda c: (c[0] - corner[0]) ** 2 + (c[1] - corner[1]) ** 2)
        # Each marker sits in its own quarter of the page.
        if abs(best[0] - corner[0]) > width / 3 or abs(best[1] - corner[1]) > height / 3:
            return None
        found.append(best)
    if len({tuple(p) for p in found}) < 4:
        return None
    return np.array(found, dtype=np.float32)


def marker_centres(markers: Sequence[tuple[float, float, float]]) -> np.ndarray:
    """The layout's marker centres in mm, ordered top-left, top-right, bottom-right,
    bottom-left."""
    centres = [(x + s / 2, y + s / 2) for x, y, s in markers]
    top = sorted(sorted(centres, key=lambda c: c[1])[:2])
    bottom = sorted(sorted(centres, key=lambda c: c[1])[2:])
    return np.array([top[0], top[1], bottom[1], bottom[0]], dtype=np.float32)


def align(gray: np.ndarray, found: np.ndarray, layout_markers) -> np.ndarray:
    """The page warped onto the layout's coordinates at :data:`SCALE` pixels per mm, its
    brightness stretched so the paper is white and the darkest ink black."""
    target = marker_centres(layout_markers) * SCALE
    transform = cv2.getPerspectiveTransform(found, target)
    size = (round(A4[0] * SCALE), round(A4[1] * SCALE))
    warped = cv2.warpPerspective(gray, transform, size, flags=cv2.INTER_AREA, borderValue=255)
    low, high = np.percentile(warped, (0.5, 95))
    if high - low < 40:
        return warped
    stretched = (warped.astype(np.float32) - low) * (255.0 / (high - low))
    return np.clip(stretched, 0, 255).astype(np.uint8)


def ink_share(
    page: np.ndarray, x: float, y: float, w: float, h: float, inset: float, ink: int = INK
) -> float:
    """Share of pixels darker than ``ink`` in a rectangle (mm) of an aligned page, ``inset``
    of each side left out."""
    region = _region(page, x, y, w, h, inset)
    if region.size == 0:
        return 0.0
    return float(np.count_nonzero(region < ink)) / region.size


def _region(page: np.ndarray, x: float, y: float, w: float, h: float, inset: float):
    left = round((x + w * inset) * SCALE)
    right = round((x + w * (1 - inset)) * SCALE)
    top = round((y + h * inset) * SCALE)
    bottom = round((y + h * (1 - inset)) * SCALE)
    return page[top:bottom, left:right]


def box_state(page: np.ndarray, box) -> tuple[str, float]:
    """What a box holds ('empty', 'mark', 'filled' or 'doubtful') and its ink share. A box
    with almost no dark ink is measured again for pencil-grey ink: a light mark is a mark when
    it covers as much as a pen's would, doubtful when less."""
    share = ink_share(page, box.x, box.y, box.w, box.h, INSET)
    state = classify(share)
    if state == "empty":
        faint = ink_share(page, box.x, box.y, box.w, box.h, INSET, FAINT)
        if faint >= MARK:
            return "mark", faint
        if faint >= EMPTY:
            return "doubtful", faint
    return state, share


def written(page: np.ndarray, area) -> bool:
    """Whether something is written in an open-answer area: its ink, the printed lines taken
    out (a morphological opening finds long horizontal strokes), and specks of noise too."""
    region = _region(page, area.x, area.y, area.w, area.h, 0.0)
    if region.size == 0:
        return False
    ink = (region < INK).astype(np.uint8)
    lines = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, round(12 * SCALE)), np.uint8))
    rest = cv2.morphologyEx(ink & (1 - lines), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    return np.count_nonzero(rest) / SCALE**2 >= WRITTEN_MM2


def classify(share: float) -> str:
    """'empty', 'mark', 'filled' or 'doubtful' (see the module docstring)."""
    if share < EMPTY:
        return "empty"
    if share < MARK:
        return "doubtful"  # a light mark, or a smudge
    if share < HALF:
        return "mark"
    if share < FILLED:
        return "doubtful"  # half filled: a mark or a correction?
    return "filled"


@dataclass
class QuestionRead:
    """What the boxes of one question (or one matrix row) say."""

    question: str
    item: str | None
    chosen: list[str]
    doubtful: bool
    why: str = ""


@dataclass
class PageRead:
    """One aligned page: the questions read, the doubtful ones, the open answers written."""

    questions: list[QuestionRead] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    shares: dict[tuple[str, str | None, str], float] = field(default_factory=dict)

    @property
    def doubtful(self) -> list[QuestionRead]:
        return [q for q in self.questions if q.doubtful]


def decide(states: dict[str, str], multiple: bool) -> tuple[list[str], bool, str]:
    """The values chosen in one question from its boxes' states, whether it is doubtful, and
    why. One rule for every question (the one printed on the form): ticks and crosses choose;
    a filled box is a correction when the question has a tick or cross, else it chooses."""
    if any(s == "doubtful" for s in states.values()):
        return [], True, "unclear"
    marks = [v for v, s in states.items() if s == "mark"]
    filled = [v for v, s in states.items() if s == "filled"]
    chosen = marks or filled
    if not multiple and len(chosen) > 1:
        return [], True, "several"
    return chosen, False, ""


def read_page(page: np.ndarray, boxes: Iterable[Any], areas: Iterable[Any], multiple: set[str]):
    """Read an aligned page: ``boxes`` and ``areas`` are the layout's for this page;
    ``multiple`` names the questions where more than one box may be chosen."""
    result = PageRead()
    groups: dict[tuple[str, str | None], dict[str, str]] = {}
    for box in boxes:
        state, share = box_state(page, box)
        result.shares[(box.question, box.item, box.value)] = share
        groups.setdefault((box.question, box.item), {})[box.value] = state
    for (question, item), states in groups.items():
        chosen, doubtful, why = decide(states, question in multiple)
        result.questions.append(QuestionRead(question, item, chosen, doubtful, why))
    for area in areas:
        if written(page, area):
            result.written.append(area.question)
    return result


def crop(page: np.ndarray, x: float, y: float, w: float, h: float, margin: float = 3.0) -> bytes:
    """A PNG of a rectangle (mm) of an aligned page with ``margin`` mm around it, for the
    verification screen."""
    left = max(0, round((x - margin) * SCALE))
    top = max(0, round((y - margin) * SCALE))
    right = round((x + w + margin) * SCALE)
    bottom = round((y + h + margin) * SCALE)
    ok, png = cv2.imencode(".png", page[top:bottom, left:right])
    if not ok:
        raise ScanError("The scan could not be cut out.")
    return png.tobytes()
