"""Uploaded scans of returned paper forms: read page by page, grouped into forms, stored as
responses when the reader is certain, otherwise kept for a person to verify.

Contracts:

- An upload is one file (``scan.load_pages``: PDF, TIFF, PNG, JPEG); each page is read by
  ``reader.read_image`` against the geometry kept when the form was printed. A page naming
  another survey is refused (counted, nothing kept); a page that cannot be identified waits
  alone, to be discarded by a person.
- Pages are grouped into forms: a coded form by its code, an anonymous form by consecutive
  pages 1..n of the same printed form. A form is stored at once only when every page of it is
  there, read with certainty, without handwriting, its answers pass
  :func:`appliance.surveys.answers.check` and its code (if any) names an unused invitation of
  this survey. It is stored through :func:`appliance.paper.entry_service.store_entry`, the
  keyboard entry's path (mode ``paper``, no duration, the invitation marked used).
- Everything else waits (``appliance.paper.scan_store``, identity plane): the answers read, the
  doubtful questions, the written areas, the reason, the code's keyed hash (never the code), and
  the page images sealed with the field key. Confirming stores the response and erases the
  waiting rows in the same transaction; discarding erases them. Scans are kept no longer.
- Audit entries name the survey and counts, never a code, an invitation or an answer.
"""

from __future__ import annotations

import base64
import secrets
import sqlite3
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import cv2
import numpy as np

from appliance.auth.service import Actor
from appliance.db import iso, transaction, utcnow
from appliance.mailing import codes
from appliance.paper import entry_service, entry_store, reader, scan
from appliance.paper import scan_store as store
from appliance.paper import service as paper_service
from appliance.paper.entry_service import Form, Refused, Writing
from appliance.paper.model import Geometry
from appliance.surveys.answers import check
from appliance.surveys.definition import Definition

# Why a form waits beyond doubtful marks and handwriting (the reader's own codes too).
PAGES, UNKNOWN, USED, HELD = "pages", "unknown", "used", "held"
UNIDENTIFIED = (reader.NO_CODE, reader.NOT_FOUND, reader.NO_MARKERS)
# An unaligned page is kept at most this wide (pixels): enough to recognise, no more.
SMALL_WIDTH = 800


@dataclass
class Outcome:
    """What an upload became: responses stored, forms waiting, pages of another survey."""

    stored: int = 0
    waiting: int = 0
    refused: int = 0


@dataclass
class _Group:
    digest: str | None
    code: str | None
    results: list[reader.PageResult] = field(default_factory=list)
    images: list[np.ndarray] = field(default_factory=list)


def read_upload(conn: sqlite3.Connection, survey_id: int, data: bytes) -> list:
    """(page result, page image) per page of ``data``; raises ``scan.ScanError``."""
    pages = scan.load_pages(data)

    def layout_for(s: int, d: str):
        return paper_service.printed_layout(conn, s, d) if s == survey_id else None

    return [(reader.read_image(i, gray, layout_for), gray) for i, gray in enumerate(pages)]


def upload(
    conn: sqlite3.Connection,
    writing: Writing,
    actor: Actor,
    survey_id: int,
    definition: Definition,
    data: bytes,
    today: date,
) -> Outcome:
    """Read an upload and store or keep each of its forms (see the module docstring); audited
    with the counts. Raises ``scan.ScanError`` when the file cannot be read at all."""
    outcome = Outcome()
    groups: list[_Group] = []
    coded: dict[str, _Group] = {}
    anonymous: _Group | None = None
    for result, gray in read_upload(conn, survey_id, data):
        if result.survey_id is not None and result.survey_id != survey_id:
            outcome.refused += 1
            anonymous = None
            continue
        if result.problem:
            groups.append(_Group(None, None, [result], [gray]))
            anonymous = None
            continue
        if result.code:
            group = coded.get(result.code)
            if group is None:
                group = coded[result.code] = _Group(result.digest, result.code)
                groups.append(group)
        elif (
            anonymous is not None
            and anonymous.digest == result.digest
            and result.page == anonymous.results[-1].page + 1
        ):
            group = anonymous
        else:
            group = anonymous = _Group(result.digest, None)
            groups.append(group)
        group.results.append(result)
        group.images.append(gray)
    for group in groups:
        if _settle(conn, writing, actor, survey_id, definition, group, today):
            outcome.stored += 1
        else:
            outcome.waiting += 1
    with transaction(conn):
        actor.log(
            conn,
            "paper_form.scans_uploaded",
            f"survey:{survey_id}",
            stored=outcome.stored,
            waiting=outcome.waiting,
            other_survey=outcome.refused,
        )
    return outcome


