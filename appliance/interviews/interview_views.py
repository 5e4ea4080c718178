"""The telephone interview screen: the introduction with the contact's salutation, the questions
by keyboard (as in paper entry, with the text to read out), a summary to confirm, the closing
text; or a break-off.

One page, ``/interviews/call/interview`` (the call in hand, found by the hold and never named in
the address, see ``calls_service.held_call``): GET starts the interview, each POST carries the
step (``check``, ``change``, ``confirm``, ``break_off``, ``break_off_confirm``) and a signed state
(call, interviewer, form key, start time), never anything of the contact. Only the interviewer
who holds the call may open it (``calls_service.in_hand``); any other call is a 404. What was
typed travels as typed (``k-<question>``), and every step runs it through
:func:`appliance.paper.entry_keys.to_raw` and the survey's check again.
"""

from __future__ import annotations

import secrets
import time
from datetime import date

from flask import abort, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from appliance.auth.guard import requires
from appliance.i18n import N_
from appliance.interviews import calls_service, interview_service, setup_service
from appliance.interviews.blueprint import bp
from appliance.interviews.calls_views import not_in_hand
from appliance.interviews.forms import NextCallForm
from appliance.paper import entry_keys
from appliance.responses.public_views import OPTIN_EXPLANATION
from appliance.surveys import service as surveys_service
from appliance.web import actor, get_db, setting, state

ACTION = "interviews.conduct"
STATE_MAX_AGE = 8 * 3600
USED = N_(
    "This contact has answered the survey in the meantime (online or on paper): nothing was"
    " stored. Record the call's outcome on the call list."
)


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(state().keys.session, salt="interview")


def _today() -> date:
    return date.today()


def words(language: str) -> tuple[str, str, str]:
    """Yes, no and not applicable in the interview's language."""
    with force_locale(language):
        return gettext("yes"), gettext("no"), gettext("not applicable")


def explanation(language: str) -> str:
    with force_locale(language):
        return gettext(OPTIN_EXPLANATION)


def writing() -> interview_service.Writing:
    app_state = state()
    return interview_service.Writing(
        app_state.writer,
        app_state.keys,
        setting("min_group_size"),
        setting("speeder_seconds_per_answer"),
        explanation,
    )


def checked(definition, fields, numbers, source):
    """(typed values, checked answers, errors per input name), as in paper entry: a key the
    question does not have at its input, the check's errors at the question's first input."""
    values = {f.name: source.get(f.name, "") for f in fields}
    raw, key_errors = entry_keys.to_raw(fields, values)
    result = interview_service.checked_raw(definition, raw, numbers)
    errors = {f.name: key_errors[f.cell] for f in fields if f.cell in key_errors}
    flagged = {f.question.id for f in fields if f.name in errors}
    first_input: dict[str, str] = {}
    for field in fields:
        first_input.setdefault(field.question.id, field.name)
    for qid, error in result.errors.items():
        if qid not in flagged and qid in first_input:
            errors[first_input[qid]] = error
    return values, result, errors


def summary_rows(fields, answers) -> list[dict]:
    return [
        {"field": f, "answer": entry_keys.label(f, answers.get(f.question.id))}
        for f in fields
        if f.question.id in answers and entry_keys.label(f, answers.get(f.question.id))
    ]


def _carried(call_id: int | None) -> dict:
    """The signed state of the form: the interviewer's, and of ``call_id`` unless None."""
    try:
        carried = _signer().loads(request.form.get("state", ""), max_age=STATE_MAX_AGE)
    except BadSignature:
        abort(400)
    if carried.get("u") != actor().id or (call_id is not None and carried.get("c") != call_id):
        abort(400)
    return carried


def _done(language: str, closing: str, outcome: str, campaign_id: int | None = None):
    """The closing page; with ``campaign_id``, its button asks for the campaign's next call."""
    return render_template(
        "interviews/interview_done.html",
        closing=closing,
        outcome=outcome,
        language=language,
        back=url_for("interviews.home"),
        campaign_id=campaign_id,
        next_form=NextCallForm(),
    )


