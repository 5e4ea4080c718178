"""Face-to-face interviews: the page for assigned surveys with locations, and the JSON submission
the tablet sends (idempotent by its key, checked like any submission, stored anonymously with
the location)."""

from __future__ import annotations

import json
import secrets
import time

import pytest

from appliance.auth.service import CLI
from appliance.interviews import setup_service
from appliance.surveys import service as surveys_service
from tests.factories import grant, nps_with_follow_up, open_survey

DEFINITION = {
    "languages": ["nl", "en"],
    "title": {"nl": "Winkelonderzoek", "en": "Shop survey"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {
                    **nps_with_follow_up()[0],
                    "read_out": {"nl": "Op een schaal van 0 tot 10 …", "en": "On a scale …"},
                },
                nps_with_follow_up()[1],
                {
                    "id": "clean",
                    "type": "single",
                    "text": {"nl": "Schoon?", "en": "Clean?"},
                    "choices": [
                        {"value": "yes", "label": {"nl": "Ja", "en": "Yes"}},
                        {"value": "no", "label": {"nl": "Nee", "en": "No"}},
                    ],
                },
                {
                    "id": "optin",
                    "type": "contact_optin",
                    "text": {"nl": "Mogen we u bellen?", "en": "May we call?"},
                },
            ],
        }
    ],
}


@pytest.fixture
def survey_id(conn, cast):
    survey_id = open_survey(conn, DEFINITION)
    grant(conn, cast["interviewer"], survey_id)
    return survey_id


@pytest.fixture
def station(conn, survey_id) -> int:
    setup_service.add_location(conn, CLI, survey_id, "Station Zwolle")
    return setup_service.add_location(conn, CLI, survey_id, "Winkel Deventer")


def _send(browser, survey_id, body):
    return browser.client.post(
        f"/interviews/onsite/{survey_id}/interviews",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": browser.csrf()},
    )


def _interview(location, **answers):
    return {
        "key": secrets.token_hex(16),
        "location": location,
        "language": "nl",
        "seconds": 95,
        "answers": answers or {"nps": ["9"], "clean": ["yes"]},
    }


def _responses(conn, survey_id):
    return conn.execute(
        "SELECT mode, segments, answers, duration_s, language, flags FROM responses"
        " WHERE survey_id = ?",
        (survey_id,),
    ).fetchall()


def test_the_page_shows_the_open_locations_and_the_read_out_text(as_role, conn, survey_id, station):
    setup_service.retire_location(conn, CLI, survey_id, station, True)
    page = as_role("interviewer").get(f"/interviews/onsite/{survey_id}").get_data(as_text=True)
    assert "Station Zwolle" in page and "Winkel Deventer" not in page
    assert "Op een schaal van 0 tot 10 …" in page
    assert "Mogen we u bellen?" not in page  # nobody on site has an invitation to call back on
    assert "interview-onsite.js" in page and "<script>" not in page


def test_a_sent_interview_is_stored_once_with_its_location_and_nothing_of_the_interviewer(
    as_role, conn, survey_id, station
):
    tablet = as_role("interviewer")
    body = _interview(station, nps=["3"], why=["Te druk"], clean=["no"])
    first = _send(tablet, survey_id, body)
    again = _send(tablet, survey_id, body)  # the answer to the first was lost on the way
    assert first.status_code == again.status_code == 200
    assert first.get_json() == {"stored": True}
    (row,) = _responses(conn, survey_id)
    assert row["mode"] == "onsite"
    assert json.loads(row["segments"]) == {"location": "Winkel Deventer"}
    assert json.loads(row["answers"]) == {"nps": "3", "why": "Te druk", "clean": "no"}
    assert row["duration_s"] is None  # kept in the interviewer's figures only
    assert "ivo" not in " ".join(str(v) for v in row)


def test_routing_drops_what_does_not_apply(as_role, conn, survey_id, station):
    body = _interview(station, nps=["9"], why=["Niets"], clean=["yes"])
    assert _send(as_role("interviewer"), survey_id, body).status_code == 200
    (row,) = _responses(conn, survey_id)
    assert json.loads(row["answers"]) == {"nps": "9", "clean": "yes"}


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"nps": ["11"]}, "choose one of the given answers"),
        ({"nps": ["9"], "shoe_size": ["43"]}, "There is no question shoe_size"),
        ({"nps": ["9"], "optin": ["yes"]}, "There is no question optin"),
        ({"clean": ["yes"]}, "this question needs an answer"),
    ],
)
def test_what_is_not_an_answer_is_refused_with_a_reason(
    as_role, conn, survey_id, station, answers, message
):
    answer = _send(as_role("interviewer"), survey_id, _interview(station, **answers))
    assert answer.status_code == 400
    assert message in answer.get_json()["error"]
    assert _responses(conn, survey_id) == []


def test_a_short_key_is_refused(as_role, conn, survey_id, station):
    body = {**_interview(station), "key": "abc"}
    assert _send(as_role("interviewer"), survey_id, body).status_code == 400


