"""Report pages and exports for staff and the researcher. Data comes from the gate alone.

Every view and export by a researcher is written to the audit log with its parameters (what
the client can check on the activity page). Staff-only actions on this page (reportable
segments, benchmark export and import) need ``surveys.manage``.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import date

from flask import Response, abort, jsonify, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from appliance.auth.guard import requires
from appliance.csvsafe import csv_rows
from appliance.interviews import rates
from appliance.reports import charts, export, labels, pdf, release_service, service
from appliance.reports.blueprint import bp
from appliance.reports.gate import FilterRefused, Gate, NotFound, SurveySummary
from appliance.web import actor, get_db, setting, state

ID = "int(signed=False)"


def open_gate() -> Gate:
    """The gate for the current viewer: a researcher sees only the surveys granted to them,
    as released (releases that are due are cut first, so none waits for the scheduler)."""
    researcher = current_user.id if current_user.role == "researcher" else None
    if researcher is not None:
        # Busy: the figures stay at the last release; the scheduler cuts it within a minute.
        with contextlib.suppress(sqlite3.OperationalError):
            release_service.cut_due(get_db(), setting("min_group_size"))
    return Gate(
        state().db_path,
        setting("min_group_size"),
        researcher,
        setting("min_open_text_count"),
    )


def researcher_start() -> list[SurveySummary]:
    """The surveys granted to the signed-in researcher (id, title, status; never a response),
    for her start page (``appliance.home_views``): only the report views open the gate. Read
    as released so far, with nothing cut and nothing logged, since the start page shows no
    figure."""
    with Gate(state().db_path, setting("min_group_size"), current_user.id) as gate:
        return gate.surveys()


def _log(action: str, **details) -> None:
    if current_user.role == "researcher":
        service.viewed(get_db(), actor(), action, **details)


def _language() -> str:
    return str(get_locale() or "nl")[:2]


def _report(survey_id: int, what: str):
    """(report, refusal) for the request's parameters; logs a researcher's request."""
    params = {k: request.args.get(k, "")[:200] for k in ("filter", "breakdown", "period")}
    with open_gate() as gate:
        try:
            view = gate.view(survey_id, **params)
            try:
                report, refused = gate.report(survey_id, view), None
            except FilterRefused as refusal:
                view = gate.view(survey_id, breakdown=params["breakdown"], period=params["period"])
                report, refused = gate.report(survey_id, view), refusal
        except NotFound:
            abort(404)
    _log(
        "report.viewed" if what == "page" else "report.exported",
        survey=survey_id,
        format=what,
        **{k: v for k, v in params.items() if v},
        **({"refused": True} if refused else {}),
    )
    return report, refused


@bp.route("/")
@requires("reports.read")
def index():
    with open_gate() as gate:
        surveys = gate.surveys()
    _log("report.viewed", view="index", surveys=[s.id for s in surveys])
    return render_template("reports/index.html", surveys=surveys, k=setting("min_group_size"))


@bp.route(f"/<{ID}:survey_id>")
@requires("reports.read")
def show_report(survey_id: int):
    report, refused = _report(survey_id, "page")
    if not report.released:
        # Staff read the live counters: how far the fold has come.
        report.as_of, report.recounting = service.counted_until(get_db(), survey_id)
    return render_template(
        "reports/show.html",
        report=report,
        refused=refused,
        charts=charts,
        names=labels.Labels(report, _language()),
        args={k: v for k, v in request.args.items() if k in ("filter", "breakdown", "period")},
        staff=current_user.role == "staff",
        rate_mode_labels=rates.MODE_LABELS,
        rate_group_labels=rates.GROUP_LABELS,
    )


@bp.route(f"/<{ID}:survey_id>/data.json")
@requires("reports.read")
def report_data(survey_id: int):
    report, refused = _report(survey_id, "json")
    body = export.to_json(report, _language())
    if refused:
        body["refused_filter"] = f"{refused.attribute}={refused.value}"
    return jsonify(body)


def _download(survey_id: int, kind: str) -> Response:
    report, _refused = _report(survey_id, kind)
    name = f"report-{survey_id}-{date.today().isoformat()}.{kind}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "csv":
        # Rows are made here, where the reader's language is known, not while streaming.
        table = list(export.rows(report, _language()))
        return Response(csv_rows(table), mimetype="text/csv", headers=disposition)
    if kind == "xlsx":
        return Response(
            export.xlsx(report, _language()),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers=disposition,
        )
    body = pdf.render(report, labels.Labels(report, _language()), setting("organisation_name"))
    return Response(body, mimetype="application/pdf", headers=disposition)


@bp.route(f"/<{ID}:survey_id>/report.csv")
@requires("reports.read")
def export_csv(survey_id: int):
    return _download(survey_id, "csv")


@bp.route(f"/<{ID}:survey_id>/report.xlsx")
@requires("reports.read")
def export_xlsx(survey_id: int):
    return _download(survey_id, "xlsx")


@bp.route(f"/<{ID}:survey_id>/report.pdf")
@requires("reports.read")
def export_pdf(survey_id: int):
    return _download(survey_id, "pdf")
