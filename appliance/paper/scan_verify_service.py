"""Verifying a scanned paper form that waits (``appliance.paper.scan_service``): what a person
must decide, crops of the page images, and confirming or discarding.

Contracts:

- :func:`waiting` describes a form for the verification screen: each doubtful question (or
  matrix row) with the values its boxes stand for and what the reader saw, each written area,
  and the pages (an unidentified page is only seen whole, to discard).
- :func:`part_image` opens a sealed page image and returns the PNG of one part of it (``d<i>``
  a doubtful question's boxes, ``w<i>`` a written area, ``p<n>`` page n small), or None.
- :func:`confirm` puts the decisions into the answers read, checks them like a keyboard entry
  and stores them through ``entry_service.store_entry``; the waiting form and its pages are
  erased in the same transaction. :func:`discard` erases them unstored. Both are audited with
  the survey only.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

import cv2

from appliance.auth.service import Actor
from appliance.db import transaction
from appliance.paper import entry_service, scan
from appliance.paper import scan_store as store
from appliance.paper import service as paper_service
from appliance.paper.entry_service import Form, Refused, Writing
from appliance.paper.model import LEFT, RIGHT, Geometry
from appliance.paper.scan_service import UNIDENTIFIED, invitation_of, open_page, to_raw
from appliance.surveys.answers import check
from appliance.surveys.definition import Definition

# Width in pixels of a whole page shown small.
PAGE_WIDTH = 600
# Margin in mm around a question's boxes: the labels beside the boxes are seen too.
MARGIN = 6.0
LABEL_ROOM = 6.0  # mm above a question's boxes: the scale's numbers are printed there


@dataclass(frozen=True)
class Doubt:
    """One question (or matrix row) a person decides: ``values`` as its boxes say them."""

    index: int
    question: str
    item: str | None
    number: int | None
    values: tuple[str, ...]
    chosen: tuple[str, ...]
    multiple: bool
    why: str


@dataclass(frozen=True)
class Waiting:
    id: str
    problem: str
    uploaded_at: str
    geometry: Geometry | None
    doubts: tuple[Doubt, ...]
    written: tuple[str, ...]
    pages: tuple[int, ...]
    answers: dict[str, Any]
    code_hash: bytes | None

    @property
    def identified(self) -> bool:
        return self.geometry is not None and self.problem not in UNIDENTIFIED

    @property
    def storable(self) -> bool:
        """Whether confirming can store it (an unidentified page, an unknown or used code
        can only be discarded)."""
        return self.identified and self.problem not in ("unknown", "used")


def waiting_forms(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    """The survey's waiting forms, oldest first (``id``, ``problem``, ``uploaded_at`` …)."""
    return store.forms_of(conn, survey_id)


def waiting(conn: sqlite3.Connection, survey_id: int, form_id: str) -> Waiting | None:
    """The waiting form of this survey, described for verification, or None."""
    row = store.form(conn, survey_id, form_id)
    if row is None:
        return None
    printed = (
        paper_service.printed_layout(conn, survey_id, row["digest"]) if row["digest"] else None
    )
    geometry, multiple = printed if printed else (None, frozenset())
    doubts = []
    for index, d in enumerate(json.loads(row["doubtful"])):
        boxes = _boxes(geometry, d["q"], d["item"]) if geometry else []
        doubts.append(
            Doubt(
                index,
                d["q"],
                d["item"],
                geometry.numbers.get(d["q"]) if geometry else None,
                tuple(dict.fromkeys(b.value for b in boxes)),
                tuple(d["chosen"]),
                d["q"] in multiple,
                d["why"],
            )
        )
    return Waiting(
        row["id"],
        row["problem"],
        row["uploaded_at"],
        geometry,
        tuple(doubts),
        tuple(json.loads(row["written"])),
        tuple(store.pages_of(conn, row["id"])),
        json.loads(row["answers"]),
        row["code_hash"],
    )


def _boxes(geometry: Geometry, question: str, item: str | None):
    return [b for b in geometry.boxes if b.question == question and b.item == item]


