"""Staff pages of the response plane: the list of individual anonymous responses with filters,
a response in full, exclusion with a reason, and exports."""

from __future__ import annotations

import json
from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance import formats
from appliance.auth.guard import requires
from appliance.contacts import service as contacts_service
from appliance.csvsafe import csv_rows
from appliance.reports.labels import ANSWERS, MODES, segment_value
from appliance.responses import export, quality, service
from appliance.surveys import service as surveys_service
from appliance.surveys.views import survey_or_404
from appliance.web import ID, actor, get_db, state

bp = Blueprint("responses", __name__, url_prefix="/surveys")
FLAGS = tuple(quality.FLAG_LABELS)
PAGE_SIZE = 100


def _filters() -> dict:
    args = request.args
    excluded = {"yes": True, "no": False}.get(args.get("excluded", ""))
    return {
        "since": args.get("since", "")[:10],
        "until": args.get("until", "")[:10],
        "mode": args.get("mode", "") if args.get("mode") in service.MODES else "",
        "flag": args.get("flag", "") if args.get("flag") in FLAGS else "",
        "excluded": excluded,
    }


@bp.route(f"/<{ID}:survey_id>/responses")
@requires("responses.read")
def list_responses(survey_id: int):
    row = survey_or_404(survey_id)
    conn, filters = get_db(), _filters()
    total = service.count_responses(conn, survey_id, **filters)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    found = service.responses_of(
        conn, survey_id, **filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return render_template(
        "responses/index.html",
        survey=row,
        responses=found,
        total=total,
        page=page,
        pages=pages,
        first=(page - 1) * PAGE_SIZE + 1,
        definition=surveys_service.definition_of(row),
        args={k: v for k, v in request.args.items() if k != "page"},
        modes=service.MODES,
        mode_labels=MODES,
        flags=FLAGS,
        flag_labels=quality.FLAG_LABELS,
        loads=json.loads,
    )


@bp.route(f"/<{ID}:survey_id>/responses/<response_id>")
@requires("responses.read")
def show_response(survey_id: int, response_id: str):
    row = survey_or_404(survey_id)
    found = service.get_response(get_db(), survey_id, response_id)
    if found is None:
        abort(404)
    return render_template(
        "responses/show.html",
        survey=row,
        response=found,
        definition=surveys_service.definition_of(row),
        answers=json.loads(found["answers"]),
        answer_label=_answer_label,
        mode_label=MODES.get(found["mode"], found["mode"]),
        segments={k: segment_value(v) for k, v in json.loads(found["segments"]).items()},
        language=formats.language_name(found["language"]),
        flags=[_(quality.FLAG_LABELS.get(f, f)) for f in json.loads(found["flags"])],
        names=service.names_of(get_db(), state().keys.cipher(), response_id),
        contact=_contact_request(response_id),
        respondent=_linked_contact(response_id),
    )


def _answer_label(question, value, lang: str) -> str:
    """An answer as staff read it: a choice's label in ``lang``, ``yes``/``no``/``na`` in the
    reader's language, several choices joined; any other answer (a score, a text) as given."""
    if value is None:
        return "\u2014"
    if isinstance(value, list):
        return ", ".join(_answer_label(question, v, lang) for v in value)
    for choice in question.choices:
        if choice.value == value:
            return choice.label.get(lang) or next(iter(choice.label.values()), value)
    return str(ANSWERS[value]) if value in ANSWERS else str(value)


def _contact_request(response_id: str) -> dict | None:
    """When the respondent said "yes, contact me": who, and the wording they agreed to."""
    request_row = service.contact_request_of(get_db(), response_id)
    if request_row is None:
        return None
    who = _who(request_row["contact_id"])
    return {
        "who": who,
        "consent": request_row["consent_text"],
        "at": request_row["created_at"],
        "handled_at": request_row["handled_at"],
        "deadline": (
            date.fromisoformat(request_row["created_at"][:10])
            + timedelta(days=state().settings["contact_request_days"])
        ).isoformat(),
    }


def _linked_contact(response_id: str) -> dict | None:
    """In a non-anonymous survey: the invited contact who gave this response ({} if erased)."""
    link = service.linked_contact_of(get_db(), response_id)
    return None if link is None else _who(link["contact_id"])


def _who(contact_id: int | None) -> dict:
    if not contact_id:
        return {}
    return contacts_service.contact_fields(
        get_db(),
        state().keys.cipher(),
        contact_id,
        ("email", "first_name", "infix", "last_name", "phone"),
    )


@bp.route(f"/<{ID}:survey_id>/responses/<response_id>/exclude", methods=["POST"])
@requires("surveys.manage")
def exclude_response(survey_id: int, response_id: str):
    """Exclude with a reason (it leaves every figure), or include again with an empty one."""
    survey_or_404(survey_id)
    conn = get_db()
    if service.get_response(conn, survey_id, response_id) is None:
        abort(404)
    reason = request.form.get("reason", "").strip()[:200] or None
    service.set_excluded(conn, actor(), survey_id, response_id, reason, date.today().isoformat())
    flash(
        _("Response excluded from all figures.") if reason else _("Response included again."),
        "success",
    )
    return redirect(
        url_for("responses.show_response", survey_id=survey_id, response_id=response_id)
    )


def _export(survey_id: int, kind: str):
    row = survey_or_404(survey_id)
    conn = get_db()
    found = service.responses_of(conn, survey_id, **_filters())
    service.exported(conn, actor(), survey_id, kind, len(found))
    table = export.rows(surveys_service.definition_of(row), found)
    name = f"survey-{survey_id}-responses-{date.today().isoformat()}"
    if kind == "csv":
        return Response(
            csv_rows(table),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        export.xlsx(table),
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route(f"/<{ID}:survey_id>/responses.csv")
@requires("responses.read")
def export_csv(survey_id: int):
    return _export(survey_id, "csv")


@bp.route(f"/<{ID}:survey_id>/responses.xlsx")
@requires("responses.read")
def export_xlsx(survey_id: int):
    return _export(survey_id, "xlsx")


@bp.route(f"/<{ID}:survey_id>/responses/<response_id>/contact-handled", methods=["POST"])
@requires("surveys.manage")
def mark_contact_handled(survey_id: int, response_id: str):
    """Staff have contacted the respondent who asked for it: the request, the one link from
    this answer to a person, is erased at the next retention run."""
    survey_or_404(survey_id)
    conn = get_db()
    if service.get_response(conn, survey_id, response_id) is None:
        abort(404)
    service.mark_contact_handled(conn, actor(), survey_id, response_id)
    flash(_("Marked as handled; the request is erased at the next retention run."), "success")
    return redirect(
        url_for("responses.show_response", survey_id=survey_id, response_id=response_id)
    )
