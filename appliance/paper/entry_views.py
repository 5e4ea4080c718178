"""Staff pages for typing in returned paper forms: the form's code (or an anonymous form), its
answers by keyboard, a summary to confirm, and the decision between two entries that differ.

The steps carry their state in a signed hidden field (survey, user, invitation id, pending entry,
language, form key), never the code. What was typed travels as typed (``k-<question>``), so
"Change" gives it back unchanged; every step that stores runs it through
:func:`appliance.paper.entry_keys.to_raw` and :func:`appliance.surveys.answers.check` again:
``static/paper-entry.js`` only helps the typist (focus, labels, routing shown live).
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_timedelta, gettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from appliance.auth.guard import requires
from appliance.db import parse_iso
from appliance.i18n import N_
from appliance.licence import gate as licence_gate
from appliance.paper import entry_keys, entry_service, layout
from appliance.paper.entry_service import Form, Refused
from appliance.responses.public_views import OPTIN_EXPLANATION
from appliance.surveys import service as surveys_service
from appliance.surveys.answers import check
from appliance.surveys.definition import Definition
from appliance.surveys.views import survey_or_404
from appliance.web import ID, actor, get_db, setting, state

bp = Blueprint("paper_entry", __name__, url_prefix="/surveys")
licence_gate.guard(bp, "paper")
ACTION = "surveys.manage"  # the staff role's action for changing a survey's responses
STATE_MAX_AGE = 12 * 3600
REFUSALS = {
    "unknown": N_("No form of this survey has this code. Check the code on the form."),
    "used": N_("This form has been answered already. A form can be entered only once."),
    "yours": N_("You entered this form the first time: a colleague enters it the second time."),
    "held": N_("This form is already waiting for its second entry."),
    "closed": N_("This survey is not open: forms can be entered while it is open."),
    "expired": N_("This entry was interrupted too long ago. Please start the form again."),
}


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(state().keys.session, salt="paper-entry")


def _today() -> date:
    return date.today()


def _open_survey(survey_id: int):
    row = survey_or_404(survey_id)
    return row, surveys_service.definition_of(row)


def _carried(survey_id: int) -> dict:
    """The signed state of this entry; 400 when it is missing, forged, of another survey or
    another user (each person's entry is their own), or too old."""
    try:
        carried = _signer().loads(request.form.get("state", ""), max_age=STATE_MAX_AGE)
    except BadSignature:
        abort(400)
    if carried.get("s") != survey_id or carried.get("u") != actor().id:
        abort(400)
    return carried


def _fields(definition: Definition, language: str, invited: bool) -> list[entry_keys.Field]:
    """The inputs for the form as printed: an invited person's form asks the contact opt-in,
    an anonymous one does not (``layout.numbering`` says which questions, and their numbers)."""
    with force_locale(language):
        words = (gettext("yes"), gettext("no"), gettext("not applicable"))
    numbers = layout.numbering(definition, invited=invited)
    return entry_keys.fields(definition, language, numbers, words)


def _start(row, error: str = "", status: int = 200, code: str = ""):
    conn, survey_id = get_db(), row["id"]
    mode, percent = entry_service.double_entry(conn, survey_id)
    now = datetime.now(UTC)
    pending = [
        {"row": p, "age": format_timedelta(now - parse_iso(p["entered_at"]), threshold=1)}
        for p in entry_service.pending_of(conn, survey_id)
    ]
    definition = surveys_service.definition_of(row)
    return render_template(
        "paper/entry.html",
        survey=row,
        definition=definition,
        error=_(REFUSALS[error]) if error else "",
        code=code,
        entered=entry_service.entered_today(conn, survey_id, _today()),
        pending=pending,
        me=actor().id,
        mode=mode,
        percent=percent,
        is_open=row["status"] == "open",
    ), status


def _answers_page(row, definition, carried: dict, values: dict, errors: dict, status=200):
    language = carried["lang"]
    return render_template(
        "paper/answers.html",
        survey=row,
        definition=definition,
        language=language,
        fields=_fields(definition, language, bool(carried["inv"])),
        script_data=entry_keys.script_data,
        values=values,
        errors={k: _(v) for k, v in errors.items()},
        state=_signer().dumps(carried),
        second=bool(carried.get("p")),
        entered=entry_service.entered_today(get_db(), row["id"], _today()),
    ), status


@bp.route(f"/<{ID}:survey_id>/paper/entry", methods=["GET", "POST"])
@requires(ACTION)
def start(survey_id: int):
    """Step 1: the form's code, an anonymous form, or a held anonymous form's second entry."""
    row, definition = _open_survey(survey_id)
    if request.method == "GET":
        return _start(row)
    if row["status"] != "open":
        return _start(row, "closed", 409)
    conn, me = get_db(), actor().id
    typed = request.form.get("code", "")
    try:
        if request.form.get("pending"):
            form = entry_service.open_pending(conn, survey_id, request.form["pending"], me)
        elif request.form.get("anonymous"):
            form = Form(None)
        else:
            form = entry_service.open_coded(conn, state().keys.hasher(), survey_id, typed, me)
    except Refused as refused:
        return _start(row, refused.reason, 422, typed)
    wanted = request.form.get("language", "")
    language = next(
        (lang for lang in (form.language, wanted) if lang in definition.languages),
        definition.languages[0],
    )
    carried = {
        "s": survey_id,
        "u": me,
        "inv": form.invitation_id,
        "p": form.pending_id,
        "lang": language,
        "key": secrets.token_urlsafe(16),
    }
    return _answers_page(row, definition, carried, {}, {})


def _checked(definition: Definition, carried: dict, typed: dict | None = None):
    """(typed values, checked answers, errors per input name, the fields) of ``typed`` (by
    default the posted form)."""
    fields = _fields(definition, carried["lang"], bool(carried["inv"]))
    source = request.form if typed is None else typed
    values = {f.name: source.get(f.name, "") for f in fields}
    raw, key_errors = entry_keys.to_raw(fields, values)
    checked = check(definition, raw)
    # A key the question does not have is shown at its input; the check's errors (required,
    # a row missing) at the question's first input, unless a wrong key there says it already.
    errors = {f.name: key_errors[f.cell] for f in fields if f.cell in key_errors}
    flagged = {f.question.id for f in fields if f.name in errors}
    first_input = {}
    for field in fields:
        first_input.setdefault(field.question.id, field.name)
    for qid, error in checked.errors.items():
        # A question the form does not print cannot be answered on it: no error for it.
        if qid not in flagged and qid in first_input:
            errors[first_input[qid]] = error
    return values, checked, errors, fields


@bp.route(f"/<{ID}:survey_id>/paper/entry/answers", methods=["POST"])
@requires(ACTION)
def answers(survey_id: int):
    """Step 2 sent: the summary, or the answers again with what needs a correction. With
    ``change`` (from the summary) the answers come back as typed."""
    row, definition = _open_survey(survey_id)
    carried = _carried(survey_id)
    values, checked, errors, fields = _checked(definition, carried)
    if request.form.get("change") or errors:
        return _answers_page(row, definition, carried, values, errors, 422 if errors else 200)
    return _summary(row, definition, carried, values, checked, fields)


def _summary(row, definition, carried, values, checked, fields):
    shown = [
        {"field": f, "answer": entry_keys.label(f, checked.answers.get(f.question.id))}
        for f in fields
        if f.question.id in checked.answers
        and entry_keys.label(f, checked.answers.get(f.question.id))
    ]
    dropped = [f for f in fields if f.question.id in checked.dropped and values.get(f.name)]
    return render_template(
        "paper/summary.html",
        survey=row,
        language=carried["lang"],
        rows=shown,
        dropped=dropped,
        values=values,
        state=_signer().dumps(carried),
        second=bool(carried.get("p")),
    )


@bp.route(f"/<{ID}:survey_id>/paper/entry/confirm", methods=["POST"])
@requires(ACTION)
def confirm(survey_id: int):
    """Step 3 confirmed: store the response, hold it for a second entry, or (second entry
    differing from the first) show both for a decision."""
    row, definition = _open_survey(survey_id)
    carried = _carried(survey_id)
    values, checked, errors, _fields_ = _checked(definition, carried)
    if errors:
        return _answers_page(row, definition, carried, values, errors, 422)
    if row["status"] != "open":
        return _start(row, "closed", 409)
    form = Form(carried["inv"], carried["lang"], carried.get("p"))
    if form.pending_id:
        pending = _pending_or_refuse(survey_id, form.pending_id)
        if isinstance(pending, str):
            return _start(row, pending, 409)
        first = json.loads(pending["answers"])
        if entry_service.differences(first, checked.answers):
            return _decision(row, definition, carried, values, first, checked.answers, {})
        return _store(row, definition, form, checked.answers, pending["form_key"])
    if entry_service.needs_second_entry(get_db(), survey_id):
        try:
            batch = entry_service.hold(
                get_db(),
                actor(),
                survey_id,
                form,
                language=carried["lang"],
                answers=checked.answers,
                form_key=carried["key"],
            )
        except Refused as refused:
            return _start(row, refused.reason, 409)
        if batch:
            flash(
                _(
                    "Held for a second entry by a colleague. Write %(batch)s on the form.",
                    batch=batch,
                ),
                "success",
            )
        else:
            flash(_("Held for a second entry by a colleague."), "success")
        return redirect(url_for("paper_entry.start", survey_id=survey_id))
    return _store(row, definition, form, checked.answers, carried["key"])


def _pending_or_refuse(survey_id: int, pending_id: str):
    """The pending first entry, or the reason this person cannot give its second entry."""
    pending = entry_service.pending_entry(get_db(), survey_id, pending_id)
    if pending is None:
        return "expired"
    if pending["entered_by"] == actor().id:
        return "yours"
    return pending


def _explanation(language: str) -> str:
    with force_locale(language):
        return gettext(OPTIN_EXPLANATION)


def _store(row, definition, form: Form, answers: dict, form_key: str):
    app_state = state()
    writing = entry_service.Writing(
        app_state.writer,
        app_state.keys,
        app_state.medians,
        setting("min_group_size"),
        _explanation,
    )
    try:
        entry_service.store_entry(
            get_db(),
            writing,
            actor(),
            row["id"],
            definition,
            form,
            language=form.language or definition.languages[0],
            answers=answers,
            form_key=form_key,
            today=_today(),
        )
    except entry_service.AlreadyAnswered:
        return _start(row, "used", 409)
    flash(_("Form stored."), "success")
    return redirect(url_for("paper_entry.start", survey_id=row["id"]))


def _decision(row, definition, carried, values, first, second, errors, status=200):
    fields = _fields(definition, carried["lang"], bool(carried["inv"]))
    differing = entry_service.differences(first, second)
    questions = [
        {
            "id": qid,
            "fields": [f for f in fields if f.question.id == qid],
            "first": [entry_keys.label(f, first.get(qid)) for f in fields if f.question.id == qid],
            "second": [
                entry_keys.label(f, second.get(qid)) for f in fields if f.question.id == qid
            ],
        }
        for qid in differing
    ]
    return render_template(
        "paper/decide.html",
        survey=row,
        language=carried["lang"],
        questions=questions,
        values=values,
        chosen=request.form,
        errors={k: _(v) for k, v in errors.items()},
        state=_signer().dumps(carried),
    ), status


@bp.route(f"/<{ID}:survey_id>/paper/entry/decide", methods=["POST"])
@requires(ACTION)
def decide(survey_id: int):
    """The second person's decision per differing question: the first entry, the second, or
    the value typed again from the form. The result is checked like any entry, then stored."""
    row, definition = _open_survey(survey_id)
    carried = _carried(survey_id)
    if not carried.get("p"):
        abort(400)
    pending = _pending_or_refuse(survey_id, carried["p"])
    if isinstance(pending, str):
        return _start(row, pending, 409)
    first = json.loads(pending["answers"])
    values, second, errors, fields = _checked(definition, carried)
    if errors:
        return _answers_page(row, definition, carried, values, errors, 422)
    first_typed = entry_keys.typed(fields, first)
    decided = dict(values)
    missing = {}
    for qid in entry_service.differences(first, second.answers):
        choice = request.form.get(f"c-{qid}", "")
        own = [f for f in fields if f.question.id == qid]
        if choice not in ("first", "second", "own"):
            missing[own[0].name] = N_("choose which answer is on the form")
        for field in own:
            if choice == "first":
                decided[field.name] = first_typed.get(field.name, "")
            elif choice == "own":
                decided[field.name] = request.form.get(f"o-{field.name}", "")
    _typed, result, problems, _fields_ = _checked(definition, carried, decided)
    if missing or problems:
        return _decision(
            row, definition, carried, values, first, second.answers, {**problems, **missing}, 422
        )
    form = Form(carried["inv"], carried["lang"], pending["id"])
    return _store(row, definition, form, result.answers, pending["form_key"])


@bp.route(f"/<{ID}:survey_id>/paper/settings", methods=["POST"])
@requires(ACTION)
def settings(survey_id: int):
    """The survey's double entry: off, a sample of X %, or every form."""
    survey_or_404(survey_id)
    mode = request.form.get("double_entry", "")
    percent = request.form.get("percent", 10, type=int)
    if mode not in entry_service.DOUBLE_ENTRY or not 1 <= percent <= 100:
        flash(_("Choose off, a sample of 1 to 100 %, or every form."), "error")
    else:
        entry_service.set_double_entry(get_db(), actor(), survey_id, mode, percent)
        flash(_("Double entry saved."), "success")
    return redirect(url_for("paper_entry.start", survey_id=survey_id))


@bp.route(f"/<{ID}:survey_id>/paper/pending/<pending_id>/discard", methods=["POST"])
@requires(ACTION)
def discard(survey_id: int, pending_id: str):
    """Erase a held first entry unstored; its form can then be entered afresh."""
    survey_or_404(survey_id)
    if not entry_service.discard(get_db(), actor(), survey_id, pending_id):
        abort(404)
    flash(_("The held entry was erased. Enter the form again."), "success")
    return redirect(url_for("paper_entry.start", survey_id=survey_id))
