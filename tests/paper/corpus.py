"""A generated corpus of scanned paper forms: real forms rendered, filled in by a simulated hand,
then put through a simulated office scanner. Used by the scan tests and ``benchmarks/paper.py``.

The hand: per question one answer (or several on multiple choice, or none), marked as a tick, a
cross or a filled box; now and then a light pencil tick, and now and then a correction (the
wrong box filled in, the right one ticked, as the form's rule says); now and then a line
written in an open-answer area. The scanner: 150 or 300 dpi, rotated up to 3 degrees, shifted,
blurred, noisy, JPEG-compressed. What was meant is kept beside each page, to compare.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import cv2
import numpy as np
import pypdfium2 as pdfium

from appliance.paper.form_pdf import render_many
from appliance.paper.model import FormLayout


@dataclass
class Scanned:
    """One scanned page and what its writer meant."""

    image: np.ndarray
    form: FormLayout
    page: int
    code: str | None
    dpi: int
    meant: dict = field(default_factory=dict)  # as reader.PageResult.answers
    light: list[str] = field(default_factory=list)  # questions answered with a light mark
    written: list[str] = field(default_factory=list)


def _render_pages(form: FormLayout, code: str | None, dpi: int) -> list[np.ndarray]:
    doc = pdfium.PdfDocument(render_many([(form, code)]))
    try:
        return [np.array(p.render(scale=dpi / 72).to_pil().convert("L")) for p in doc]
    finally:
        doc.close()


def _mark(image: np.ndarray, box, per_mm: float, kind: str, rng: random.Random) -> None:
    x0, y0 = box.x * per_mm, box.y * per_mm
    x1, y1 = (box.x + box.w) * per_mm, (box.y + box.h) * per_mm
    w, h = x1 - x0, y1 - y0
    ink = rng.randint(150, 175) if kind == "light" else rng.randint(0, 60)
    pen = max(1, round(rng.uniform(0.35, 0.6) * per_mm))

    def jitter() -> float:
        return rng.uniform(-0.12, 0.12) * w

    def line(a, b) -> None:
        cv2.line(image, (round(a[0]), round(a[1])), (round(b[0]), round(b[1])), ink, pen)

    if kind in ("tick", "light"):
        low = (x0 + 0.4 * w + jitter(), y1 - 0.15 * h + jitter())
        line((x0 + 0.12 * w + jitter(), y0 + 0.5 * h + jitter()), low)
        line(low, (x1 + 0.1 * w + jitter(), y0 - 0.2 * h + jitter()))
    elif kind == "cross":
        line((x0 + jitter(), y0 + jitter()), (x1 + jitter(), y1 + jitter()))
        line((x1 + jitter(), y0 + jitter()), (x0 + jitter(), y1 + jitter()))
    elif kind == "filled":
        cv2.rectangle(image, (round(x0), round(y0)), (round(x1), round(y1)), ink, -1)


def _scribble(image: np.ndarray, area, per_mm: float, rng: random.Random) -> None:
    y = (area.y + min(area.h, 8) * 0.6) * per_mm
    x = (area.x + 3) * per_mm
    points = []
    for _ in range(rng.randint(8, 20)):
        x += rng.uniform(1.5, 4) * per_mm
        points.append((round(x), round(y + rng.uniform(-1.5, 1.5) * per_mm)))
    cv2.polylines(image, [np.array(points, np.int32)], False, 30, max(1, round(0.4 * per_mm)))


def _scanner(image: np.ndarray, dpi: int, rng: random.Random) -> np.ndarray:
    h, w = image.shape
    angle = rng.uniform(-3, 3)
    move = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    move[:, 2] += (rng.uniform(-2, 2) * dpi / 25.4, rng.uniform(-2, 2) * dpi / 25.4)
    out = cv2.warpAffine(image, move, (w, h), borderValue=245)
    out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.4, 0.9))
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(4, 12), out.shape)
    out = np.clip(out.astype(np.float32) * rng.uniform(0.9, 1.0) + noise, 0, 255)
    ok, jpeg = cv2.imencode(".jpg", out.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 70])
    assert ok
    return cv2.imdecode(jpeg, cv2.IMREAD_GRAYSCALE)


def fill(
    form: FormLayout,
    multiple: set[str],
    rng: random.Random,
    *,
    code: str | None = None,
    dpi: int = 200,
    light_share: float = 0.01,
    correction_share: float = 0.05,
    written_share: float = 0.1,
) -> list[Scanned]:
    """Every page of one filled-in, scanned copy of ``form``."""
    pages = _render_pages(form, code, dpi)
    per_mm = dpi / 25.4
    out = []
    for number, image in enumerate(pages, start=1):
        image = image.copy()
        scanned = Scanned(image, form, number, code, dpi)
        groups: dict[tuple[str, str | None], list] = {}
        for box in form.boxes:
            if box.page == number:
                groups.setdefault((box.question, box.item), []).append(box)
        # One writer keeps to one way of marking.
        style = rng.choices(["tick", "cross", "filled"], [5, 4, 1])[0]
        for (question, item), boxes in groups.items():
            if rng.random() < 0.1:
                continue  # not answered
            if question in multiple:
                chosen = rng.sample(boxes, rng.randint(1, min(3, len(boxes))))
            else:
                chosen = [rng.choice(boxes)]
            light = rng.random() < light_share
            others = [b for b in boxes if b not in chosen]
            correction = bool(others) and not light and rng.random() < correction_share
            for box in chosen:
                kind = "light" if light else style
                if correction and kind == "filled":
                    kind = "tick"  # the form's rule: the right box ticked, the wrong one filled
                _mark(image, box, per_mm, kind, rng)
            if correction:
                _mark(image, rng.choice(others), per_mm, "filled", rng)
            values = sorted(b.value for b in chosen)
            if light:
                scanned.light.append(question)
            if item is not None:
                scanned.meant.setdefault(question, {})[item] = values[0]
            elif question in multiple:
                scanned.meant[question] = values
            else:
                scanned.meant[question] = values[0]
        for area in form.areas:
            if area.page == number and rng.random() < written_share:
                _scribble(image, area, per_mm, rng)
                scanned.written.append(area.question)
        scanned.image = _scanner(image, dpi, rng)
        out.append(scanned)
    return out
