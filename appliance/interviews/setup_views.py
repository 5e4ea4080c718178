"""Staff's setup of a survey's interviews (``surveys.manage``): the scripts per language, the
rule for a broken-off interview, and the locations of face-to-face interviews. The text to read
out per question is edited with the question, in the builder."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.auth.guard import requires
from appliance.interviews import setup_service
from appliance.interviews.blueprint import bp
from appliance.surveys import service as surveys_service
from appliance.surveys.views import survey_or_404
from appliance.web import ID, actor, get_db, setting

ACTION = "surveys.manage"


def _back(survey_id: int, anchor: str = ""):
    return redirect(url_for("interviews.setup", survey_id=survey_id, _anchor=anchor or None))


@bp.route(f"/surveys/<{ID}:survey_id>/setup", methods=["GET", "POST"])
@requires(ACTION)
def setup(survey_id: int):
    """The scripts and the partial rule (POST saves both), and the list of locations."""
    row = survey_or_404(survey_id)
    conn = get_db()
    definition = surveys_service.definition_of(row)
    if request.method == "POST":
        given = {
            lang: setup_service.Script(
                request.form.get(f"intro_{lang}", ""),
                request.form.get(f"closing_{lang}", ""),
                request.form.get(f"consent_{lang}", ""),
            )
            for lang in definition.languages
        }
        typed = request.form.get("partial_percent", "50").strip()
        percent = int(typed) if typed.isdigit() else None  # "abc" is refused, not read as 50
        if percent is None or not 1 <= percent <= 100:
            flash(_("Give a percentage from 1 to 100."), "error")
            return _back(survey_id, "partial")
        try:
            setup_service.save_scripts(conn, actor(), survey_id, given)
        except setup_service.SetupError as exc:
            flash(_(exc.reason), "error")
            return _back(survey_id, "scripts")
        setup_service.set_partial_rule(
            conn, actor(), survey_id, request.form.get("keep_partial") == "1", percent
        )
        flash(_("Saved."), "success")
        return _back(survey_id)
    keep, percent = setup_service.partial_rule(conn, survey_id)
    return render_template(
        "interviews/setup.html",
        survey=row,
        definition=definition,
        scripts=setup_service.scripts(conn, survey_id, definition.languages),
        keep_partial=keep,
        partial_percent=percent,
        locations=setup_service.locations(conn, survey_id),
        k=setting("min_group_size"),
    )


@bp.route(f"/surveys/<{ID}:survey_id>/locations", methods=["POST"])
@requires(ACTION)
def add_location(survey_id: int):
    survey_or_404(survey_id)
    try:
        setup_service.add_location(get_db(), actor(), survey_id, request.form.get("name", ""))
    except setup_service.SetupError as exc:
        flash(_(exc.reason), "error")
    else:
        flash(_("Location added."), "success")
    return _back(survey_id, "locations")


@bp.route(f"/surveys/<{ID}:survey_id>/locations/<{ID}:location_id>", methods=["POST"])
@requires(ACTION)
def change_location(survey_id: int, location_id: int):
    """Rename (``name``), retire (``retire=1``) or take back into use (``retire=0``)."""
    survey_or_404(survey_id)
    conn = get_db()
    try:
        if "retire" in request.form:
            done = setup_service.retire_location(
                conn, actor(), survey_id, location_id, request.form["retire"] == "1"
            )
        else:
            done = setup_service.rename_location(
                conn, actor(), survey_id, location_id, request.form.get("name", "")
            )
    except setup_service.SetupError as exc:
        flash(_(exc.reason), "error")
        return _back(survey_id, "locations")
    if not done:
        abort(404)
    flash(_("Location saved."), "success")
    return _back(survey_id, "locations")
