"""The researcher's reports through the API: the same gate, figures, hidden cells, refusals and
activity log as the report pages."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator

from appliance.api.declare import resolve
from appliance.db import transaction
from appliance.reports import store as report_store
from appliance.reports.api_views import REPORT
from tests.api.helpers import call, token_for
from tests.factories import grant
from tests.reports import study

K = 5
# The study survey: 79 responses over five regions, two of them (texel 2, west 3) below k.
SIZES = {"noord": 40, "zuid": 25, "oost": 9, "texel": 2, "west": 3}
SMALL = ("texel", "west")


@pytest.fixture
def survey(conn, data_dir, cast):
    survey_id = study.create(conn)
    study.seed(conn, data_dir, survey_id, SIZES)
    grant(conn, cast["researcher"], survey_id)
    return survey_id


def _report(app, token, survey_id, **params):
    return call(app, "get", f"/api/v1/reports/surveys/{survey_id}", token, query_string=params)


def _views(conn, actor="rita"):
    return [
        (r[0], json.loads(r[1]))
        for r in conn.execute(
            "SELECT action, details FROM audit_log WHERE actor = ? AND action LIKE 'report.%'"
            " ORDER BY id",
            (actor,),
        )
    ]


def test_a_researcher_sees_only_the_surveys_granted_to_her(app, conn, cast, survey, as_role):
    other = study.create(conn)
    token = token_for(conn, cast["researcher"])
    listed = call(app, "get", "/api/v1/reports/surveys", token)
    assert listed.status_code == 200
    assert listed.json == {
        "items": [
            {
                "id": survey,
                "title": "Study",
                "status": "open",
                "url": f"/api/v1/reports/surveys/{survey}",
            }
        ],
        "page": 1,
        "per_page": 50,
        "total": 1,
    }
    # Not granted: not found, as on the page, and recorded alike for the activity page.
    for survey_id, reason in ((other, "not_granted"), (10**6, "not_found")):
        assert _report(app, token, survey_id).status_code == 404
        assert as_role("researcher").get(f"/reports/{survey_id}").status_code == 404
        refused = conn.execute(
            "SELECT details FROM audit_log WHERE action = 'request.refused' AND actor = 'rita'"
            " ORDER BY id DESC LIMIT 2"
        ).fetchall()
        assert [json.loads(r[0])["reason"] for r in refused] == [reason] * 2
    assert _views(conn) == [
        ("report.viewed", {"format": "api", "view": "index", "surveys": [survey]})
    ]


def test_staff_see_every_survey_page_by_page_from_the_live_counters(app, conn, cast, survey):
    other = study.create(conn)
    token = token_for(conn, cast["staff"])
    first = call(app, "get", "/api/v1/reports/surveys?per_page=1", token).json
    second = call(app, "get", "/api/v1/reports/surveys?per_page=1&page=2", token).json
    assert first["total"] == second["total"] >= 2 and first["per_page"] == 1
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [other, survey]
    body = _report(app, token, survey).json
    assert body["released"] is False and body["recounting"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["as_of"])
    assert body["respondents"] == 79 and body["excluded"] == 0
    assert _report(app, token, other).status_code == 200
    # Names in the language asked for (the account's own by default: English here).
    for language, name in (("nl", "uitnodiging"), (None, "invitation")):
        asked = {"language": language} if language else {}
        groups = _report(app, token, survey, breakdown="mode", **asked).json["groups"]
        assert groups[0]["label"] == "invitation" and groups[0]["name"] == name
    # Staff looking at reports is not researcher activity; the calls are audited as calls.
    assert _views(conn, "sam") == []
    assert call(app, "get", "/api/v1/reports/surveys?per_page=501", token).status_code == 400


def _figure(page: str, section: str) -> str:
    block = page.split(f'id="{section}"', 1)[1].split("</section>")[0]
    if re.search(r"Fewer than \d+ respondents in this group answered", block):
        return "hidden in the filter"
    return re.search(r'class="figure">([^<]+)<', block)[1]


def test_the_figures_are_the_page_figures_for_the_same_view(app, conn, cast, survey, as_role):
    token = token_for(conn, cast["researcher"])
    browser = as_role("researcher")
    for params in ({}, {"breakdown": "regio"}, {"filter": "klanttype=b2b", "breakdown": "mode"}):
        body = _report(app, token, survey, language="en", **params).json
        Draft202012Validator(resolve(REPORT)).validate(body)  # what the document promises
        page = browser.get(f"/reports/{survey}", query_string=params).get_data(as_text=True)
        exported = browser.get(f"/reports/{survey}/data.json", query_string=params).json
        # Everything the page's own JSON export holds, figure for figure.
        for key in exported.keys() - {"view", "questions"}:
            assert body[key] == exported[key], key
        for mine, theirs in zip(body["questions"], exported["questions"], strict=True):
            assert {k: v for k, v in mine.items() if k in theirs} == theirs
        # And what the page shows.
        assert str(body["respondents"]) == _figure(page, "respondents")
        for q in body["questions"]:
            shown = "&lt; 5" if q["hidden"] else str(q["n"])
            shown = "hidden in the filter" if q["hidden_in_filter"] else shown
            assert _figure(page, f"q-{q['id']}") == shown, q["id"]
        nps = next(q for q in body["questions"] if q["id"] == "nps")["summary"]["nps"]
        shown = re.search(r'<th scope="row">NPS</th><td class="figure">([^<]+)<', page)[1]
        assert (shown.strip() == "\u2014") is (nps is None)
        table = page.split('id="breakdown-table"', 1)[-1].split("</table>")[0]
        for group in body["groups"]:
            cell = "&lt; 5" if group["hidden"] else str(group["n"])
            assert f"<td>{group['name']}</td><td>{cell}</td>" in table
    assert body["groups"] and body["view"] == {
        "filter": {"attribute": "klanttype", "value": "b2b"},
        "breakdown": "mode",
        "period": "month",
    }
    assert body["released"] is True and body["as_of"].endswith("Z")
    grade = next(q for q in body["questions"] if q["id"] == "grade")
    assert grade["kind"] == "scale" and grade["scale"] == [1, 10]
    channel = next(q for q in body["questions"] if q["id"] == "channel")
    assert channel["answer_labels"]["shop"] == "Shop"
    assert [v["format"] for _, v in _views(conn)] == ["api", "page", "json"] * 3


def test_a_too_small_group_is_refused_audited_and_on_the_activity_page(
    app, conn, cast, survey, as_role
):
    token = token_for(conn, cast["researcher"])
    refused = _report(app, token, survey, filter="regio=texel", breakdown="mode")
    assert refused.status_code == 422
    assert refused.json == {
        "error": "the filter regio=texel is refused: it would single out fewer than 5 "
        "responses, or leave fewer than 5 outside it"
    }
    # The page writes the same entry for the same request (its format aside).
    as_role("researcher").get(f"/reports/{survey}?filter=regio%3Dtexel&breakdown=mode")
    api, page = _views(conn)
    assert api == (
        "report.viewed",
        {
            "format": "api",
            "survey": survey,
            "filter": "regio=texel",
            "breakdown": "mode",
            "refused": True,
        },
    )
    assert page[1] == {**api[1], "format": "page"}
    activity = as_role("staff").get("/researchers/activity").get_data(as_text=True)
    rows = activity.split('id="activity"', 1)[1].split("</tr>")
    row = next(r for r in rows if '<span class="badge">api</span>' in r)
    assert "viewed" in row and "filter refused" in row and "filter=regio=texel" in row
    call_row = next(r for r in rows if "API call" in r)
    assert f"GET /api/v1/reports/surveys/{survey}</code> <code>422" in call_row
    # What the page leaves out without a word, a program is told; a malformed value is 400.
    for params, field in (
        ({"filter": "postcode=1234"}, "'filter': postcode"),
        ({"breakdown": "postcode"}, "'breakdown': postcode"),
        ({"filter": "regio=noord", "breakdown": "regio"}, "'breakdown': regio"),
    ):
        answer = _report(app, token, survey, **params)
        assert answer.status_code == 422 and answer.json["error"].startswith(field)
    assert [d.get("refused") for _, d in _views(conn)] == [True] * 5
    for params, field in (({"period": "day"}, "'period'"), ({"filter": "regio"}, "'filter'")):
        answer = _report(app, token, survey, **params)
        assert answer.status_code == 400 and answer.json["error"].startswith(field)


def _hidden_remainder_is_safe(total, groups):
    """Within one line, the groups hidden together add up to none or at least k."""
    rest = total - sum(g["n"] for g in groups if not g["hidden"])
    return rest == 0 or rest >= K or all(not g["hidden"] for g in groups)


def test_no_view_reveals_a_group_the_page_hides(app, conn, cast, survey, as_role):
    """An attack by the API's own means: every filter and breakdown, looking for the two small
    regions, alone or by subtraction within a line."""
    token = token_for(conn, cast["researcher"])
    page = as_role("researcher").get(f"/reports/{survey}?breakdown=regio").get_data(as_text=True)
    for region in SMALL:
        assert f"<td>{region}</td><td>&lt; 5</td>" in page
    filters = [""] + [f"regio={r}" for r in SIZES] + [f"klanttype={t}" for t in study.TYPES]
    for value in filters:
        for breakdown in ("", "mode", "regio", "klanttype"):
            answer = _report(app, token, survey, filter=value, breakdown=breakdown)
            attribute, _, group = value.partition("=")
            if group in SMALL or (breakdown and breakdown == attribute):
                assert answer.status_code == 422, (value, breakdown)
                continue
            body = answer.json
            assert answer.status_code == 200, (value, breakdown)
            lines = [(body["respondents"], body["groups"])]
            lines += [(q["n"], q["groups"]) for q in body["questions"] if q["n"] is not None]
            for total, groups in lines:
                for g in groups:
                    if g["label"] in SMALL:
                        assert g["hidden"] and g["n"] is None, (value, breakdown, g)
                if breakdown and groups and total is not None:
                    assert _hidden_remainder_is_safe(total, groups), (value, breakdown)
            for q in body["questions"]:
                for bar in q["bars"]:
                    assert bar["n"] is None or bar["n"] == 0 or bar["n"] >= K


def test_who_may_call(app, conn, cast, survey):
    staff_narrow = token_for(conn, cast["staff"], scopes={"contacts.manage"})
    assert _report(app, staff_narrow, survey).status_code == 403
    assert call(app, "get", "/api/v1/reports/surveys", staff_narrow).status_code == 403
    for role in ("interviewer", "admin"):
        assert _report(app, token_for(conn, cast[role]), survey).status_code == 403
    expired = token_for(conn, cast["expired"])
    with transaction(conn):
        conn.execute(
            "INSERT INTO researcher_grants (user_id, survey_id) VALUES (?, ?)",
            (cast["expired"].id, survey),
        )
    assert _report(app, expired, survey).status_code == 401
    researcher = token_for(conn, cast["researcher"])
    assert _report(app, researcher, survey).status_code == 200
    # Her access period ends: her token stops with it.
    with transaction(conn):
        conn.execute(
            "UPDATE users SET valid_until = date('now', '-1 day') WHERE id = ?",
            (cast["researcher"].id,),
        )
    assert _report(app, researcher, survey).status_code == 401
    assert _report(app, None, survey).status_code == 401


def test_a_survey_without_reportable_segments_offers_no_filter(app, conn, cast, data_dir):
    survey_id = study.create(conn)
    with transaction(conn):
        report_store.set_reportable(conn, survey_id, [])
    body = _report(app, token_for(conn, cast["staff"]), survey_id).json
    assert body["filters"] == {} and body["breakdowns"] == ["mode"]
    assert body["respondents"] == 0 and body["questions"]
