"""Individual responses through the API: the page's filters, one response, exclusion through the
page's service and action, and never a name a respondent typed."""

from __future__ import annotations

from datetime import date

import pytest

from appliance.auth.service import CLI
from appliance.surveys import service
from tests.api.helpers import call, token_for
from tests.conftest import audit_actions
from tests.factories import open_survey_row, state_of, submit_response

STRAIGHT = {"statements": {f"i{n}": "3" for n in range(1, 6)}, "grade": "7"}
TYPED_NAME = "Els Kanarievogel-Zangvink"
NAMED = {
    "languages": ["nl", "en"],
    "title": {"nl": "Proef", "en": "Trial"},
    "closing": {"nl": "Dank!", "en": "Thanks!"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {"id": "nps", "type": "nps", "required": True, "text": {"nl": "NPS", "en": "NPS"}},
                {"id": "naam", "type": "name", "text": {"nl": "Naam (mag leeg)", "en": "Name"}},
            ],
        }
    ],
}


@pytest.fixture
def survey(conn):
    return service.create_from_template(conn, CLI, "employee_satisfaction")


@pytest.fixture
def staff(conn, cast):
    return token_for(conn, cast["staff"])


def _two(conn, data_dir, survey):
    """A straight-lining response by link on one day and a clean kiosk one on a later day."""
    flagged = submit_response(
        conn, data_dir, survey, STRAIGHT, "k1", today=date(2026, 3, 1), segments={"regio": "Noord"}
    )
    clean = submit_response(
        conn, data_dir, survey, {"grade": "8"}, "k2", mode="kiosk", today=date(2026, 3, 5)
    )
    return flagged, clean


def _ids(app, url, token) -> list[str]:
    r = call(app, "get", url, token)
    assert r.status_code == 200, r.get_json()
    return [item["id"] for item in r.get_json()["items"]]


def test_staff_list_responses_with_the_page_filters(app, conn, data_dir, survey, staff):
    flagged, clean = _two(conn, data_dir, survey)
    url = f"/api/v1/surveys/{survey}/responses"
    r = call(app, "get", url, staff)
    body = r.get_json()
    assert (body["page"], body["per_page"], body["total"]) == (1, 50, 2)
    assert [i["id"] for i in body["items"]] == [clean, flagged]  # newest day first
    assert body["items"][1] == {
        "id": flagged,
        "submitted_on": "2026-03-01",
        "mode": "link",
        "language": "nl",
        "segments": {"regio": "Noord"},
        "answers": STRAIGHT,
        "flags": ["straight_lining"],
        "excluded": False,
        "excluded_on": None,
        "excluded_reason": None,
    }
    assert _ids(app, f"{url}?flag=straight_lining", staff) == [flagged]
    assert _ids(app, f"{url}?mode=kiosk", staff) == [clean]
    assert _ids(app, f"{url}?since=2026-03-02", staff) == [clean]
    assert _ids(app, f"{url}?until=2026-03-01", staff) == [flagged]
    assert _ids(app, f"{url}?excluded=true", staff) == []
    assert _ids(app, f"{url}?excluded=false", staff) == [clean, flagged]
    second = call(app, "get", f"{url}?per_page=1&page=2", staff).get_json()
    assert ([i["id"] for i in second["items"]], second["total"]) == ([flagged], 2)
    one = call(app, "get", f"{url}/{flagged}", staff)
    assert one.status_code == 200 and one.get_json() == body["items"][1]


def test_bad_filters_and_unknown_things_are_refused(app, conn, data_dir, survey, staff):
    flagged, _clean = _two(conn, data_dir, survey)
    url = f"/api/v1/surveys/{survey}/responses"
    for query, field in (
        ("flag=nope", "flag"),
        ("mode=fax", "mode"),
        ("since=1-3-2026", "since"),
        ("until=2026-02-30", "until"),
        ("per_page=501", "per_page"),
        ("page=0", "page"),
        ("excluded=ja", "excluded"),
    ):
        r = call(app, "get", f"{url}?{query}", staff)
        assert r.status_code == 400 and field in r.get_json()["error"], query
    other = service.create_from_template(conn, CLI, "nps")
    assert (
        call(app, "get", f"/api/v1/surveys/{other}/responses/{flagged}", staff).status_code == 404
    )
    assert call(app, "get", f"{url}/nothere", staff).status_code == 404
    assert call(app, "get", "/api/v1/surveys/999/responses", staff).status_code == 404
    put = call(
        app,
        "put",
        f"/api/v1/surveys/999/responses/{flagged}/exclusion",
        staff,
        json={"excluded": False},
    )
    assert put.status_code == 404


