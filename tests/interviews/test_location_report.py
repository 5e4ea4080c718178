"""The location of face-to-face interviews as a report breakdown: offered once the survey has
locations, counted like any reportable attribute, and hidden below k like every group."""

from __future__ import annotations

import json
import secrets

from appliance import db
from appliance.auth.service import CLI
from appliance.interviews import setup_service
from appliance.reports import service as reports_service
from appliance.reports.gate import Gate, Suppressed
from tests.factories import fold_pending, grant, open_survey

K = 5


def _send(browser, survey_id, location_id, score):
    body = {
        "key": secrets.token_hex(16),
        "location": location_id,
        "language": "nl",
        "seconds": 120,
        "answers": {"nps": [score]},
    }
    answer = browser.client.post(
        f"/interviews/onsite/{survey_id}/interviews",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": browser.csrf()},
    )
    assert answer.status_code == 200


def test_locations_break_the_report_down_and_small_ones_are_hidden(as_role, conn, cast, data_dir):
    survey_id = open_survey(conn)
    grant(conn, cast["interviewer"], survey_id)
    busy = setup_service.add_location(conn, CLI, survey_id, "Station Zwolle")
    other = setup_service.add_location(conn, CLI, survey_id, "Markt Kampen")
    quiet = setup_service.add_location(conn, CLI, survey_id, "Winkel Deventer")
    reports_service.set_segments(conn, CLI, survey_id, ["location"])
    tablet = as_role("interviewer")
    for score in ("9", "10", "8", "9", "10", "7", "9"):
        _send(tablet, survey_id, busy, score)
    for score in ("6", "7", "8", "9", "10", "5"):
        _send(tablet, survey_id, other, score)
    for score in ("3", "4"):
        _send(tablet, survey_id, quiet, score)
    fold_pending(conn)
    with Gate(db.db_path(data_dir), K, None) as gate:
        view = gate.view(survey_id, breakdown="location")
        assert view.breakdown == "seg:location"
        report = gate.report(survey_id, view)
    groups = {g.label: g.n for g in report.groups}
    assert groups["Station Zwolle"] == 7
    assert isinstance(groups["Winkel Deventer"], Suppressed)  # 2 interviews: below k
    # Total minus the groups shown would give the small one away: a second one is hidden too.
    assert isinstance(groups["Markt Kampen"], Suppressed)
    assert report.breakdowns == ["mode", "location"]