def test_a_retired_location_takes_no_new_interviews(as_role, conn, survey_id, station):
    tablet = as_role("interviewer")
    stored = _interview(station)
    assert _send(tablet, survey_id, stored).status_code == 200
    setup_service.retire_location(conn, CLI, survey_id, station, True)
    refused = _send(tablet, survey_id, _interview(station))
    assert refused.status_code == 409
    assert "retired" in refused.get_json()["error"]
    # The one stored before still gets its confirmation when sent again.
    assert _send(tablet, survey_id, stored).status_code == 200
    assert len(_responses(conn, survey_id)) == 1


def test_a_survey_not_assigned_or_without_locations_does_not_exist(as_role, conn, cast):
    other = open_survey(conn, DEFINITION)
    setup_service.add_location(conn, CLI, other, "Elders")
    bare = open_survey(conn, DEFINITION)
    grant(conn, cast["interviewer"], bare)
    tablet = as_role("interviewer")
    for survey_id in (other, bare):
        assert tablet.get(f"/interviews/onsite/{survey_id}").status_code == 404
        assert _send(tablet, survey_id, _interview(1)).status_code == 404
    assert conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 0


@pytest.mark.parametrize("role", ["staff", "researcher", "admin"])
def test_other_roles_cannot_interview(as_role, conn, survey_id, station, role):
    browser = as_role(role)
    assert browser.get(f"/interviews/onsite/{survey_id}").status_code == 403
    assert _send(browser, survey_id, _interview(station)).status_code == 403
    assert _responses(conn, survey_id) == []


def test_a_sending_round_starts_with_a_fresh_token(as_role, survey_id, station):
    tablet = as_role("interviewer")
    token = tablet.get(f"/interviews/onsite/{survey_id}/token").get_json()["csrf"]
    answer = tablet.client.post(
        f"/interviews/onsite/{survey_id}/interviews",
        data=json.dumps(_interview(station)),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 200
    without = tablet.client.post(
        f"/interviews/onsite/{survey_id}/interviews",
        data=json.dumps(_interview(station)),
        content_type="application/json",
    )
    assert without.status_code == 400  # no CSRF token: refused before anything is read


def test_a_resent_interview_counts_once_in_the_interviewers_figures(
    as_role, conn, cast, survey_id, station
):
    tablet = as_role("interviewer")
    body = _interview(station)
    for _ in range(3):
        assert _send(tablet, survey_id, body).status_code == 200
    days = conn.execute(
        "SELECT interviews, interview_seconds FROM interviewer_days"
        " WHERE survey_id = ? AND user_id = ?",
        (survey_id, cast["interviewer"].id),
    ).fetchall()
    assert [tuple(r) for r in days] == [(1, 95)]


def test_a_length_beyond_the_limit_moves_no_working_time(as_role, conn, cast, survey_id, station):
    """A tablet left on overnight says the interview took 20 hours: the length is ignored, and
    so is the start it would give (no activity put on the day before)."""
    before = time.time()
    sent = _send(as_role("interviewer"), survey_id, {**_interview(station), "seconds": 72000})
    assert sent.status_code == 200
    first_at, timed = conn.execute(
        "SELECT min(first_at), sum(timed) FROM interviewer_days"
        " WHERE survey_id = ? AND user_id = ?",
        (survey_id, cast["interviewer"].id),
    ).fetchone()
    assert timed == 0
    assert first_at >= before - 1


def test_a_stored_interview_is_confirmed_after_the_last_location_is_retired(
    as_role, conn, survey_id
):
    """The answer to the first send was lost; meanwhile the survey's only location was retired.
    Sent again, it is confirmed (not "not found", which would leave it waiting on the tablet
    for ever, and not discardable); a new interview there is refused for what it is."""
    only = setup_service.add_location(conn, CLI, survey_id, "Station Zwolle")
    tablet = as_role("interviewer")
    stored = _interview(only)
    assert _send(tablet, survey_id, stored).status_code == 200
    setup_service.retire_location(conn, CLI, survey_id, only, True)
    assert tablet.get(f"/interviews/onsite/{survey_id}/token").status_code == 200
    assert _send(tablet, survey_id, stored).status_code == 200
    assert _send(tablet, survey_id, _interview(only)).status_code == 409
    assert len(_responses(conn, survey_id)) == 1


def test_a_stored_interview_is_confirmed_after_the_questionnaire_changed(
    as_role, conn, survey_id, station
):
    """The answer to the first send was lost; meanwhile staff added a required question. Sent
    again, the stored interview is confirmed, not refused against today's questionnaire (which
    would invite the interviewer to discard what is already stored)."""
    tablet = as_role("interviewer")
    stored = _interview(station)
    assert _send(tablet, survey_id, stored).status_code == 200
    row = surveys_service.get_survey(conn, survey_id)
    data = surveys_service.definition_of(row).to_json()
    data["pages"][0]["questions"].append(
        {
            "id": "staff",
            "type": "grade",
            "required": True,
            "text": {"nl": "Cijfer?", "en": "Grade?"},
        }
    )
    surveys_service.update_definition(conn, CLI, survey_id, data)
    again = _send(tablet, survey_id, stored)
    assert again.status_code == 200, again.get_data(as_text=True)
    assert len(_responses(conn, survey_id)) == 1
