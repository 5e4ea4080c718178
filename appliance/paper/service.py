"""Paper forms of a survey for staff: reads the survey through the surveys service and renders
the PDF (:mod:`appliance.paper.form_pdf`). Every form printed has its geometry kept
(:func:`printed_form`), so its scans are read against the form as printed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from appliance.db import iso, transaction, utcnow
from appliance.i18n import N_
from appliance.paper import form_pdf, store
from appliance.paper.layout import layout
from appliance.paper.letters import Letter
from appliance.paper.model import FormLayout, Geometry, geometry
from appliance.paper.texts import Facts, form_texts
from appliance.pdfdoc import Document
from appliance.responses.flow import version
from appliance.surveys import service as surveys

MAX_COPIES = 500


class PaperError(ValueError):
    """``reason`` is a msgid."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def blank_forms(
    conn: sqlite3.Connection, survey_id: int, language: str | None, copies: int, facts: Facts
) -> bytes | None:
    """``copies`` anonymous forms (no code, no contact opt-in) of the survey in ``language``
    (None: its first language) as one PDF; None when there is no such survey. Needs an app
    context (translations). The forms are laid out from the survey's current definition and
    their geometry is kept (:func:`printed_form`)."""
    row = surveys.get_survey(conn, survey_id)
    if row is None:
        return None
    definition = surveys.definition_of(row)
    language = language or definition.languages[0]
    if language not in definition.languages:
        raise PaperError(N_("The survey has no texts in that language."))
    if not 1 <= copies <= MAX_COPIES:
        raise PaperError(N_("Choose between 1 and 500 copies."))
    form = printed_form(conn, row, language, invited=False, facts=facts)
    return form_pdf.render_many([(form, None)] * copies)


def printed_form(
    conn: sqlite3.Connection, row: sqlite3.Row, language: str, *, invited: bool, facts: Facts
) -> FormLayout:
    """The layout of the survey ``row``'s form in ``language``, its geometry kept (once) for
    reading its scans later. Needs an app context (translations)."""
    definition = surveys.definition_of(row)
    form = layout(
        definition,
        language,
        survey_id=row["id"],
        version=version(row),
        invited=invited,
        texts=form_texts(definition, language, facts),
    )
    multiple = [q.id for q in definition.questions.values() if q.type == "multiple"]
    with transaction(conn):
        store.record_layout(conn, geometry(form), multiple, iso(utcnow()))
    return form


def printed_layout(
    conn: sqlite3.Connection, survey_id: int, digest: str
) -> tuple[Geometry, frozenset[str]] | None:
    """A printed form's geometry and multiple-choice questions, named by its QR code."""
    return store.printed_layout(conn, survey_id, digest)


def forms_out(conn: sqlite3.Connection, survey_id: int) -> bool:
    """Whether forms of the survey went out on paper (printed blank or after letters): then
    returned forms may come back to be entered or scanned, whatever the licence says now."""
    return store.any_printed(conn, survey_id)


def letter_forms(
    conn: sqlite3.Connection, survey_id: int, facts: Facts
) -> Callable[[Document, Letter], None] | None:
    """What appends the paper questionnaire after each letter, in the letter's language and
    with its code (the form of an invited person: with the contact question); None when the
    survey does not exist. Each language's form is laid out (and its geometry kept) once."""
    row = surveys.get_survey(conn, survey_id)
    if row is None:
        return None
    definition = surveys.definition_of(row)
    forms: dict[str, FormLayout] = {}

    def append(pdf: Document, letter: Letter) -> None:
        language = letter.language if letter.language in definition.languages else None
        language = language or definition.languages[0]
        if language not in forms:
            forms[language] = printed_form(conn, row, language, invited=True, facts=facts)
        form_pdf.add_form(pdf, forms[language], letter.code)

    return append