def test_only_staff_with_the_scope_read_responses(app, conn, cast, survey):
    url = f"/api/v1/surveys/{survey}/responses"
    for role in ("researcher", "admin", "interviewer"):
        assert call(app, "get", url, token_for(conn, cast[role])).status_code == 403
    narrowed = token_for(conn, cast["staff"], scopes={"contacts.manage"})
    assert call(app, "get", url, narrowed).status_code == 403
    assert call(app, "get", url).status_code == 401


def test_exclusion_goes_through_the_page_service_and_action(app, conn, cast, data_dir, survey):
    flagged, _clean = _two(conn, data_dir, survey)
    url = f"/api/v1/surveys/{survey}/responses/{flagged}/exclusion"
    staff = token_for(conn, cast["staff"])
    # Reading responses is not enough: the page's exclude button needs surveys.manage.
    reader = token_for(conn, cast["staff"], scopes={"responses.read"})
    exclude = {"excluded": True, "reason": "test response"}
    assert call(app, "put", url, reader, json=exclude).status_code == 403
    # Excluding is not reading either: a token for surveys.manage alone learns no answer.
    builder = token_for(conn, cast["staff"], scopes={"surveys.manage"})
    kept = call(app, "put", url, builder, json={"excluded": False}).get_json()
    assert set(kept) == {"id", "excluded", "excluded_on", "excluded_reason"}
    r = call(app, "put", url, staff, json=exclude)
    assert r.status_code == 200, r.get_json()
    after = r.get_json()
    assert (after["excluded"], after["excluded_reason"]) == (True, "test response")
    assert after["excluded_on"] == date.today().isoformat()
    assert audit_actions(conn)[-2:] == ["response.excluded", "api.called"]
    excluded = conn.execute(
        "SELECT target, details FROM audit_log WHERE action = 'response.excluded'"
    ).fetchone()
    assert tuple(excluded) == (f"survey:{survey}", '{"reason": "test response"}')
    # The same state again changes and records nothing.
    assert call(app, "put", url, staff, json=exclude).get_json() == after
    assert audit_actions(conn).count("response.excluded") == 1
    listed = f"/api/v1/surveys/{survey}/responses?excluded=true"
    assert _ids(app, listed, staff) == [flagged]
    back = call(app, "put", url, staff, json={"excluded": False}).get_json()
    assert (back["excluded"], back["excluded_on"], back["excluded_reason"]) == (False, None, None)
    assert "response.included" in audit_actions(conn)
    for bad, field in (
        ({"excluded": True}, "reason"),
        ({"excluded": True, "reason": "   "}, "reason"),
        ({"excluded": True, "reason": "x" * 201}, "reason"),
        ({"excluded": "yes"}, "excluded"),
        ({"excluded": False, "reden": "typo"}, "reden"),
    ):
        r = call(app, "put", url, staff, json=bad)
        assert r.status_code == 400 and field in r.get_json()["error"], bad
    surrogate = '{"excluded": true, "reason": "a\\ud800"}'
    r = call(app, "put", url, staff, data=surrogate, content_type="application/json")
    assert r.status_code == 400 and "not valid Unicode" in r.get_json()["error"]


def test_a_typed_name_is_never_in_an_api_answer(app, conn, data_dir, as_role, staff):
    # Answered through the respondent pages, as a respondent would.
    survey = open_survey_row(conn, NAMED)
    client, link = app.test_client(), f"/s/{survey['link_token']}"
    page = client.get(link).get_data(as_text=True)
    client.post(link, data={"state": state_of(page), "nps": "9", "naam": TYPED_NAME})
    listed = call(app, "get", f"/api/v1/surveys/{survey['id']}/responses", staff)
    (item,) = listed.get_json()["items"]
    # The name is stored and the staff page for one response shows it: the API does not.
    web = as_role("staff").get(f"/surveys/{survey['id']}/responses/{item['id']}")
    assert TYPED_NAME in web.get_data(as_text=True)
    one = f"/api/v1/surveys/{survey['id']}/responses/{item['id']}"
    answers = [
        listed,
        call(app, "get", one, staff),
        call(app, "put", f"{one}/exclusion", staff, json={"excluded": True, "reason": "x"}),
        call(app, "get", f"/api/v1/surveys/{survey['id']}/responses?excluded=true", staff),
    ]
    for answer in answers:
        assert answer.status_code == 200
        text = answer.get_data(as_text=True)
        assert "Kanarievogel" not in text and "naam" not in text
    assert item["answers"] == {"nps": "9"}


def test_a_name_stored_among_the_answers_is_left_out_too(app, conn, data_dir, staff):
    # No path stores one there today (names are sealed apart); the API holds even if one did.
    survey = open_survey_row(conn, NAMED)["id"]
    rid = submit_response(conn, data_dir, survey, {"nps": "7", "naam": TYPED_NAME}, "raw")
    got = call(app, "get", f"/api/v1/surveys/{survey}/responses/{rid}", staff).get_json()
    assert got["answers"] == {"nps": "7"}
