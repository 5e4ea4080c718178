"""Respondent pages: answering by open link or invitation link, and the transparency page.

No cookies and no third-party resources: the state of a half-answered survey travels in a signed
hidden field (answers so far, the page, a random form key), never in a session. The form key
makes a double click or a retry idempotent. These pages need no CSRF token (there is no session
to ride on); a honeypot field and two limits keep scripted floods off open links: one per client,
so nobody can lock real respondents out, and a high one per survey. Both are held in memory only
(``appliance.responses.limits``): the client's address is never stored beside an answer.

These views parse the pages sent and render the next; a completed survey is assembled and stored
by :func:`appliance.responses.service.submit_answers`.
"""

from __future__ import annotations

import functools
import json
import secrets
import time
from datetime import date

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import force_locale, gettext
from itsdangerous import BadSignature, URLSafeTimedSerializer

from appliance.auth.guard import public
from appliance.i18n import N_
from appliance.interviews import interview_service
from appliance.mailing import links
from appliance.responses import service as responses_service
from appliance.responses.flow import (
    Channel,
    as_form,
    at,
    page_definition,
    shown_pages,
    skipped,
    version,
)
from appliance.responses.limits import OpenLinkLimit
from appliance.responses.segments import LANGUAGE
from appliance.surveys import service
from appliance.surveys.answers import check
from appliance.surveys.definition import Definition
from appliance.web import client_address, get_db, setting, state

bp = Blueprint("respond", __name__)
# Shown under every contact opt-in question, and stored with each "yes" as what was agreed to.
OPTIN_EXPLANATION = N_(
    "If you answer yes, your answers are linked to your name so we can contact you about them. "
    "If you answer no, they stay anonymous."
)
# Shown at a question its condition hides (by answers on the same page) that came with an answer:
# a browser without script shows every question, and what someone typed is never dropped unasked.
NOT_APPLICABLE = N_(
    "Because of your other answers this question does not apply, so this answer will not be "
    "kept. Change those answers if you want to keep it, or send the page again to go on "
    "without it."
)
STATE_MAX_AGE = 24 * 3600
LIMIT_KEY = "open_link_limit"


@bp.record_once
def _make_limit(setup) -> None:
    """One limit per app, sized by its settings (not admin-editable: read once)."""
    values = setup.app.extensions["appliance"].settings
    setup.app.extensions[LIMIT_KEY] = OpenLinkLimit(
        values["open_link_per_client_per_minute"], values["open_link_per_survey_per_minute"]
    )


def _signer() -> URLSafeTimedSerializer:
    return _signer_for(state().keys.session)


