"""API operations on surveys: list, create from a template, read, replace the questionnaire,
open and close, and the open link.

Each calls the service functions the staff pages call (``appliance.surveys.views`` and the
builder), so the licence, the rules for a survey with answers and the audit entries hold alike.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import segno
from flask import abort, jsonify, url_for
from flask_babel import force_locale

from appliance.api.blueprint import bp
from appliance.api.declare import (
    ERROR,
    PAGING,
    Operation,
    Param,
    Schema,
    body,
    operation,
    page_of,
    paged,
    problem,
    query,
)
from appliance.api.survey_schemas import QUESTIONNAIRE, QUESTIONNAIRE_INPUT
from appliance.auth.guard import requires
from appliance.surveys import service
from appliance.surveys.definition import LANGUAGES, TYPES, DefinitionError
from appliance.surveys.forms import TEMPLATE_CHOICES
from appliance.surveys.templates import TEMPLATES
from appliance.web import ID, actor, get_db, state

TAG = "Surveys"
MAX_DEFINITION_CHARS = 500_000  # what the builder's JSON field takes
QR_ERROR_LEVEL = "m"  # as the staff page's QR code: 15% may be covered and it still reads

# ---- surveys ------------------------------------------------------------------------------------

STATUSES = ["draft", "open", "closed"]
DAY = {"type": ["string", "null"], "format": "date"}
SURVEY_SUMMARY = {
    "id": {"type": "integer"},
    "title": {"type": "string"},
    "status": {"enum": STATUSES},
    "opens_on": DAY,
    "closes_on": DAY,
    "updated_at": {"type": ["string", "null"], "format": "date-time"},
    "responses": {"type": "integer"},
    "url": {"type": "string"},
}
SURVEY_ITEM = Schema(
    "SurveySummary",
    {"type": "object", "required": list(SURVEY_SUMMARY), "properties": SURVEY_SUMMARY},
)
SURVEY_DETAIL = {
    **SURVEY_SUMMARY,
    "created_at": {"type": "string", "format": "date-time"},
    "closed_at": {"type": ["string", "null"], "format": "date-time"},
    "languages": {"type": "array", "items": {"enum": list(LANGUAGES)}},
    "anonymous": {"type": "boolean"},
    "accepting_answers": {
        "type": "boolean",
        "description": "Open, and today within its opening and closing dates",
    },
    "open_link": {"type": "string", "description": "The survey's open link (anyone may answer)"},
}
SURVEY = Schema(
    "Survey", {"type": "object", "required": list(SURVEY_DETAIL), "properties": SURVEY_DETAIL}
)


def _survey_or_404(survey_id: int):
    row = service.get_survey(get_db(), survey_id)
    if row is None:
        abort(404)
    return row


def _open_link(row) -> str:
    """Built from base_url, as the staff page builds it (never from the request's Host)."""
    return f"{state().settings['base_url']}/s/{row['link_token']}"


def _summary_json(row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "status": row["status"],
        "opens_on": row["opens_on"],
        "closes_on": row["closes_on"],
        "updated_at": row["updated_at"],
        "responses": row["responses"],
        "url": url_for("api.show_survey", survey_id=row["id"]),
    }


def survey_json(row) -> dict[str, Any]:
    """The survey object of the API (a row of ``surveys``, every column)."""
    definition = service.definition_of(row)
    return {
        **_summary_json({**dict(row), "responses": service.response_count(get_db(), row["id"])}),
        "created_at": row["created_at"],
        "closed_at": row["closed_at"],
        "languages": list(definition.languages),
        "anonymous": definition.anonymous,
        "accepting_answers": service.accepting(row, _today()),
        "open_link": _open_link(row),
    }


def _today() -> date:
    return date.today()  # as the respondent's pages decide whether a survey accepts answers


@bp.route("/v1/surveys")
@requires("surveys.manage")
@operation(
    Operation(
        "Surveys, newest first",
        {200: ("One page of surveys", page_of(SURVEY_ITEM))},
        TAG,
        params=(Param("status", "Only surveys with this status", {"enum": STATUSES}), *PAGING),
    )
)
def list_surveys():
    rows = service.list_surveys(get_db())
    wanted = query().get("status")
    if wanted:
        rows = [r for r in rows if r["status"] == wanted]
    return jsonify(paged(rows, _summary_json))


TEMPLATE = Schema(
    "SurveyTemplate",
    {
        "type": "object",
        "required": ["name", "description", "languages", "title", "questions"],
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "languages": {"type": "array", "items": {"enum": list(LANGUAGES)}},
            "title": {"type": "object", "additionalProperties": {"type": "string"}},
            "questions": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "type"],
                    "properties": {"id": {"type": "string"}, "type": {"enum": list(TYPES)}},
                },
            },
        },
    },
)


@bp.route("/v1/survey-templates")
@requires("surveys.manage")
@operation(
    Operation(
        "The questionnaires a survey can be created from",
        {200: ("One page of templates", page_of(TEMPLATE))},
        TAG,
        params=PAGING,
    )
)
def list_survey_templates():
    def shape(choice) -> dict[str, Any]:
        data = TEMPLATES[choice.value]
        with force_locale("en"):  # the form's label, in the API's language
            description = str(choice.label)
        return {
            "name": choice.value,
            "description": description,
            "languages": data["languages"],
            "title": data["title"],
            "questions": [
                {"id": q["id"], "type": q["type"]} for p in data["pages"] for q in p["questions"]
            ],
        }

    return jsonify(paged(list(TEMPLATE_CHOICES), shape))


