"""From an uploaded scan to what each page says: identify, align, read. No Flask, no SQL.

Each page image is identified by its QR code (``form_pdf.parse_qr``: survey, questionnaire
version, language, page and, on forms sent with an invitation, the form code), aligned on its
corner markers, and read box by box (``scan.read_page``). ``layout_for(survey_id, version,
language)`` gives the form's layout, or None when that questionnaire version is unknown (the
survey changed since the form was printed: the page goes to verification as "not found").

A page goes to verification when it could not be identified or aligned, when a question on it
is doubtful, or when something is written in an open-answer area (handwriting is typed in by
staff). Everything else is accepted as read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from appliance.paper import scan
from appliance.paper.form_pdf import parse_qr
from appliance.paper.model import Geometry

# Why a page needs a person (stored as these codes, shown with labels).
NO_CODE, NOT_FOUND, NO_MARKERS = "no_code", "not_found", "no_markers"


@dataclass
class PageResult:
    """One page of an upload. ``answers`` holds what was read with certainty (question ->
    value, a list for multiple choice, a dict of items for a matrix); ``doubtful`` the
    questions a person must decide, ``written`` the open answers to type, ``problem`` why the
    page could not be read at all."""

    index: int
    survey_id: int | None = None
    digest: str | None = None
    version: int | None = None
    language: str | None = None
    page: int | None = None
    code: str | None = None
    answers: dict = field(default_factory=dict)
    doubtful: list[scan.QuestionRead] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    problem: str = ""
    aligned: np.ndarray | None = None

    @property
    def needs_verification(self) -> bool:
        return bool(self.problem or self.doubtful or self.written)


def read_image(
    index: int,
    gray: np.ndarray,
    layout_for: Callable[[int, str], tuple[Geometry, frozenset[str]] | None],
) -> PageResult:
    """Identify, align and read one page image (see the module docstring)."""
    result = PageResult(index)
    identity = next((parsed for t in scan.read_qr(gray) if (parsed := parse_qr(t))), None)
    if identity is None:
        result.problem = NO_CODE
        return result
    result.survey_id, result.digest, result.page, result.code = identity
    found_layout = layout_for(result.survey_id, result.digest)
    if found_layout is None or not 1 <= result.page <= found_layout[0].pages:
        result.problem = NOT_FOUND
        return result
    layout, multiple_choice = found_layout
    result.version, result.language = layout.version, layout.language
    marker_size = layout.markers[0][2]
    found = scan.find_markers(gray, marker_size)
    if found is None:
        result.problem = NO_MARKERS
        return result
    page = scan.align(gray, found, layout.markers)
    result.aligned = page
    boxes = [b for b in layout.boxes if b.page == result.page]
    areas = [a for a in layout.areas if a.page == result.page]
    multiple = {b.question for b in boxes} & multiple_choice
    read = scan.read_page(page, boxes, areas, multiple)
    for question in read.questions:
        if question.doubtful:
            result.doubtful.append(question)
            continue
        _put(result.answers, question, question.question in multiple)
    result.written = read.written
    return result


def _put(answers: dict, question: scan.QuestionRead, multiple: bool) -> None:
    if question.item is not None:
        if question.chosen:
            answers.setdefault(question.question, {})[question.item] = question.chosen[0]
        return
    if multiple:
        if question.chosen:
            answers[question.question] = sorted(question.chosen)
        return
    if question.chosen:
        answers[question.question] = question.chosen[0]
