"""Staff pages for surveys: list, create from a template, edit, open and close, preview."""

from __future__ import annotations

import json
from datetime import date

import segno
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from appliance.auth.guard import requires
from appliance.privacy import retention
from appliance.surveys import builder, service
from appliance.surveys.blueprint import bp
from appliance.surveys.definition import DefinitionError
from appliance.surveys.forms import DatesForm, DefinitionForm, KioskForm, NewSurveyForm
from appliance.web import ID, actor, flash_reasons, get_db, state


@bp.context_processor
def labels():
    return {"survey_status_labels": {"draft": _("draft"), "open": _("open"), "closed": _("closed")}}


def survey_or_404(survey_id: int):
    """The survey row, or a 404 for an id that does not exist (staff pages)."""
    row = service.get_survey(get_db(), survey_id)
    if row is None:
        abort(404)
    return row


def public_link(row) -> str:
    """The open link, built from base_url (never from the request's Host)."""
    return f"{state().settings['base_url']}/s/{row['link_token']}"


@bp.route("/")
@requires("surveys.manage")
def list_surveys():
    return render_template("surveys/index.html", surveys=service.list_surveys(get_db()))


@bp.route("/new", methods=["GET", "POST"])
@requires("surveys.manage")
def create_survey():
    form = NewSurveyForm()
    if not form.validate_on_submit():
        return render_template("surveys/new.html", form=form)
    try:
        survey_id = service.create_from_template(get_db(), actor(), form.template.data)
    except service.SurveyError as exc:
        flash_reasons(exc.reasons)
        return render_template("surveys/new.html", form=form), 403
    flash(_("Survey created as a draft. Check the questions, then open it."), "success")
    return redirect(url_for("surveys.edit_survey", survey_id=survey_id))


def _page(row, form=None, dates=None, status=200):
    conn = get_db()
    link = public_link(row)
    definition = service.definition_of(row)
    return render_template(
        "surveys/edit.html",
        survey=row,
        definition=definition,
        data=definition.to_json(),
        type_labels=builder.TYPE_LABELS,
        page_earlier=builder.condition_sources(definition)[0],
        responses=service.response_count(conn, row["id"]),
        link=link,
        qr=segno.make(link, error="m").svg_data_uri(scale=4),
        form=form
        or DefinitionForm(
            definition=json.dumps(json.loads(row["definition"]), indent=2, ensure_ascii=False)
        ),
        kiosks=service.kiosks_of(conn, row["id"]),
        erasure=retention.survey_dates(conn, state().settings, row["id"]),
        retention_months=state().settings["retention_contact_months"],
        kiosk_form=KioskForm(),
        dates=dates
        or DatesForm(data={"opens_on": _day(row["opens_on"]), "closes_on": _day(row["closes_on"])}),
    ), status


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@bp.route(f"/<{ID}:survey_id>", methods=["GET", "POST"])
@requires("surveys.manage")
def edit_survey(survey_id: int):
    row = survey_or_404(survey_id)
    form = DefinitionForm()
    if not form.validate_on_submit():
        return _page(row, form if form.is_submitted() else None, status=400 if form.errors else 200)
    try:
        service.update_definition(get_db(), actor(), survey_id, json.loads(form.definition.data))
    except json.JSONDecodeError as exc:
        flash(
            _(
                "The questionnaire is not valid JSON (line %(line)d): %(msg)s",
                line=exc.lineno,
                msg=exc.msg,
            ),
            "error",
        )
        return _page(row, form, status=400)
    except DefinitionError as exc:
        flash(_("%(where)s: %(reason)s", where=exc.where, reason=_(exc.reason)), "error")
        return _page(row, form, status=400)
    except service.SurveyError as exc:
        flash_reasons(exc.reasons)
        return _page(row, form, status=409)
    flash(_("Questionnaire saved."), "success")
    return redirect(url_for("surveys.edit_survey", survey_id=survey_id))


@bp.route(f"/<{ID}:survey_id>/dates", methods=["POST"])
@requires("surveys.manage")
def change_dates(survey_id: int):
    row = survey_or_404(survey_id)
    dates = DatesForm()
    if not dates.validate_on_submit():
        return _page(row, dates=dates, status=400)
    try:
        service.set_dates(get_db(), actor(), survey_id, dates.opens_on.data, dates.closes_on.data)
    except service.SurveyError as exc:
        flash_reasons(exc.reasons)
        return _page(row, dates=dates, status=400)
    flash(_("Dates saved."), "success")
    return redirect(url_for("surveys.edit_survey", survey_id=survey_id))


@bp.route(f"/<{ID}:survey_id>/status", methods=["POST"])
@requires("surveys.manage")
def change_status(survey_id: int):
    survey_or_404(survey_id)
    try:
        service.change_status(get_db(), actor(), survey_id, request.form.get("status", ""))
    except service.SurveyError as exc:
        flash_reasons(exc.reasons)
    return redirect(url_for("surveys.edit_survey", survey_id=survey_id))


@bp.route(f"/<{ID}:survey_id>/preview")
@requires("surveys.manage")
def preview_survey(survey_id: int):
    """Exactly what respondents see, with nothing stored and no way to submit."""
    row = survey_or_404(survey_id)
    definition = service.definition_of(row)
    language = request.args.get("lang", definition.languages[0])
    if language not in definition.languages:
        language = definition.languages[0]
    with force_locale(language):  # the respondent's language, not the staff member's
        return render_template(
            "respondent/survey.html",
            definition=definition,
            language=language,
            preview=True,
            survey=row,
        )


@bp.route(f"/<{ID}:survey_id>/kiosks", methods=["POST"])
@requires("surveys.manage")
def add_kiosk(survey_id: int):
    """Register a tablet or terminal; its address (with the device key) is shown once."""
    row = survey_or_404(survey_id)
    form = KioskForm()
    if not form.validate_on_submit():
        flash(_("Give the kiosk a name and an idle time between 15 and 3600 seconds."), "error")
        return redirect(url_for("surveys.edit_survey", survey_id=survey_id))
    key = service.register_kiosk(
        get_db(),
        actor(),
        state().keys.hasher(),
        survey_id,
        form.name.data,
        form.idle_seconds.data,
        form.on_idle.data,
    )
    return render_template(
        "surveys/kiosk.html",
        survey=row,
        name=form.name.data,
        url=f"{state().settings['base_url']}/k/{key}",
    )


@bp.route(f"/<{ID}:survey_id>/kiosks/<{ID}:kiosk_id>/revoke", methods=["POST"])
@requires("surveys.manage")
def revoke_kiosk(survey_id: int, kiosk_id: int):
    survey_or_404(survey_id)
    service.revoke_kiosk(get_db(), actor(), survey_id, kiosk_id)
    return redirect(url_for("surveys.edit_survey", survey_id=survey_id))
