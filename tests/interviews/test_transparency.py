"""What the respondent's transparency page says of interviews: for a survey with telephone
campaigns, that the interviewer knows whom they called but the answers are not linked to the
person; for one with face-to-face locations, that the interviewer sees the answers given."""

from __future__ import annotations

from appliance.auth.service import CLI
from appliance.interviews import setup_service
from tests.factories import open_survey_row
from tests.interviews.calls_world import CallWorld

CALLED = "the interviewer knows whom they called"
SEEN = "the interviewer sees the answers you give"


def _page(app, row) -> str:
    return app.test_client().get(f"/s/{row['link_token']}/privacy?lang=en").get_data(as_text=True)


def test_a_survey_without_interviews_says_nothing_of_them(app, conn):
    page = _page(app, open_survey_row(conn))
    assert 'id="interviewing"' not in page and CALLED not in page and SEEN not in page


def test_a_survey_with_a_telephone_campaign_explains_the_call(app, conn, data_dir, tmp_path, cast):
    world = CallWorld(conn, data_dir, tmp_path, cast)
    world.campaign()
    row = conn.execute("SELECT * FROM surveys WHERE id = ?", (world.survey_id,)).fetchone()
    page = _page(app, row)
    assert CALLED in page and "they are not linked to you" in page
    assert SEEN not in page


def test_a_survey_with_locations_explains_the_face_to_face_interview(app, conn):
    row = open_survey_row(conn)
    setup_service.add_location(conn, CLI, row["id"], "Station Zwolle")
    page = _page(app, row)
    assert SEEN in page and CALLED not in page
