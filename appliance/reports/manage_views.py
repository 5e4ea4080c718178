"""Staff tools on a survey's report: reportable segments and the national benchmark. Pages of
the ``reports`` blueprint (:mod:`appliance.reports.blueprint`), under ``/reports`` too."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.auth.guard import requires
from appliance.reports import benchmark, service
from appliance.reports.blueprint import bp
from appliance.reports.counters import MAX_REPORT_SEGMENTS
from appliance.reports.gate import View
from appliance.reports.views import open_gate
from appliance.surveys import service as surveys_service
from appliance.surveys.views import survey_or_404
from appliance.web import actor, get_db, setting

ID = "int(signed=False)"


def _back(survey_id: int):
    return redirect(url_for("reports.report_settings", survey_id=survey_id))


@bp.route(f"/<{ID}:survey_id>/settings")
@requires("surveys.manage")
def report_settings(survey_id: int):
    row = survey_or_404(survey_id)
    conn = get_db()
    chosen = json.loads(row["report_segments"])
    return render_template(
        "reports/settings.html",
        survey=row,
        chosen=chosen,
        names=sorted(set(service.segment_names(conn, survey_id)) | set(chosen)),
        most=MAX_REPORT_SEGMENTS,
        k=setting("min_group_size"),
        marks=service.benchmarks(conn, survey_id),
    )


@bp.route(f"/<{ID}:survey_id>/segments", methods=["POST"])
@requires("surveys.manage")
def set_segments(survey_id: int):
    survey_or_404(survey_id)
    names = [n for n in request.form.getlist("segment") if n][: MAX_REPORT_SEGMENTS + 1]
    if len(names) > MAX_REPORT_SEGMENTS:
        flash(_("Choose at most %(n)d segments.", n=MAX_REPORT_SEGMENTS), "error")
        return _back(survey_id)
    try:
        _chosen, done = service.set_segments(get_db(), actor(), survey_id, names)
    except service.RecountBusy:
        flash(_("The figures are being recounted already; try again when that is done."), "error")
        return _back(survey_id)
    if done:
        flash(_("Reportable segments saved; the figures were recounted."), "success")
    else:
        flash(
            _(
                "Reportable segments saved. The figures are being recounted in the background"
                " (about a minute per million responses); the report says when that is done."
            ),
            "success",
        )
    return _back(survey_id)


@bp.route(f"/<{ID}:survey_id>/benchmark/export", methods=["POST"])
@requires("surveys.manage")
def export_benchmark(survey_id: int):
    survey_or_404(survey_id)
    with open_gate() as gate:  # staff: the same gate and thresholds as their dashboards
        body = benchmark.export(gate.report(survey_id, View()))
    service.benchmark_exported(get_db(), actor(), survey_id, len(body["questions"]))
    return Response(
        json.dumps(body, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="benchmark.json"'},
    )


@bp.route(f"/<{ID}:survey_id>/benchmark/import", methods=["POST"])
@requires("surveys.manage")
def import_benchmark(survey_id: int):
    row = survey_or_404(survey_id)
    upload = request.files.get("file")
    source = (request.form.get("source") or "").strip()[:120] or _("benchmark")
    if upload is None or not upload.filename:
        flash(_("Choose a file."), "error")
        return _back(survey_id)
    definition = surveys_service.definition_of(row)
    ids = {q.id for q in definition.questions.values()} | {
        f"{q.id}.{item.value}" for q in definition.questions.values() for item in q.items
    }
    try:
        figures = benchmark.parse(upload.read(benchmark.MAX_BYTES + 1), ids)
    except benchmark.BenchmarkError as problem:
        where = f"{problem.where}: " if problem.where else ""
        flash(_("The benchmark was not imported: %(why)s", why=where + _(problem.reason)), "error")
        return _back(survey_id)
    count = service.import_benchmark(get_db(), actor(), survey_id, source, figures)
    flash(_("Benchmark figures imported for %(n)d questions.", n=count), "success")
    return _back(survey_id)