def part_image(
    conn: sqlite3.Connection, cipher, survey_id: int, form_id: str, part: str
) -> bytes | None:
    """The PNG of one part of a waiting form's scan (see the module docstring), or None."""
    form = waiting(conn, survey_id, form_id)
    kind, number = part[:1], part[1:]
    if form is None or not number.isdigit() or kind not in "dwp":
        return None
    number_ = int(number)
    if kind == "p":
        image = open_page(cipher, conn, form_id, number_)
        if image is None:
            return None
        height, width = image.shape
        size = (PAGE_WIDTH, round(height * PAGE_WIDTH / width))
        ok, png = cv2.imencode(".png", cv2.resize(image, size, interpolation=cv2.INTER_AREA))
        return png.tobytes() if ok else None
    if form.geometry is None:
        return None
    if kind == "d":
        if number_ >= len(form.doubts):
            return None
        doubt = form.doubts[number_]
        rects = [
            (b.page, b.x, b.y, b.w, b.h) for b in _boxes(form.geometry, doubt.question, doubt.item)
        ]
    else:
        if number_ >= len(form.written):
            return None
        question = form.written[number_]
        rects = [
            (a.page, a.x, a.y, a.w, a.h) for a in form.geometry.areas if a.question == question
        ]
    if not rects:
        return None
    page = rects[0][0]
    rects = [r for r in rects if r[0] == page]
    left, top = min(r[1] for r in rects), min(r[2] for r in rects)
    right, bottom = max(r[1] + r[3] for r in rects), max(r[2] + r[4] for r in rects)
    if kind == "d":
        # The whole width of the text column and the line above the boxes: the labels and
        # the numbers beside the boxes say which box is which answer.
        left, right = min(left, LEFT), max(right, RIGHT)
        top -= LABEL_ROOM
    image = open_page(cipher, conn, form_id, page)
    if image is None:
        return None
    return scan.crop(image, left, top, right - left, bottom - top, margin=MARGIN)


def decided_answers(
    form: Waiting, decided: dict[int, list[str]], typed: dict[int, str]
) -> dict[str, Any]:
    """The answers read with the person's decisions put in: ``decided`` per doubt index the
    values chosen (none: left blank), ``typed`` per written index the text typed."""
    answers = json.loads(json.dumps(form.answers))
    for doubt in form.doubts:
        values = [v for v in decided.get(doubt.index, []) if v in doubt.values]
        if doubt.item is not None:
            cells = answers.setdefault(doubt.question, {})
            if values:
                cells[doubt.item] = values[0]
            else:
                cells.pop(doubt.item, None)
            if not cells:
                answers.pop(doubt.question)
        elif values:
            answers[doubt.question] = sorted(values) if doubt.multiple else values[0]
        else:
            answers.pop(doubt.question, None)
    for index, question in enumerate(form.written):
        text = typed.get(index, "").strip()
        if text:
            answers[question] = text
        else:
            answers.pop(question, None)
    return answers


def confirm(
    conn: sqlite3.Connection,
    writing: Writing,
    actor: Actor,
    survey_id: int,
    definition: Definition,
    form: Waiting,
    answers: dict[str, Any],
    today: date,
) -> dict[str, str]:
    """Check ``answers`` (from :func:`decided_answers`) and store them; returns the check's
    errors per question printed on the form (nothing stored then), or {} once stored. Raises
    Refused (``unknown``, ``used``) when the form's code names no unused invitation."""
    if not form.storable:
        raise Refused("unknown" if form.problem != "used" else "used")
    geometry = form.geometry
    printed = {b.question for b in geometry.boxes} | {a.question for a in geometry.areas}
    checked = check(definition, to_raw(answers))
    errors = {q: e for q, e in checked.errors.items() if q in printed}
    if errors:
        return errors
    invitation_id = None
    if form.code_hash is not None:
        invitation = invitation_of(conn, form.code_hash)
        if invitation is None or invitation["survey_id"] != survey_id:
            raise Refused("unknown")
        if invitation["used"]:
            raise Refused("used")
        invitation_id = invitation["id"]
    language = geometry.language if geometry.language in definition.languages else None

    def erase(writer_conn: sqlite3.Connection) -> None:
        store.delete_form(writer_conn, form.id)
        actor.log(writer_conn, "paper_form.scan_verified", f"survey:{survey_id}")

    try:
        entry_service.store_entry(
            conn,
            writing,
            actor,
            survey_id,
            definition,
            Form(invitation_id, language),
            language=language or definition.languages[0],
            answers=checked.answers,
            form_key=f"scan-{form.id}",
            today=today,
            also=erase,
        )
    except entry_service.AlreadyAnswered:
        raise Refused("used") from None
    return {}


def discard(conn: sqlite3.Connection, actor: Actor, survey_id: int, form_id: str) -> bool:
    """Erase a waiting form and its page images unstored; audited. False when there was none."""
    with transaction(conn):
        if store.form(conn, survey_id, form_id) is None:
            return False
        store.delete_form(conn, form_id)
        actor.log(conn, "paper_form.scan_discarded", f"survey:{survey_id}")
    return True