@functools.lru_cache(maxsize=8)
def _signer_for(key: bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(key, salt="respondent-state")


@functools.lru_cache(maxsize=256)
def _thanks_page(definition_text: str, language: str, mode: str, reset: str, idle: int) -> str:
    """The thank-you page, rendered once per survey version, language and channel: it is the
    same for every respondent, and it is the answer to every submission."""
    with force_locale(language):
        return render_template(
            "respondent/thanks.html",
            definition=service.parse_definition(definition_text),
            language=language,
            channel=Channel(mode, reset_url=reset, idle_seconds=idle),
        )


def _thanks(row, language: str, channel: Channel):
    page = _thanks_page(
        row["definition"], language, channel.mode, channel.reset_url, channel.idle_seconds
    )
    return current_app.make_response(page)


def _today() -> date:
    return date.today()


def _render(
    template: str, definition: Definition | None, language: str, status: int = 200, **context
):
    with force_locale(language):
        response = current_app.make_response(
            (render_template(template, definition=definition, language=language, **context), status)
        )
    return response


def _language(definition: Definition) -> str:
    wanted = request.values.get("lang", "")
    return wanted if wanted in definition.languages else definition.languages[0]


def _flow(row, definition: Definition, channel: Channel):
    """GET shows the first page; POST checks the page sent and shows the next, or submits."""
    language = _language(definition)
    if request.method == "GET":
        carried = at(
            {
                "survey": row["id"],
                "version": version(row),
                "answers": {},
                "key": secrets.token_urlsafe(16),
                "started": int(time.time()),
                "invited": channel.invitation_hash is not None,
                # The first page, shown now, tells of publication: carried, so a response
                # records what its respondent was told before answering, whatever staff switch
                # later (a state made before the notice was on never gains it).
                **({"notice": True} if definition.publication_notice else {}),
            },
            definition,
            shown_pages(definition, {})[0],
        )
        return _survey_page(row, definition, language, carried, {}, channel=channel)
    try:
        carried = _signer().loads(request.form.get("state", ""), max_age=STATE_MAX_AGE)
    except BadSignature:
        carried = None
    if not carried or carried.get("survey") != row["id"]:
        return _render("respondent/message.html", definition, language, 400, message="expired")
    if request.form.get("website"):  # the honeypot: people never see this field
        return _thanks(row, language, channel)
    if carried.get("version") != version(row):
        return _resume(row, definition, language, carried, channel)
    index = carried["page"]
    raw = {key: request.form.getlist(key) for key in request.form}
    # Answers of earlier pages decide the conditions on this one.
    result = check(page_definition(definition, index), raw, known=carried["answers"])
    if request.form.get("partial") and channel.on_idle == "submit":
        return _submit_partial(row, definition, language, carried, result.answers, channel)
    # Answers to questions hidden by other answers on this page (sent by a browser without
    # script, which shows every question) are dropped only once the respondent has been asked:
    # the page comes back with their text kept; sent again as it is, they are left out.
    unasked = [qid for qid in result.dropped if qid not in carried.get("dropped", ())]
    if result.errors or unasked:
        notes = {**dict.fromkeys(unasked, NOT_APPLICABLE), **result.errors}
        asked = {**carried, "dropped": result.dropped}
        status = 400 if result.errors else 200
        return _survey_page(row, definition, language, asked, notes, status, channel, given=raw)
    answers = {**carried["answers"], **result.answers}
    carried = {key: value for key, value in carried.items() if key != "dropped"}
    later = [i for i in shown_pages(definition, answers) if i > index]
    if later:
        return _survey_page(
            row,
            definition,
            language,
            at({**carried, "answers": answers}, definition, later[0]),
            {},
            channel=channel,
        )
    return _submit(row, definition, language, carried, answers, channel)


def _resume(row, definition: Definition, language: str, carried: dict, channel: Channel):
    """Staff changed the questionnaire while this respondent was answering: keep the answers
    that are still valid, and go on at the same page if it is still there, else the first."""
    answers = check(definition, as_form(carried["answers"])).answers
    shown = shown_pages(definition, answers)
    ids = [definition.pages[i].id for i in shown]
    index = shown[ids.index(carried.get("page_id"))] if carried.get("page_id") in ids else shown[0]
    resumed = at({**carried, "answers": answers, "version": version(row)}, definition, index)
    return _survey_page(
        row, definition, language, resumed, {}, channel=channel, given=as_form(answers)
    )


def _submit_partial(
    row, definition: Definition, language: str, carried: dict, page_answers: dict, channel
):
    """A kiosk whose respondent walked away, set to keep partial answers: what was validly
    answered so far is stored, flagged "partial"; unanswered and invalid questions are left out.
    With nothing answered there is nothing to store: the kiosk simply starts again."""
    answers = {**carried["answers"], **page_answers}
    if not answers:
        return _thanks(row, language, channel)
    # Its time includes the idle wait: no duration, so it neither counts as nor skews a speeder.
    carried = {**carried, "started": None}
    return _submit(row, definition, language, carried, answers, channel, extra_flags=["partial"])


def _survey_page(
    row,
    definition: Definition,
    language: str,
    carried: dict,
    errors: dict,
    status: int = 200,
    channel: Channel | None = None,
    given: dict | None = None,
):
    shown = shown_pages(definition, carried["answers"])
    page = definition.pages[carried["page"]]
    return _render(
        "respondent/survey.html",
        definition,
        language,
        status,
        survey=row,
        page=page,
        skipped=skipped(page, carried["answers"]),
        errors=errors,
        state=_signer().dumps(carried),
        preview=False,
        first=carried["page"] == shown[0],
        has_next=any(i > carried["page"] for i in shown),
        invited=bool(carried.get("invited")),
        answered=bool(carried["answers"]),
        given=given,
        channel=channel,
    )


def _submit(
    row,
    definition: Definition,
    language: str,
    carried: dict,
    answers: dict,
    channel: Channel,
    extra_flags: list[str] | None = None,
):
    app_state = state()
    try:
        responses_service.submit_answers(
            app_state.writer,
            app_state.keys,
            app_state.medians,
            row["id"],
            definition,
            channel,
            language=language,
            answers=answers,
            form_key=carried["key"],
            started=carried["started"],
            today=_today(),
            # Read here: the flags are computed in the writer, outside this request.
            speeder_floor=setting("speeder_seconds_per_answer"),
            k=setting("min_group_size"),
            explanation=_optin_explanation,
            extra_flags=extra_flags,
            # Told on the first page, and the survey still announces publication.
            publication_notice=bool(carried.get("notice")) and definition.publication_notice,
        )
    except responses_service.AlreadyAnswered:
        return _render("respondent/message.html", definition, language, 409, message="used")
    # Sent only now: submit_answers returns once the response is on disk.
    return _thanks(row, language, channel)


def _optin_explanation(language: str) -> str:
    """What a "yes" to a contact opt-in means, in ``language``: stored with the answer."""
    with force_locale(language):
        return gettext(OPTIN_EXPLANATION)


def _open_survey(token: str):
    row = service.survey_by_link(get_db(), token)
    if row is None:
        abort(404)
    return row, service.definition_of(row)


@bp.route("/s/<token>", methods=["GET", "POST"])
@public
def open_link(token: str):
    row, definition = _open_survey(token)
    if not service.accepting(row, _today()):
        return _render(
            "respondent/message.html", definition, _language(definition), 410, message="closed"
        )
    limit: OpenLinkLimit = current_app.extensions[LIMIT_KEY]
    if request.method == "POST" and not limit.allow(row["id"], client_address()):
        return _render(
            "respondent/message.html", definition, _language(definition), 429, message="busy"
        )
    return _flow(row, definition, Channel("link"))


@bp.route("/i/<token>", methods=["GET", "POST"])
@public
def invitation_link(token: str):
    """A wrong or tampered token gets a neutral page that reveals nothing."""
    conn, keys = get_db(), state().keys
    token_hash = links.invitation_hash(keys.hasher(), token)
    invitation = responses_service.find_invitation(conn, token_hash)
    if invitation is None:
        return render_template("respondent/unknown.html"), 404
    row = service.get_survey(conn, invitation["survey_id"])
    definition = service.definition_of(row)
    if invitation["used"]:
        return _render(
            "respondent/message.html", definition, _language(definition), 200, message="used"
        )
    if not service.accepting(row, _today()):
        return _render(
            "respondent/message.html", definition, _language(definition), 410, message="closed"
        )
    fixed = json.loads(invitation["segments"] or "{}")
    segments = {a: v for a, v in fixed.items() if a != LANGUAGE}
    channel = Channel("invitation", token_hash, segments)
    return _flow(row, definition, channel)


@bp.route("/s/<token>/privacy")
@public
def transparency(token: str):
    row, definition = _open_survey(token)
    return _render(
        "respondent/privacy.html",
        definition,
        _language(definition),
        survey=row,
        organisation=setting("organisation_name"),
        k=setting("min_group_size"),
        contact_months=setting("retention_contact_months"),
        name_months=setting("retention_name_months"),
        interviewing=interview_service.interviewing_of(get_db(), row["id"]),
    )


@bp.route("/k/<key>", methods=["GET", "POST"])
@public
def kiosk(key: str):
    """A registered tablet or terminal: back to the start after each response and after the
    kiosk's idle time (an abandoned respondent's answers discarded or kept, per kiosk)."""
    conn, keys = get_db(), state().keys
    device = service.kiosk_by_key(conn, keys.hasher(), key)
    if device is None:
        return render_template("respondent/unknown.html"), 404
    row = service.get_survey(conn, device["survey_id"])
    definition = service.definition_of(row)
    if not service.accepting(row, _today()):
        return _render(
            "respondent/message.html", definition, _language(definition), 410, message="closed"
        )
    channel = Channel(
        "kiosk",
        reset_url=f"/k/{key}",
        idle_seconds=device["idle_seconds"],
        on_idle=device["on_idle"],
    )
    return _flow(row, definition, channel)
