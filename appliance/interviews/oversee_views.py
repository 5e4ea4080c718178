"""Staff's oversight of a survey's fieldwork (``interviews.oversee``): the AAPOR response rates
per mode, with the eligibility estimate staff choose, and the figures per interviewer. Pages of
the ``interviews`` blueprint."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from appliance.auth.guard import requires
from appliance.interviews import figures, rates, rates_service
from appliance.interviews.blueprint import bp
from appliance.surveys import service as surveys_service
from appliance.surveys.definition import SCALES
from appliance.surveys.views import survey_or_404
from appliance.web import actor, get_db, setting

ID = "int(signed=False)"


@bp.route(f"/rates/<{ID}:survey_id>")
@requires("interviews.oversee")
def rates_page(survey_id: int):
    row = survey_or_404(survey_id)
    return render_template(
        "interviews/rates.html",
        survey=row,
        figures=rates_service.survey_rates(get_db(), survey_id),
        rate_names=rates.RATE_NAMES,
        mode_labels=rates.MODE_LABELS,
        group_labels=rates.GROUP_LABELS,
        response_mode_labels=rates.RESPONSE_MODE_LABELS,
    )


def _parse_e(text: str) -> float | None:
    """A share typed as ``0,8``, ``0.8`` or ``80%``; None when it is none of these in 0..1."""
    text = text.strip().replace(",", ".")
    percent = text.endswith("%")
    try:
        value = float(text.rstrip("%").strip())
    except ValueError:
        return None
    if percent:
        value /= 100
    return value if 0 <= value <= 1 else None


@bp.route(f"/rates/<{ID}:survey_id>/e", methods=["POST"])
@requires("interviews.oversee")
def choose_e(survey_id: int):
    survey_or_404(survey_id)
    e = None
    if request.form.get("method") == "fixed":
        e = _parse_e(request.form.get("e", "")[:20])
        if e is None:
            flash(_("Type e as a number from 0 to 1, such as 0,8."), "error")
            return redirect(url_for("interviews.rates_page", survey_id=survey_id))
    rates_service.choose_e(get_db(), actor(), survey_id, e)
    flash(_("The estimate of e is saved."), "success")
    return redirect(url_for("interviews.rates_page", survey_id=survey_id))


@bp.route(f"/interviewers/<{ID}:survey_id>")
@requires("interviews.oversee")
def interviewers(survey_id: int):
    row = survey_or_404(survey_id)
    definition = surveys_service.definition_of(row)
    today = date.today()
    k = setting("min_group_size")
    return render_template(
        "interviews/interviewers.html",
        survey=row,
        people=figures.figures(get_db(), definition, survey_id, today, k),
        questions=[
            (q.id, q.text.get(str(get_locale())[:2]) or next(iter(q.text.values())))
            for q in definition.questions.values()
            if q.type in SCALES
        ],
        k=k,
        until=date.fromordinal(today.toordinal() - 1).isoformat(),
    )
