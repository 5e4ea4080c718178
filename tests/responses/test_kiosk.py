"""Kiosk mode: registered devices answer in a loop and reset after idle time."""

from __future__ import annotations

import json
import re

from appliance.responses import store as responses_store
from appliance.surveys import store
from tests.conftest import audit_actions
from tests.factories import open_survey


def kiosk_url(staff, survey_id, on_idle="discard") -> str:
    page = staff.post(
        f"/surveys/{survey_id}/kiosks",
        {"name": "Balie hal", "idle_seconds": "45", "on_idle": on_idle},
    ).get_data(as_text=True)
    return re.search(r'id="kiosk-url">[^<]*?(/k/[\w-]+)<', page).group(1)


def test_a_kiosk_answers_in_a_loop_and_carries_its_idle_reset(app, as_role, conn):
    survey_id = open_survey(conn)
    staff = as_role("staff")
    url = kiosk_url(staff, survey_id)
    assert audit_actions(conn)[-1] == "kiosk.registered"
    client = app.test_client()
    for n in range(2):
        page = client.get(url).get_data(as_text=True)
        assert 'data-idle="45"' in page and f'data-reset="{url}"' in page and "kiosk.js" in page
        state = re.search(r'name="state" value="([^"]+)"', page).group(1)
        done = client.post(url, data={"state": state, "nps": str(8 + n)})
        thanks = done.get_data(as_text=True)
        assert f'content="5;url={url}"' in thanks and "Set-Cookie" not in done.headers
    rows = responses_store.responses_of(conn, survey_id)
    assert [r["mode"] for r in rows] == ["kiosk", "kiosk"]


def test_a_revoked_or_unknown_kiosk_gets_the_neutral_page(app, as_role, conn):
    survey_id = open_survey(conn)
    staff = as_role("staff")
    url = kiosk_url(staff, survey_id)
    kiosk_id = store.kiosks_of(conn, survey_id)[0]["id"]
    staff.post(f"/surveys/{survey_id}/kiosks/{kiosk_id}/revoke")
    assert app.test_client().get(url).status_code == 404
    assert app.test_client().get("/k/made-up-key").status_code == 404


TWO_PAGES = {
    "languages": ["nl"],
    "title": {"nl": "Balie"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {"id": "nps", "type": "nps", "required": True, "text": {"nl": "NPS"}},
            ],
        },
        {
            "id": "p2",
            "questions": [
                {"id": "grade", "type": "grade", "required": True, "text": {"nl": "Cijfer"}},
                {"id": "why", "type": "text_long", "required": True, "text": {"nl": "Waarom?"}},
            ],
        },
    ],
}


def _walk_away(app, as_role, conn, on_idle):
    """Answer page one, fill in half of page two, then let the kiosk's idle timer fire (the
    script sends the open form with ``partial`` set)."""
    survey_id = open_survey(conn, TWO_PAGES)
    url = kiosk_url(as_role("staff"), survey_id, on_idle)
    client = app.test_client()
    page = client.get(url).get_data(as_text=True)
    assert f'data-on-idle="{on_idle}"' in page
    state = re.search(r'name="state" value="([^"]+)"', page).group(1)
    page = client.post(url, data={"state": state, "nps": "3"}).get_data(as_text=True)
    assert 'data-answered="1"' in page
    state = re.search(r'name="state" value="([^"]+)"', page).group(1)
    walked = client.post(url, data={"state": state, "grade": "11", "why": "", "partial": "1"})
    return survey_id, walked


def test_a_kiosk_set_to_keep_partial_answers_stores_what_was_validly_answered(app, as_role, conn):
    survey_id, walked = _walk_away(app, as_role, conn, "submit")
    assert walked.status_code == 200 and 'content="5;url=' in walked.get_data(as_text=True)
    [row] = responses_store.responses_of(conn, survey_id)
    # The invalid grade (11) and the empty required answer are left out, not refused.
    assert json.loads(row["answers"]) == {"nps": "3"}
    assert json.loads(row["flags"]) == ["partial"]
    listing = as_role("staff").get(f"/surveys/{survey_id}/responses").get_data(as_text=True)
    assert "partial (walked away from a kiosk)" in listing


def test_a_kiosk_set_to_discard_never_stores_a_partial_response(app, as_role, conn):
    survey_id, walked = _walk_away(app, as_role, conn, "discard")
    assert walked.status_code == 400  # treated as an ordinary, incomplete page
    assert responses_store.responses_of(conn, survey_id) == []
