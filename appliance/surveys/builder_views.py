"""Staff pages of the questionnaire builder: general texts, adding, editing, moving and removing
questions, and page conditions. Every edit is saved through ``service.update_definition``; a
refusal is shown and the survey is left as it was. Pages of the ``surveys`` blueprint
(:mod:`appliance.surveys.blueprint`)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from appliance.auth.guard import requires
from appliance.i18n import N_
from appliance.surveys import builder, service
from appliance.surveys.blueprint import bp
from appliance.surveys.definition import LANGUAGES, NA_TYPES, DefinitionError
from appliance.surveys.views import survey_or_404
from appliance.web import ID, actor, flash_reasons, get_db


def _survey(survey_id: int):
    row = survey_or_404(survey_id)
    return row, service.definition_of(row).to_json()


def _save(survey_id: int, change) -> bool:
    """Apply ``change()`` (returns new data) and save; flash why not and return False."""
    try:
        service.update_definition(get_db(), actor(), survey_id, change())
    except builder.BuilderError as exc:
        flash(_(exc.reason), "error")
    except DefinitionError as exc:
        flash(_("%(where)s: %(reason)s", where=exc.where, reason=_(exc.reason)), "error")
    except service.SurveyError as exc:
        flash_reasons(exc.reasons)
    else:
        return True
    return False


def _back(survey_id: int, anchor: str = "questionnaire"):
    return redirect(url_for("surveys.edit_survey", survey_id=survey_id, _anchor=anchor))


def _texts(prefix: str, languages) -> dict[str, str]:
    return {lang: request.form.get(f"{prefix}_{lang}", "") for lang in languages}


@bp.route(f"/<{ID}:survey_id>/general", methods=["POST"])
@requires("surveys.manage")
def save_general(survey_id: int):
    _row, data = _survey(survey_id)
    added: list[str] = []

    def change():
        new, found = builder.set_general(
            data,
            request.form.getlist("languages"),
            _texts("title", LANGUAGES),
            _texts("intro", LANGUAGES),
            _texts("closing", LANGUAGES),
            request.form.get("anonymous") == "1",
            request.form.get("publication_notice") == "1",
        )
        added.extend(found)
        return new

    if _save(survey_id, change):
        flash(_("Saved."), "success")
        if added:
            flash(
                _(
                    "Texts were copied for %(langs)s: translate every question before opening.",
                    langs=", ".join(added),
                ),
                "info",
            )
    return _back(survey_id, "general")


@bp.route(f"/<{ID}:survey_id>/questions", methods=["POST"])
@requires("surveys.manage")
def add_question(survey_id: int):
    _row, data = _survey(survey_id)
    text = request.form.get("text", "").strip()
    if not text:
        flash(_("Type the question first."), "error")
        return _back(survey_id)
    made: list[str] = []

    def change():
        new, qid = builder.add_question(
            data, request.form.get("page", ""), request.form.get("type", ""), text
        )
        made.append(qid)
        return new

    if not _save(survey_id, change):
        return _back(survey_id)
    flash(_("Question added. Check its options and translations."), "success")
    return redirect(url_for("surveys.edit_question", survey_id=survey_id, qid=made[0]))


def _question_input(question: dict, languages: list[str]) -> builder.QuestionInput:
    form = request.form

    def lines(prefix):
        return {lang: form.get(f"{prefix}_{lang}", "").splitlines() for lang in languages}

    scale = None
    if question["type"] == "matrix":
        try:
            scale = (int(form.get("scale_low", "")), int(form.get("scale_high", "")))
        except ValueError:
            raise builder.BuilderError(N_("Give the scale as two whole numbers.")) from None
    values = [v.strip() for v in form.get("show_if_values", "").split(",") if v.strip()]
    return builder.QuestionInput(
        text=_texts("text", languages),
        required=form.get("required") == "1",
        na=form.get("na") == "1",
        options=lines("options"),
        items=lines("items"),
        scale=scale,
        show_if_question=form.get("show_if_question", ""),
        show_if_values=values,
        read_out=_texts("read_out", languages),
    )


@bp.route(f"/<{ID}:survey_id>/questions/<qid>", methods=["GET", "POST"])
@requires("surveys.manage")
def edit_question(survey_id: int, qid: str):
    row, data = _survey(survey_id)
    try:
        question = builder.question_of(data, qid)
    except builder.BuilderError:
        abort(404)
    if request.method == "POST":

        def change():
            return builder.update_question(data, qid, _question_input(question, data["languages"]))

        if _save(survey_id, change):
            flash(_("Question saved."), "success")
            return _back(survey_id, f"q-{qid}")
    _by_page, by_question = builder.condition_sources(service.definition_of(row))
    return render_template(
        "surveys/question.html",
        survey=row,
        data=data,
        question=question,
        form=request.form if request.method == "POST" else None,
        earlier=by_question[qid],
        na_types=NA_TYPES,
        type_labels=builder.TYPE_LABELS,
    ), (400 if request.method == "POST" else 200)


@bp.route(f"/<{ID}:survey_id>/questions/<qid>/move", methods=["POST"])
@requires("surveys.manage")
def move_question(survey_id: int, qid: str):
    _row, data = _survey(survey_id)
    step = -1 if request.form.get("direction") == "up" else 1
    try:
        moved = builder.move_question(data, qid, step)
    except builder.BuilderError as exc:
        flash(_(exc.reason), "error")
        return _back(survey_id)
    if moved != data:  # already first or last: nothing to save or audit
        _save(survey_id, lambda: moved)
    return _back(survey_id, f"q-{qid}")


@bp.route(f"/<{ID}:survey_id>/questions/<qid>/delete", methods=["POST"])
@requires("surveys.manage")
def delete_question(survey_id: int, qid: str):
    _row, data = _survey(survey_id)
    if _save(survey_id, lambda: builder.delete_question(data, qid)):
        flash(_("Question removed."), "success")
    return _back(survey_id)


@bp.route(f"/<{ID}:survey_id>/pages/<page_id>/condition", methods=["POST"])
@requires("surveys.manage")
def set_page_condition(survey_id: int, page_id: str):
    _row, data = _survey(survey_id)
    values = [v.strip() for v in request.form.get("values", "").split(",") if v.strip()]
    if _save(
        survey_id,
        lambda: builder.set_page_condition(data, page_id, request.form.get("question", ""), values),
    ):
        flash(_("Saved."), "success")
    return _back(survey_id, f"page-{page_id}")