TITLE = {
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 5000},
        {
            "type": "object",
            "minProperties": 1,
            "properties": {lang: {"type": "string", "maxLength": 5000} for lang in LANGUAGES},
            "additionalProperties": False,
        },
    ],
    "description": "One title for every language, or a title per language",
}


@bp.route("/v1/surveys", methods=["POST"])
@requires("surveys.manage")
@operation(
    Operation(
        "Create a draft survey from a template",
        {
            201: ("The new survey (a draft)", SURVEY),
            409: ("The licence refuses new work now", ERROR),
            422: ("The title cannot be used", ERROR),
        },
        TAG,
        description="Audited as `survey.created`. Check the questions (PUT its questionnaire), "
        "then open it.",
        body={
            "type": "object",
            "required": ["template"],
            "properties": {"template": {"enum": list(TEMPLATES)}, "title": TITLE},
            "additionalProperties": False,
        },
    )
)
def create_survey():
    given = body()
    template, title = given["template"], given.get("title")
    if isinstance(title, str):
        title = dict.fromkeys(TEMPLATES[template]["languages"], title)
    conn = get_db()
    try:
        survey_id = service.create_from_template(conn, actor(), template, title)
    except DefinitionError as exc:
        return problem(422, f"{exc.where}: {exc.reason}")
    except service.SurveyError as exc:
        return problem(409, " ".join(exc.reasons))
    response = jsonify(survey_json(service.get_survey(conn, survey_id)))
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_survey", survey_id=survey_id)
    return response


@bp.route(f"/v1/surveys/<{ID}:survey_id>")
@requires("surveys.manage")
@operation(Operation("A survey", {200: ("The survey", SURVEY)}, TAG))
def show_survey(survey_id: int):
    return jsonify(survey_json(_survey_or_404(survey_id)))


@bp.route(f"/v1/surveys/<{ID}:survey_id>/questionnaire")
@requires("surveys.manage")
@operation(
    Operation(
        "A survey's questionnaire, as the builder saves it",
        {200: ("The questionnaire", QUESTIONNAIRE)},
        TAG,
    )
)
def show_questionnaire(survey_id: int):
    return jsonify(service.definition_of(_survey_or_404(survey_id)).to_json())


@bp.route(f"/v1/surveys/<{ID}:survey_id>/questionnaire", methods=["PUT"])
@requires("surveys.manage")
@operation(
    Operation(
        "Replace a survey's questionnaire",
        {
            200: ("The questionnaire as saved", QUESTIONNAIRE),
            413: ("The questionnaire is longer than the builder takes", ERROR),
            409: (
                "The survey has answers the change would corrupt (a question with answers "
                "removed, its type, scale or options changed), or it has been open and the "
                "change switches its anonymity",
                ERROR,
            ),
            422: ("The questionnaire is not valid; the message names the place", ERROR),
        },
        TAG,
        description="The same rules as the builder: wording may always be fixed; questions, "
        "options and items may be added. Audited as `survey.changed`. At most 500,000 "
        "characters of JSON.",
        body=QUESTIONNAIRE_INPUT,
    )
)
def replace_questionnaire(survey_id: int):
    _survey_or_404(survey_id)
    if len(json.dumps(body(), ensure_ascii=False)) > MAX_DEFINITION_CHARS:
        return problem(413, f"a questionnaire is at most {MAX_DEFINITION_CHARS:,} characters")
    try:
        saved = service.update_definition(get_db(), actor(), survey_id, body())
    except DefinitionError as exc:
        return problem(422, f"{exc.where}: {exc.reason}")
    except service.SurveyError as exc:
        return problem(409, " ".join(exc.reasons))
    return jsonify(saved.to_json())


@bp.route(f"/v1/surveys/<{ID}:survey_id>/status", methods=["POST"])
@requires("surveys.manage")
@operation(
    Operation(
        "Open or close a survey",
        {
            200: ("The survey after the change", SURVEY),
            409: ("That change of status is not possible from the present one", ERROR),
        },
        TAG,
        description="A draft or a closed survey may be opened, an open one closed (as on the "
        "survey's page). Audited as `survey.opened` or `survey.closed`.",
        body={
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"enum": ["open", "closed"]}},
            "additionalProperties": False,
        },
    )
)
def change_survey_status(survey_id: int):
    _survey_or_404(survey_id)
    conn = get_db()
    try:
        service.change_status(conn, actor(), survey_id, body()["status"])
    except service.SurveyError as exc:
        return problem(409, " ".join(exc.reasons))
    return jsonify(survey_json(service.get_survey(conn, survey_id)))


OPEN_LINK = Schema(
    "OpenLink",
    {
        "type": "object",
        "required": ["url", "accepting_answers", "qr_svg"],
        "properties": {
            "url": {"type": "string"},
            "accepting_answers": {"type": "boolean"},
            "qr_svg": {"type": "string", "description": "The link's QR code as an SVG image"},
        },
    },
)


@bp.route(f"/v1/surveys/<{ID}:survey_id>/open-link")
@requires("surveys.manage")
@operation(
    Operation(
        "A survey's open link and its QR code",
        {200: ("The open link", OPEN_LINK)},
        TAG,
        description="Every survey has one, as its page shows; it takes answers while the "
        "survey accepts them.",
    )
)
def show_open_link(survey_id: int):
    row = _survey_or_404(survey_id)
    link = _open_link(row)
    code = segno.make(link, error=QR_ERROR_LEVEL)
    return jsonify(
        {
            "url": link,
            "accepting_answers": service.accepting(row, _today()),
            "qr_svg": code.svg_inline(scale=4, border=4),
        }
    )
