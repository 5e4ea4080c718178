"""The reports as JSON: the researcher's (and staff's) gated reports through the API.

Its own blueprint (``reports_api``), one of the two the guard lets serve ``reports.read``:
like the report pages, every figure comes from the aggregate gate alone. The gate is opened as
the pages open it (:func:`appliance.reports.views.open_gate`: a researcher sees only the surveys
granted to her, as released), and a report is the page's own :class:`Report` written out by the
page's JSON export (``export.to_json``), so nothing the page hides can appear here.

Each call by a researcher is logged as the page logs a view (``report.viewed``, with
``format: "api"`` and the parameters), so the Researcher activity page shows it. Where the page
falls back to the unfiltered report with a notice, a program would not see the notice: a filter
or breakdown the page refuses or ignores answers 422 instead, and is logged as refused.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, url_for
from flask_babel import force_locale, get_locale
from flask_login import current_user

from appliance.api.declare import (
    ERROR,
    PAGING,
    Operation,
    Param,
    Schema,
    operation,
    page_of,
    paged,
    problem,
    query,
)
from appliance.auth.guard import requires
from appliance.db import iso
from appliance.reports import export, labels, service
from appliance.reports.gate import FilterRefused, NotFound, Report
from appliance.reports.views import open_gate
from appliance.settings import LANGUAGES
from appliance.web import ID, actor, get_db

bp = Blueprint("reports_api", __name__, url_prefix="/api/v1/reports")

TAG = "Reports"
MAX_PARAM = 200  # as the page: a longer value cannot name a reportable segment


def _object(properties: dict, optional: tuple[str, ...] = (), **more) -> dict:
    """A response object whose every property but ``optional`` is always present (open to
    fields added later, as every response object of the API)."""
    required = [name for name in properties if name not in optional]
    return {"type": "object", "required": required, "properties": properties, **more}


COUNT = {"type": ["integer", "null"]}  # null: hidden
NUMBER = {"type": ["number", "null"]}
TEXT, FLAG = {"type": "string"}, {"type": "boolean"}
FIGURE = Schema(
    "Figure",
    {
        "description": "A published statistic: a number, the range it must lie in when answers "
        "are hidden (rounded outwards), or null when that range is too wide to say anything.",
        "anyOf": [
            {"type": "number"},
            _object({"min": {"type": "number"}, "max": {"type": "number"}}),
            {"type": "null"},
        ],
    },
)
NPS_FIGURES = ("nps", "promoters", "passives", "detractors")  # NPS questions only
SUMMARY = Schema(
    "ReportSummary",
    _object(
        {
            **dict.fromkeys(("n", "mean", "median", "sd", "top2_share"), FIGURE),
            "ci95": {"type": "array", "items": FIGURE, "minItems": 2, "maxItems": 2},
            **dict.fromkeys(NPS_FIGURES, FIGURE),
        },
        NPS_FIGURES,
    ),
)
NO_SUMMARY = {"anyOf": [SUMMARY, {"type": "null"}]}
BAR = Schema("ReportBar", _object({"answer": TEXT, "n": COUNT, "hidden": FLAG, "share": NUMBER}))
BARS = {"type": "array", "items": BAR}
GROUP = Schema(
    "ReportGroup",
    _object(
        {
            "label": TEXT,
            "name": TEXT,
            "n": COUNT,
            "hidden": FLAG,
            "summary": NO_SUMMARY,
            "bars": BARS,
        },
        ("name",),
        description="A breakdown group or a trend period; hidden: its count is below the "
        "minimum group size, or would reveal one that is.",
    ),
)
GROUPS = {"type": "array", "items": GROUP}
WAVE = _object(
    {
        "label": TEXT,
        "started_on": TEXT,
        "recipients": COUNT,
        "responses": COUNT,
        "hidden": FLAG,
        "rate": NUMBER,
    }
)
CASES = _object({"code": TEXT, "aapor": TEXT, "group": TEXT, "n": {"type": "integer"}})
RATE_ROW = _object(
    {
        "mode": TEXT,
        "hidden": FLAG,
        "cases": {"type": "array", "items": CASES},
        "groups": {"type": "object", "additionalProperties": {"type": "integer"}},
        "rates": {"type": "object", "additionalProperties": NUMBER},
        "e": NUMBER,
        "e_fixed": FLAG,
    },
    ("cases", "groups", "rates", "e", "e_fixed"),
    description="A sampled mode's dispositions and AAPOR rates; only the mode when hidden.",
)
QUESTION = Schema(
    "ReportQuestion",
    _object(
        {
            "id": TEXT,
            "type": TEXT,
            "kind": {"enum": ["scale", "choice", "multiple", "text"]},
            "text": TEXT,
            "n": COUNT,
            "hidden": FLAG,
            "hidden_in_filter": FLAG,
            "summary": NO_SUMMARY,
            "bars": BARS,
            "groups": GROUPS,
            "trend": GROUPS,
            "benchmark": {
                "type": ["object", "null"],
                "properties": dict.fromkeys(("mean", "nps", "top2"), NUMBER),
            },
            "scale": {"type": ["array", "null"], "items": {"type": "integer"}, "maxItems": 2},
            "answer_labels": {"type": "object", "additionalProperties": TEXT},
        }
    ),
)
FILTER_VALUES = {
    "type": "array",
    "items": _object({"value": TEXT, "name": TEXT, "allowed": FLAG}),
}
REPORT = Schema(
    "Report",
    _object(
        {
            "survey": {"type": "integer"},
            "title": TEXT,
            "min_group_size": {"type": "integer"},
            "min_open_text_count": {"type": "integer"},
            "as_of": {"type": ["string", "null"], "format": "date-time"},
            "released": FLAG,
            "recounting": FLAG,
            "view": _object(
                {
                    "filter": {
                        **_object({"attribute": TEXT, "value": TEXT}),
                        "type": ["object", "null"],
                    },
                    "breakdown": {"type": ["string", "null"]},
                    "period": {"enum": ["month", "week"]},
                }
            ),
            "filters": {
                "type": "object",
                "description": "Per reportable segment its values; allowed: a filter on it is "
                "not refused.",
                "additionalProperties": FILTER_VALUES,
            },
            "breakdowns": {"type": "array", "items": TEXT},
            "respondents": COUNT,
            "excluded": COUNT,
            "groups": GROUPS,
            "trend": GROUPS,
            "campaigns": {"type": "array", "items": WAVE},
            "response_rates": {"type": "array", "items": RATE_ROW},
            "questions": {"type": "array", "items": QUESTION},
        }
    ),
)
SURVEY = Schema(
    "ReportSurvey",
    _object(
        {
            "id": {"type": "integer"},
            "title": TEXT,
            "status": {"enum": ["draft", "open", "closed"]},
            "url": TEXT,
        }
    ),
)
SURVEYS = page_of(SURVEY)
SHORT = {"type": "string", "maxLength": MAX_PARAM}
VIEW_PARAMS = (
    Param(
        "filter",
        "Only the respondents with one value of a reportable segment: ATTRIBUTE=VALUE (the "
        "report's 'filters' list them and whether each is allowed); empty: all respondents",
        {**SHORT, "pattern": "^([^=]+=.*)?$"},
    ),
    Param(
        "breakdown", "'mode', or a reportable segment (not the filter's own); empty: none", SHORT
    ),
    Param(
        "period",
        "The trend by month (default) or by week; with a filter, by month",
        {"enum": ["month", "week"]},
    ),
    Param(
        "language",
        "Language of question texts and names (default: your account's)",
        {"enum": list(LANGUAGES)},
    ),
)


def _log(action: str, **details) -> None:
    """A researcher's look, in the audit entry the page writes for it (staff looks are not
    researcher activity; the call itself is in the log as ``api.called`` either way)."""
    if current_user.role == "researcher":
        service.viewed(get_db(), actor(), action, format="api", **details)


@bp.route("/surveys")
@requires("reports.read")
@operation(
    Operation(
        "The surveys whose reports you may read",
        {200: ("The surveys, newest first", SURVEYS)},
        TAG,
        description="A researcher sees the surveys granted to her; staff see every survey. The "
        "list of the report pages' start page, never a response.",
        params=PAGING,
    )
)
def list_surveys():
    with open_gate() as gate:
        surveys = gate.surveys()
    _log("report.viewed", view="index", surveys=[s.id for s in surveys])
    return jsonify(
        paged(
            surveys,
            lambda s: {
                "id": s.id,
                "title": s.title,
                "status": s.status,
                "url": url_for("reports_api.show_report", survey_id=s.id),
            },
        )
    )


@bp.route(f"/surveys/<{ID}:survey_id>")
@requires("reports.read")
@operation(
    Operation(
        "The report of a survey: the figures of its report page",
        {
            200: ("The report", REPORT),
            422: ("A filter or breakdown refused: too small a group, or not reportable", ERROR),
        },
        TAG,
        description="The figures, hidden cells and statistics of the report page for the same "
        "view, from the same aggregate gate. A count below the minimum group size, or one that "
        "would reveal such a count, is null with hidden: true; a statistic known only within a "
        "range is {min, max}. A researcher reads the survey's latest release. A filter that "
        "would single out or leave out fewer than min_group_size responses is refused (422).",
        params=VIEW_PARAMS,
    )
)
def show_report(survey_id: int):
    args = query()
    params = {k: args.get(k, "") for k in ("filter", "breakdown", "period")}
    # As the page: the owner's language unless the call asks for another.
    language = args.get("language") or str(get_locale() or "nl")[:2]
    logged = {k: v for k, v in params.items() if v}
    report: Report | None = None
    with open_gate() as gate:
        try:
            view = gate.view(survey_id, **params)
            refusal = _ignored(params, view)
            report = None if refusal else gate.report(survey_id, view)
        except NotFound:
            abort(404)
        except FilterRefused as refused:
            k = refused.k
            refusal = (
                f"the filter {refused.attribute}={refused.value} is refused: it would single "
                f"out fewer than {k} responses, or leave fewer than {k} outside it"
            )
    if refusal or report is None:
        _log("report.viewed", survey=survey_id, **logged, refused=True)
        return problem(422, refusal)
    _log("report.viewed", survey=survey_id, **logged)
    if not report.released:
        # Staff read the live counters: how far the fold has come, as their page says.
        report.as_of, report.recounting = service.counted_until(get_db(), survey_id)
    return jsonify(_report_json(report, language))


def _ignored(params: dict[str, str], view) -> str:
    """Why the page would drop part of the request (it shows the rest without saying so), or
    "". ``view`` is what the gate made of ``params``."""
    if params["filter"] and view.filter is None:
        attribute = params["filter"].partition("=")[0]
        return f"'filter': {attribute} is not a reportable segment of this survey"
    if params["breakdown"] and view.breakdown is None:
        return (
            f"'breakdown': {params['breakdown']} is neither 'mode' nor a reportable segment "
            "other than the filter's"
        )
    return ""


def _report_json(report: Report, language: str) -> dict:
    """The page's JSON export of ``report`` with what else the page shows of it: up to when
    it holds, and per question its kind, scale, answer names and the note of a filter that
    hides it."""
    with force_locale(language):
        body = export.to_json(report, language)
        names = labels.Labels(report, language)
        answers = [names.answers(q) for q in report.questions]
    body["view"]["breakdown"] = (report.view.breakdown or "").removeprefix("seg:") or None
    body.update(
        as_of=iso(report.as_of) if report.as_of else None,
        released=report.released,
        recounting=report.recounting,
        breakdowns=list(report.breakdowns),
    )
    for out, q, names_of in zip(body["questions"], report.questions, answers, strict=True):
        out.update(
            kind=q.kind,
            hidden_in_filter=q.hidden_in_filter,
            scale=list(q.scale) if q.scale else None,
            answer_labels={a: names_of.get(a, a) for a in _answers(q)},
        )
    return body


def _answers(q) -> list[str]:
    """The answers the question's bars can carry (its groups' bars carry the same)."""
    return list(dict.fromkeys(b.answer for g in (q, *q.groups, *q.trend) for b in g.bars))
