"""Staff's setup of interviews: the text to read out per question (validated, saved through the
builder, ignored by the respondent's pages), the scripts, and the locations offered to the
reports."""

from __future__ import annotations

import json

import pytest

from appliance.auth.service import CLI
from appliance.interviews import setup_service
from appliance.reports import service as reports_service
from appliance.surveys import builder
from appliance.surveys import service as surveys_service
from appliance.surveys import store as surveys_store
from appliance.surveys.definition import Definition, DefinitionError
from tests.factories import open_survey, open_survey_row


def _definition(conn, survey_id) -> Definition:
    return surveys_store.definition_of(surveys_store.get_survey(conn, survey_id))


@pytest.mark.parametrize(
    ("read_out", "where"),
    [
        ("Lees voor", "pages[0].questions[0].read_out"),
        ({"nl": "x" * 5001}, "pages[0].questions[0].read_out.nl"),
        ({"nl": 7}, "pages[0].questions[0].read_out.nl"),
    ],
)
def test_a_read_out_text_that_is_not_a_text_per_language_is_refused(conn, read_out, where):
    data = _definition(conn, open_survey(conn)).to_json()
    data["pages"][0]["questions"][0]["read_out"] = read_out
    with pytest.raises(DefinitionError) as refused:
        Definition.parse(data)
    assert refused.value.where == where


def test_the_read_out_text_is_saved_through_the_builder(as_role, conn):
    survey_id = open_survey(conn)
    data = _definition(conn, survey_id).to_json()
    question = data["pages"][0]["questions"][0]
    form = {f"text_{lang}": question["text"][lang] for lang in data["languages"]}
    form |= {"required": "1", "read_out_nl": "  Hoe waarschijnlijk is het …  ", "read_out_en": ""}
    staff = as_role("staff")
    saved = staff.post(f"/surveys/{survey_id}/questions/{question['id']}", form)
    assert saved.status_code == 302
    stored = _definition(conn, survey_id).questions[question["id"]]
    assert stored.read_out == {"nl": "Hoe waarschijnlijk is het …", "en": ""}
    assert stored.spoken("nl") == "Hoe waarschijnlijk is het …"
    assert stored.spoken("en") == question["text"]["en"]  # nothing to read: the question
    page = staff.get(f"/surveys/{survey_id}/questions/{question['id']}").get_data(as_text=True)
    assert "Hoe waarschijnlijk is het …" in page


def test_a_language_added_starts_from_the_first_languages_read_out_text():
    data = {
        "languages": ["nl"],
        "title": {"nl": "T"},
        "pages": [
            {
                "id": "p1",
                "questions": [
                    {"id": "q1", "type": "nps", "text": {"nl": "V"}, "read_out": {"nl": "L"}},
                    {"id": "q2", "type": "nps", "text": {"nl": "W"}},
                ],
            }
        ],
    }
    new, added = builder.set_general(data, ["nl", "en"], {"nl": "T"}, {}, {}, True)
    assert added == ["en"]
    parsed = Definition.parse(new)
    assert parsed.questions["q1"].read_out == {"nl": "L", "en": "L"}
    assert parsed.questions["q2"].read_out == {"nl": "", "en": ""}
    assert "read_out" not in new["pages"][0]["questions"][1]


def test_the_respondent_never_sees_the_read_out_text(browser, conn):
    row = open_survey_row(conn)
    data = _definition(conn, row["id"]).to_json()
    data["pages"][0]["questions"][0]["read_out"] = {"nl": "ALLEEN-VOORLEZEN", "en": "READ-ONLY"}
    surveys_service.update_definition(conn, CLI, row["id"], data)
    page = browser.get(f"/s/{row['link_token']}").get_data(as_text=True)
    assert "ALLEEN-VOORLEZEN" not in page and "READ-ONLY" not in page


