"""Staff pages for scans of returned paper forms: the upload with the forms waiting, the
verification of one waiting form, and the crops of its sealed page images.

What is certain is stored at upload (``appliance.paper.scan_service``); what waits is decided
here (``appliance.paper.scan_verify_service``): the choices posted are only values the
question's boxes stand for, and the result is checked like a keyboard entry before it is
stored. Crops are served ``no-store``: they show handwriting.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_babel import gettext as _

from appliance.auth.guard import requires
from appliance.i18n import N_
from appliance.licence import gate as licence_gate
from appliance.paper import scan_service
from appliance.paper import scan_verify_service as scan_verify
from appliance.paper.entry_service import Refused, Writing
from appliance.paper.scan import ScanError
from appliance.responses.public_views import OPTIN_EXPLANATION
from appliance.surveys import service as surveys_service
from appliance.surveys.views import survey_or_404
from appliance.web import ID, actor, get_db, setting, state

bp = Blueprint("paper_scans", __name__, url_prefix="/surveys")
licence_gate.guard(bp, "paper")
UNDECIDED = N_("Choose what the form says, or “no answer”.")
ACTION = "surveys.manage"  # as the keyboard entry of paper forms
# The reader's refusals (``appliance.paper.scan``), named here for the catalogues.
SCAN_ERRORS = (
    N_("Upload a PDF, TIFF, PNG or JPEG scan."),
    N_("The PDF file could not be read."),
    N_("The TIFF file could not be read."),
    N_("The scan could not be cut out."),
)
PROBLEMS = {
    "no_code": N_("No form code (QR code) was found: this may not be a form of this survey."),
    "not_found": N_("This form was not printed for this survey, or not by this appliance."),
    "no_markers": N_("The corner markers were not found: the page may be cut off or folded."),
    "pages": N_("Pages of this form are missing or came twice."),
    "unknown": N_("No form of this survey has this code."),
    "used": N_("Already entered: this form's invitation has been answered."),
    "held": N_("This form is waiting for a second keyboard entry."),
    "": N_("A mark is unclear or something is written."),
}
REFUSALS = {
    "unknown": N_("No form of this survey has this code."),
    "used": N_("Already entered: this form's invitation has been answered."),
    "closed": N_("This survey is not open: forms can be entered while it is open."),
}


def _writing() -> Writing:
    app_state = state()

    def explanation(language: str) -> str:
        with force_locale(language):
            return gettext(OPTIN_EXPLANATION)

    return Writing(
        app_state.writer, app_state.keys, app_state.medians, setting("min_group_size"), explanation
    )


def _index(row, error: str = "", status: int = 200):
    forms = scan_verify.waiting_forms(get_db(), row["id"])
    return render_template(
        "paper/scans.html",
        survey=row,
        forms=forms,
        problems=PROBLEMS,
        error=error,
        limit=state().settings["max_upload_mb"],
        is_open=row["status"] == "open",
    ), status


@bp.route(f"/<{ID}:survey_id>/paper/scans", methods=["GET", "POST"])
@requires(ACTION)
def scans(survey_id: int):
    """The upload form and the forms waiting; POST reads one uploaded file."""
    row = survey_or_404(survey_id)
    if request.method == "GET":
        return _index(row)
    if row["status"] != "open":
        return _index(row, _(REFUSALS["closed"]), 409)
    upload = request.files.get("scan")
    limit = state().settings["max_upload_mb"] * 1024 * 1024
    data = b""
    if upload:
        with upload.stream:  # a large upload is spooled to a temporary file: closed at once
            data = upload.stream.read(limit + 1)
    if not data:
        return _index(row, _("Choose a file to upload."), 400)
    if len(data) > limit:
        return _index(row, _("The file is larger than %(n)s MB.", n=limit // 1024 // 1024), 413)
    definition = surveys_service.definition_of(row)
    try:
        outcome = scan_service.upload(
            get_db(), _writing(), actor(), survey_id, definition, data, date.today()
        )
    except ScanError as error:
        return _index(row, _(error.reason), 422)
    flash(
        _(
            "Stored: %(stored)s. Waiting for verification: %(waiting)s.",
            stored=outcome.stored,
            waiting=outcome.waiting,
        ),
        "success",
    )
    if outcome.refused:
        flash(
            _("%(n)s pages are not this survey's forms and were not kept.", n=outcome.refused),
            "error",
        )
    return redirect(url_for("paper_scans.scans", survey_id=survey_id))


def _waiting_or_404(survey_id: int, form_id: str):
    form = scan_verify.waiting(get_db(), survey_id, form_id)
    if form is None:
        abort(404)
    return form


def _labels(definition, form, language: str) -> dict:
    """(question, item) -> (question text, {value: label}) for the doubts shown."""
    out = {}
    for doubt in form.doubts:
        question = definition.questions.get(doubt.question)
        if question is None:
            out[doubt.index] = (doubt.question, {v: v for v in doubt.values})
            continue
        names = {c.value: c.label.get(language, c.value) for c in question.choices}
        names |= {"yes": _("yes"), "no": _("no"), "na": _("not applicable")}
        text = question.text.get(language, doubt.question)
        if doubt.item is not None:
            item = next((i for i in question.items if i.value == doubt.item), None)
            text += " — " + (item.label.get(language, doubt.item) if item else doubt.item)
        out[doubt.index] = (text, {v: names.get(v, v) for v in doubt.values})
    return out


def _verify_page(row, form, errors: dict | None = None, status: int = 200):
    definition = surveys_service.definition_of(row)
    language = (
        form.geometry.language
        if form.geometry and form.geometry.language in definition.languages
        else definition.languages[0]
    )
    written = [
        (index, qid, definition.questions[qid].text.get(language, qid))
        if qid in definition.questions
        else (index, qid, qid)
        for index, qid in enumerate(form.written)
    ]
    return render_template(
        "paper/scan_verify.html",
        survey=row,
        form=form,
        labels=_labels(definition, form, language),
        written=written,
        numbers=form.geometry.numbers if form.geometry else {},
        problem=PROBLEMS.get(form.problem, ""),
        errors={k: _(v) for k, v in (errors or {}).items()},
        posted=request.form if request.method == "POST" else None,
    ), status


@bp.route(f"/<{ID}:survey_id>/paper/scans/<form_id>", methods=["GET", "POST"])
@requires(ACTION)
def verify(survey_id: int, form_id: str):
    """A waiting form: its crops beside the choices; POST confirms and stores it."""
    row = survey_or_404(survey_id)
    form = _waiting_or_404(survey_id, form_id)
    if request.method == "GET":
        return _verify_page(row, form)
    if row["status"] != "open":
        flash(_(REFUSALS["closed"]), "error")
        return _verify_page(row, form, status=409)
    # A single-choice doubt must be decided, if only as "no answer": nothing is left blank
    # by clicking through.
    unanswered = {
        d.question: _(UNDECIDED)
        for d in form.doubts
        if not d.multiple and f"d{d.index}" not in request.form
    }
    if unanswered:
        return _verify_page(row, form, unanswered, 422)
    decided = {d.index: request.form.getlist(f"d{d.index}") for d in form.doubts}
    typed = {i: request.form.get(f"w{i}", "") for i in range(len(form.written))}
    answers = scan_verify.decided_answers(form, decided, typed)
    definition = surveys_service.definition_of(row)
    try:
        errors = scan_verify.confirm(
            get_db(), _writing(), actor(), survey_id, definition, form, answers, date.today()
        )
    except Refused as refused:
        flash(_(REFUSALS.get(refused.reason, REFUSALS["unknown"])), "error")
        return _verify_page(row, form, status=409)
    if errors:
        return _verify_page(row, form, errors, 422)
    flash(_("Form stored; its scan is deleted."), "success")
    return redirect(url_for("paper_scans.scans", survey_id=survey_id))


@bp.route(f"/<{ID}:survey_id>/paper/scans/<form_id>/discard", methods=["POST"])
@requires(ACTION)
def discard(survey_id: int, form_id: str):
    """Not a form, or not to be stored: the waiting form and its scan are deleted."""
    survey_or_404(survey_id)
    if not scan_verify.discard(get_db(), actor(), survey_id, form_id):
        abort(404)
    flash(_("Discarded; its scan is deleted."), "success")
    return redirect(url_for("paper_scans.scans", survey_id=survey_id))


@bp.route(f"/<{ID}:survey_id>/paper/scans/<form_id>/part/<part>.png")
@requires(ACTION)
def part(survey_id: int, form_id: str, part: str):
    """One crop of a waiting form's scan (``d<i>``, ``w<i>``, ``p<page>``), never cached."""
    survey_or_404(survey_id)
    png = scan_verify.part_image(get_db(), state().keys.cipher(), survey_id, form_id, part)
    if png is None:
        abort(404)
    return png, 200, {"Content-Type": "image/png", "Cache-Control": "no-store"}