@bp.route("/call/interview", methods=["GET", "POST"])
@requires(ACTION)
def interview():
    """The interview of the call in hand (see the module docstring)."""
    conn, keys, me = get_db(), state().keys, actor().id
    call_id = calls_service.held_call(conn, me)
    call = None if call_id is None else calls_service.in_hand(conn, keys, me, call_id)
    step = request.form.get("step", "") if request.method == "POST" else ""
    if call is None:
        if step == "confirm" and interview_service.already_stored(
            conn, keys, _carried(None).get("key", "")
        ):
            # Confirmed twice (a double click, a reload): the first stored it and let go.
            return _done("", "", "complete")
        return not_in_hand()
    if request.method == "POST" and _carried(None).get("c") != call_id:
        return not_in_hand()  # the hold moved on to another call: never store it there
    carried = _carried(call_id) if request.method == "POST" else None
    # Each step renews the hold: an interview may run longer than a hold lasts.
    calls_service.keep(conn, me, call_id, seconds=calls_service.INTERVIEW_SECONDS)
    row = surveys_service.get_survey(conn, call.survey_id)
    if row is None:
        abort(404)
    definition = surveys_service.definition_of(row)
    language = interview_service.phone_language(definition, call)
    script = setup_service.scripts(conn, call.survey_id, [language])[language]
    numbers = interview_service.asked(definition, invited=True)
    fields = interview_service.fields(definition, language, invited=True, words=words(language))
    page = {
        "survey": row,
        "call": call,
        "language": language,
        "fields": fields,
        "intro": setup_service.intro_for(script, call.salutation_in(language)),
        "closing": script.closing,
        "accepting": surveys_service.accepting(row, _today()),
    }
    if carried is None:
        carried = {"c": call_id, "u": me, "key": secrets.token_urlsafe(16), "t": int(time.time())}
        return _form(page, carried, {}, {}, first=True)
    values, result, errors = checked(definition, fields, numbers, request.form)
    if step in ("break_off", "break_off_confirm"):
        return _break_off(page, definition, carried, values, result.answers, step)
    if step == "change" or errors or step not in ("check", "confirm"):
        return _form(page, carried, values, errors, status=422 if errors else 200)
    if step == "check" or not page["accepting"]:
        status = 200 if page["accepting"] else 409
        return _summary(page, carried, values, result.answers, status=status)
    try:
        interview_service.store_phone(
            conn,
            writing(),
            call,
            me,
            definition,
            answers=result.answers,
            form_key=carried["key"],
            started=carried["t"],
            today=_today(),
        )
    except interview_service.AlreadyAnswered:
        return _form(page, carried, values, {}, status=409, message=_(USED))
    return _done(language, script.closing, "complete", call.campaign_id)


def _form(page, carried, values, errors, *, status=200, first=False, message=""):
    return render_template(
        "interviews/interview.html",
        **page,
        values=values,
        errors={k: _(v) for k, v in errors.items()},
        state=_signer().dumps(carried),
        script_data=entry_keys.script_data,
        first=first,
        message=message,
    ), status


def _summary(page, carried, values, answers, *, status=200, breaking=False, keeps=True):
    return render_template(
        "interviews/interview_summary.html",
        **page,
        rows=summary_rows(page["fields"], answers),
        values=values,
        state=_signer().dumps(carried),
        breaking=breaking,
        keeps=keeps,
    ), status


def _break_off(page, definition, carried, values, answers, step):
    """First the question (what would be kept), then, confirmed, the break-off itself."""
    call, conn = page["call"], get_db()
    numbers = interview_service.asked(definition, invited=True)
    rule = setup_service.partial_rule(conn, call.survey_id)
    keeps = setup_service.keeps_partial(
        rule, len(answers), interview_service.applicable(definition, answers, numbers)
    )
    if step == "break_off":
        return _summary(page, carried, values, answers, breaking=True, keeps=keeps)
    try:
        outcome = interview_service.break_off(
            conn,
            writing(),
            call,
            actor().id,
            definition,
            answers=answers,
            form_key=carried["key"],
            started=carried["t"],
            today=_today(),
            tz=state().tz,
            actor=actor(),
        )
    except interview_service.AlreadyAnswered:
        return _form(page, carried, values, {}, status=409, message=_(USED))
    return _done(page["language"], page["closing"], outcome, call.campaign_id)
