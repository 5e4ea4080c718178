"""Individual anonymous responses through the API, for staff: the list with the filters of the
responses page, one response, and its exclusion from every figure.

A response here holds exactly what the staff export holds (``appliance.responses.export``): its
id, day, mode, language, segment values, answers, quality flags and exclusion. Never a name
typed into a name question, a request to be contacted, or the contact a non-anonymous survey
links it to: the pages show those to a person reading one response, the API does not hand them
to programs. Exclusion needs the action the page's exclude button needs (``surveys.manage``)
and goes through the same service, audited alike.
"""

from __future__ import annotations

import json
import re
from datetime import date

from flask import jsonify

from appliance.api.blueprint import bp
from appliance.api.declare import (
    NOT_BLANK,
    PAGING,
    Operation,
    Param,
    Schema,
    body,
    operation,
    page_answer,
    page_of,
    problem,
    query,
    window,
)
from appliance.auth.guard import requires
from appliance.responses import export, quality, service
from appliance.surveys import service as surveys_service
from appliance.surveys.definition import Definition
from appliance.web import ID, actor, get_db

TAG = "Responses"
FLAGS = tuple(quality.FLAG_LABELS)
DAY = {"type": "string", "format": "date"}
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RESPONSE = Schema(
    "Response",
    {
        "type": "object",
        "required": [
            "id",
            "submitted_on",
            "mode",
            "language",
            "segments",
            "answers",
            "flags",
            "excluded",
            "excluded_on",
            "excluded_reason",
        ],
        "properties": {
            "id": {"type": "string"},
            "submitted_on": {**DAY, "description": "The day only: a response keeps no time"},
            "mode": {"enum": list(service.MODES)},
            "language": {
                "type": "string",
                "description": "Empty when too few respondents share it to keep it",
            },
            "segments": {"type": "object", "additionalProperties": {"type": "string"}},
            "answers": {
                "type": "object",
                "description": "Question id to the answer as stored: a scale point or a "
                "choice as text, several choices as a list, a matrix as row to answer; "
                "answers to name questions are never included",
            },
            "flags": {"type": "array", "items": {"enum": list(FLAGS)}},
            "excluded": {"type": "boolean"},
            "excluded_on": {"type": ["string", "null"]},
            "excluded_reason": {"type": ["string", "null"]},
        },
    },
)
RESPONSES = Schema("ResponsePage", page_of(RESPONSE))
FILTERS = (
    Param("since", "From this day (YYYY-MM-DD, inclusive)", DAY),
    Param("until", "Until this day (YYYY-MM-DD, inclusive)", DAY),
    Param("mode", "Only responses that came in this way", {"enum": list(service.MODES)}),
    Param("flag", "Only responses with this quality flag", {"enum": list(FLAGS)}),
    Param("excluded", "Only excluded (true) or only counted (false) ones", {"type": "boolean"}),
)
EXCLUDED = Schema(
    "Exclusion",
    {
        "type": "object",
        "required": ["id", "excluded", "excluded_on", "excluded_reason"],
        "properties": {
            "id": {"type": "string"},
            "excluded": {"type": "boolean"},
            "excluded_on": {"type": ["string", "null"]},
            "excluded_reason": {"type": ["string", "null"]},
        },
    },
)
EXCLUSION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["excluded"],
    "properties": {
        "excluded": {"type": "boolean"},
        "reason": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "pattern": NOT_BLANK,
            "description": "Why it leaves every figure (unreliable, test, duplicate...); "
            "required to exclude",
        },
    },
    "if": {"properties": {"excluded": {"const": True}}},
    "then": {"required": ["excluded", "reason"]},
}