def test_scripts_and_the_partial_rule_are_saved(as_role, conn):
    survey_id = open_survey(conn)
    staff = as_role("staff")
    form = {
        "intro_nl": "Goedemiddag {salutation}, u spreekt met …",
        "closing_nl": "Dank u wel.",
        "consent_nl": "Mag ik u een paar vragen stellen?",
        "keep_partial": "1",
        "partial_percent": "60",
    }
    assert staff.post(f"/interviews/surveys/{survey_id}/setup", form).status_code == 302
    (script,) = setup_service.scripts(conn, survey_id, ["nl"]).values()
    assert setup_service.intro_for(script, "Geachte mevrouw De Vries") == (
        "Goedemiddag Geachte mevrouw De Vries, u spreekt met …"
    )
    assert script.consent == "Mag ik u een paar vragen stellen?"
    assert setup_service.partial_rule(conn, survey_id) == (True, 60)
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert "interview.scripts_saved" in actions and "interview.partial_rule" in actions
    page = staff.get(f"/interviews/surveys/{survey_id}/setup").get_data(as_text=True)
    assert "Dank u wel." in page


def test_a_percentage_that_is_not_a_number_is_refused_not_read_as_the_default(as_role, conn):
    survey_id = open_survey(conn)
    staff = as_role("staff")
    form = {"intro_nl": "Goedemiddag {salutation}", "keep_partial": "1", "partial_percent": "80"}
    staff.post(f"/interviews/surveys/{survey_id}/setup", form)
    refused = staff.post(
        f"/interviews/surveys/{survey_id}/setup", {**form, "partial_percent": "abc"}
    )
    assert refused.status_code == 302
    page = staff.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Give a percentage from 1 to 100." in page
    assert setup_service.partial_rule(conn, survey_id) == (True, 80)


def test_locations_are_added_renamed_retired_and_offered_to_the_reports(as_role, conn):
    survey_id = open_survey(conn)
    staff = as_role("staff")
    assert "location" not in reports_service.segment_names(conn, survey_id)
    base = f"/interviews/surveys/{survey_id}/locations"
    assert staff.post(base, {"name": "  Station   Zwolle "}).status_code == 302
    assert staff.post(base, {"name": "Station Zwolle"}).status_code == 302  # taken: refused
    ((location_id, name, retired),) = [tuple(r) for r in setup_service.locations(conn, survey_id)]
    assert (name, retired) == ("Station Zwolle", 0)
    assert staff.post(f"{base}/{location_id}", {"name": "Station Zwolle CS"}).status_code == 302
    assert staff.post(f"{base}/{location_id}", {"retire": "1"}).status_code == 302
    assert staff.post(f"{base}/999", {"retire": "1"}).status_code == 404
    assert [tuple(r) for r in setup_service.locations(conn, survey_id)] == [
        (location_id, "Station Zwolle CS", 1)
    ]
    assert setup_service.open_location(conn, survey_id, location_id) is None
    assert "location" in reports_service.segment_names(conn, survey_id)
    offered = conn.execute(
        "SELECT value FROM report_segment_values WHERE survey_id = ? AND attribute = 'location'"
        " ORDER BY value",
        (survey_id,),
    ).fetchall()
    # Responses keep the name of their day: every name the location had stays offered.
    assert [r[0] for r in offered] == ["Station Zwolle", "Station Zwolle CS"]
    details = [
        json.loads(r[0])
        for r in conn.execute("SELECT details FROM audit_log WHERE action LIKE 'location.%'")
    ]
    assert all("Zwolle" not in json.dumps(d) for d in details)


@pytest.mark.parametrize("role", ["interviewer", "researcher", "admin"])
def test_only_staff_set_up_interviews(as_role, conn, role):
    survey_id = open_survey(conn)
    browser = as_role(role)
    assert browser.get(f"/interviews/surveys/{survey_id}/setup").status_code == 403
    assert (
        browser.post(f"/interviews/surveys/{survey_id}/locations", {"name": "X"}).status_code == 403
    )
    assert setup_service.locations(conn, survey_id) == []