def _settle(conn, writing, actor, survey_id, definition, group: _Group, today) -> bool:
    """Store ``group`` as a response (True) or keep it waiting (False)."""
    keys = writing.keys
    first = group.results[0]
    if first.problem:
        _keep(conn, keys, actor, survey_id, group, {}, [], [], first.problem, None)
        return False
    geometry, _multiple = paper_service.printed_layout(conn, survey_id, group.digest)
    answers: dict[str, Any] = {}
    doubtful: list[dict] = []
    written: list[str] = []
    for result in group.results:
        for question, value in result.answers.items():
            if isinstance(value, dict):
                answers.setdefault(question, {}).update(value)
            else:
                answers[question] = value
        doubtful += [
            {"q": d.question, "item": d.item, "chosen": d.chosen, "why": d.why}
            for d in result.doubtful
        ]
        written += result.written
    problem = ""
    if sorted(r.page for r in group.results) != list(range(1, geometry.pages + 1)):
        problem = PAGES
    code_hash, form = None, Form(None, _language(definition, geometry))
    if group.code:
        code_hash = codes.code_hash(keys.hasher(), codes.normalise(group.code) or "")
        try:
            opened = entry_service.open_coded(conn, keys.hasher(), survey_id, group.code, actor.id)
            form = Form(opened.invitation_id, form.language)
            if opened.pending_id:
                problem = problem or HELD
        except Refused as refused:
            problem = {"used": USED, "unknown": UNKNOWN}.get(refused.reason, HELD)
    checked = check(definition, to_raw(answers))
    doubtful += _unanswered(geometry, checked.errors, answers, doubtful, written)
    written += [q for q in checked.errors if _is_area(geometry, q) and q not in written]
    if not (problem or doubtful or written):
        try:
            entry_service.store_entry(
                conn,
                writing,
                actor,
                survey_id,
                definition,
                form,
                language=form.language,
                answers=checked.answers,
                form_key=secrets.token_urlsafe(16),
                today=today,
            )
            return True
        except entry_service.AlreadyAnswered:
            problem = USED
    _keep(conn, keys, actor, survey_id, group, answers, doubtful, written, problem, code_hash)
    return False


def _unanswered(geometry: Geometry, errors, answers, doubtful, written) -> list[dict]:
    """Doubtful entries for questions with boxes that the check refuses (a required question
    left blank, a matrix row missing): a person looks at the form."""
    out, seen = [], {(d["q"], d["item"]) for d in doubtful}
    for question in errors:
        rows = dict.fromkeys((b.item for b in geometry.boxes if b.question == question), None)
        for item in rows:
            given = answers.get(question)
            if item is not None and isinstance(given, dict) and item in given:
                continue
            if (question, item) not in seen and question not in written:
                out.append({"q": question, "item": item, "chosen": [], "why": "missing"})
    return out


def _is_area(geometry: Geometry, question: str) -> bool:
    return any(a.question == question for a in geometry.areas)


def _language(definition: Definition, geometry: Geometry) -> str:
    return (
        geometry.language
        if geometry.language in definition.languages
        else (definition.languages[0])
    )


def _keep(conn, keys, actor, survey_id, group, answers, doubtful, written, problem, code_hash):
    cipher = keys.cipher()
    form_id = secrets.token_hex(16)
    with transaction(conn):
        store.add_form(
            conn,
            id=form_id,
            survey_id=survey_id,
            digest=group.digest,
            code_hash=code_hash,
            answers=answers,
            doubtful=doubtful,
            written=written,
            problem=problem,
            uploaded_at=iso(utcnow()),
            uploaded_by=actor.id,
        )
        for number, (result, gray) in enumerate(zip(group.results, group.images, strict=True)):
            page = result.page if result.aligned is not None else number + 1
            image = result.aligned if result.aligned is not None else _small(gray)
            store.add_page(conn, form_id, page, seal_page(cipher, form_id, page, image))


def _small(gray: np.ndarray) -> np.ndarray:
    height, width = gray.shape
    if width <= SMALL_WIDTH:
        return gray
    return cv2.resize(gray, (SMALL_WIDTH, round(height * SMALL_WIDTH / width)), cv2.INTER_AREA)


def seal_page(cipher, form_id: str, page: int, image: np.ndarray) -> bytes:
    """A page image as a PNG, base64, sealed to (paper_scan_pages, image, form:page)."""
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise scan.ScanError("The scan could not be cut out.")
    text = base64.b64encode(png.tobytes()).decode()
    return cipher.encrypt(text, "paper_scan_pages", "image", f"{form_id}:{page}")


def open_page(cipher, conn: sqlite3.Connection, form_id: str, page: int) -> np.ndarray | None:
    """The page image sealed by :func:`seal_page`, as a grayscale array, or None."""
    sealed = store.page_image(conn, form_id, page)
    if sealed is None:
        return None
    text = cipher.decrypt(sealed, "paper_scan_pages", "image", f"{form_id}:{page}")
    buffer = np.frombuffer(base64.b64decode(text), dtype=np.uint8)
    return cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE)


def to_raw(answers: dict[str, Any]) -> dict[str, list[str]]:
    """Stored-shape answers (value, list, matrix cells) as raw values for ``check``."""
    raw: dict[str, list[str]] = {}
    for question, value in answers.items():
        if isinstance(value, dict):
            for item, cell in value.items():
                raw[f"{question}.{item}"] = [str(cell)]
        elif isinstance(value, list):
            raw[question] = [str(v) for v in value]
        elif value is not None and value != "":
            raw[question] = [str(value)]
    return raw


def waiting_count(conn: sqlite3.Connection) -> int:
    """Scanned forms waiting for verification, in every survey (the retention page)."""
    return store.waiting_count(conn)


def invitation_of(conn: sqlite3.Connection, code_hash: bytes | None):
    """The invitation a waiting form's code hash names (None for none)."""
    return entry_store.invitation_by_code(conn, code_hash) if code_hash else None