def response_json(definition: Definition, row) -> dict:
    """A stored response as the API shows it: the export's columns, nothing more (the export
    decides which questions leave the appliance: never a name field)."""
    shown = {qid for _header, qid, _item in export.columns(definition, []) if qid}
    return {
        "id": row["id"],
        "submitted_on": row["submitted_on"],
        "mode": row["mode"],
        "language": row["language"] or "",
        "segments": json.loads(row["segments"]),
        # Names are stored apart and never in the answers; only the export's questions are
        # shown all the same, so a future path that stored one there could not hand it out.
        "answers": {k: v for k, v in json.loads(row["answers"]).items() if k in shown},
        "flags": json.loads(row["flags"]),
        "excluded": row["excluded_on"] is not None,
        "excluded_on": row["excluded_on"],
        "excluded_reason": row["excluded_reason"],
    }


def _survey(survey_id: int):
    return surveys_service.get_survey(get_db(), survey_id)


def _filters(args: dict) -> dict:
    """The page's filters from the checked query; a day's format is checked here (the
    declaration's check leaves formats out)."""
    for name in ("since", "until"):
        if name in args:
            try:
                if not _DAY.fullmatch(args[name]):
                    raise ValueError
                date.fromisoformat(args[name])
            except ValueError:
                raise ValueError(f"'{name}' must be a day as YYYY-MM-DD") from None
    return {
        "since": args.get("since", ""),
        "until": args.get("until", ""),
        "mode": args.get("mode", ""),
        "flag": args.get("flag", ""),
        "excluded": args.get("excluded"),
    }


@bp.route(f"/v1/surveys/<{ID}:survey_id>/responses")
@requires("responses.read")
@operation(
    Operation(
        "A survey's individual responses, newest day first",
        {200: ("One page of responses", RESPONSES)},
        TAG,
        description="The filters of the responses page. Responses are anonymous: they hold no "
        "name, address or invitation.",
        params=(*FILTERS, *PAGING),
    )
)
def list_responses(survey_id: int):
    row = _survey(survey_id)
    if row is None:
        return problem(404, "no such survey")
    args = query()
    try:
        filters = _filters(args)
    except ValueError as exc:
        return problem(400, str(exc))
    _page, per_page, offset = window()
    conn = get_db()
    found = service.responses_of(conn, survey_id, **filters, limit=per_page, offset=offset)
    definition = surveys_service.definition_of(row)
    return jsonify(
        page_answer(
            [response_json(definition, r) for r in found],
            service.count_responses(conn, survey_id, **filters),
        )
    )


@bp.route(f"/v1/surveys/<{ID}:survey_id>/responses/<response_id>")
@requires("responses.read")
@operation(Operation("One response", {200: ("The response", RESPONSE)}, TAG))
def show_response(survey_id: int, response_id: str):
    row = _survey(survey_id)
    found = row and service.get_response(get_db(), survey_id, response_id)
    if not found:
        return problem(404, "no such response in this survey")
    return jsonify(response_json(surveys_service.definition_of(row), found))


@bp.route(f"/v1/surveys/<{ID}:survey_id>/responses/<response_id>/exclusion", methods=["PUT"])
@requires("surveys.manage")
@operation(
    Operation(
        "Exclude a response from every figure, with a reason, or include it again",
        {200: ("The response's exclusion after the change", EXCLUDED)},
        TAG,
        description="Answers the exclusion only, not the response: excluding needs "
        "surveys.manage, reading a response responses.read. Audited as response.excluded "
        "(with the reason) or response.included, "
        "naming the survey, never the response. Sending the state the response is in "
        "changes nothing and records nothing; a new reason for an excluded response "
        "replaces the old one.",
        body=EXCLUSION,
    )
)
def set_exclusion(survey_id: int, response_id: str):
    row = _survey(survey_id)
    conn = get_db()
    found = row and service.get_response(conn, survey_id, response_id)
    if not found:
        return problem(404, "no such response in this survey")
    wanted = body()
    reason = wanted["reason"].strip() if wanted["excluded"] else None
    if reason != found["excluded_reason"]:
        today = date.today().isoformat()
        service.set_excluded(conn, actor(), survey_id, response_id, reason, today)
        found = service.get_response(conn, survey_id, response_id)
    return jsonify(
        {
            "id": found["id"],
            "excluded": found["excluded_on"] is not None,
            "excluded_on": found["excluded_on"],
            "excluded_reason": found["excluded_reason"],
        }
    )
