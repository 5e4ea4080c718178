"""Staff survey pages: create from a template, edit safely, open and close, preview."""

from __future__ import annotations

import json
import re

from appliance.surveys import store
from tests.conftest import audit_actions


def create(staff, template="customer_satisfaction") -> int:
    r = staff.post("/surveys/new", {"template": template})
    assert r.status_code == 302
    return int(re.search(r"/surveys/(\d+)$", r.headers["Location"]).group(1))


def definition_json(conn, survey_id):
    return json.loads(store.get_survey(conn, survey_id)["definition"])


def test_it_creates_a_draft_from_a_template_with_a_random_open_link(as_role, conn, app):
    staff = as_role("staff")
    survey_id = create(staff)
    page = staff.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert "Klanttevredenheidsonderzoek" in page and "draft" in page
    link = re.search(r'id="open-link">([^<]+)<', page).group(1)
    assert link.startswith(app.extensions["appliance"].settings["base_url"] + "/s/")
    assert len(link.rsplit("/", 1)[1]) >= 22  # 128 bits
    assert "data:image/svg+xml" in page  # the QR code of the link
    assert audit_actions(conn)[-1] == "survey.created"


def test_a_bad_definition_is_refused_with_its_place(as_role, conn):
    staff = as_role("staff")
    survey_id = create(staff)
    data = definition_json(conn, survey_id)
    data["pages"][0]["questions"][0]["type"] = "slider"
    r = staff.post(f"/surveys/{survey_id}", {"definition": json.dumps(data)})
    assert r.status_code == 400
    assert "pages[0].questions[0].type: unknown question type" in r.get_data(as_text=True)
    r = staff.post(f"/surveys/{survey_id}", {"definition": "{not json"})
    assert r.status_code == 400 and "not valid JSON" in r.get_data(as_text=True)


def test_wording_can_change_after_responses_but_questions_cannot_go(as_role, conn, data_dir):
    from tests.factories import submit_response

    staff = as_role("staff")
    survey_id = create(staff)
    submit_response(conn, data_dir, survey_id, {"nps": "9", "grade": "8"})
    data = definition_json(conn, survey_id)
    data["pages"][0]["questions"][0]["text"]["nl"] = "Zou u ons aanraden?"
    assert staff.post(f"/surveys/{survey_id}", {"definition": json.dumps(data)}).status_code == 302
    del data["pages"][0]["questions"][1]  # the grade, which has an answer
    r = staff.post(f"/surveys/{survey_id}", {"definition": json.dumps(data)})
    assert r.status_code == 409 and "cannot be removed" in r.get_data(as_text=True)
    assert len(definition_json(conn, survey_id)["pages"][0]["questions"]) == 3


def test_the_lifecycle_draft_open_closed_open(as_role, conn):
    staff = as_role("staff")
    survey_id = create(staff)
    staff.post(f"/surveys/{survey_id}/status", {"status": "closed"})
    assert store.get_survey(conn, survey_id)["status"] == "draft"  # draft cannot close
    for status in ("open", "closed", "open"):
        staff.post(f"/surveys/{survey_id}/status", {"status": status})
        assert store.get_survey(conn, survey_id)["status"] == status
    r = staff.post(
        f"/surveys/{survey_id}/dates", {"opens_on": "2026-12-10", "closes_on": "2026-12-01"}
    )
    assert r.status_code == 400 and "closes before it opens" in r.get_data(as_text=True)
    assert "survey.opened" in audit_actions(conn)


def test_the_preview_shows_what_respondents_see_in_their_language(as_role, conn):
    staff = as_role("staff")
    survey_id = create(staff, "employee_satisfaction")
    nl = staff.get(f"/surveys/{survey_id}/preview?lang=nl").get_data(as_text=True)
    en = staff.get(f"/surveys/{survey_id}/preview?lang=en").get_data(as_text=True)
    assert 'lang="nl"' in nl and "Medewerkerstevredenheidsonderzoek" in nl
    assert "Niet van toepassing" in nl or "n.v.t." in nl
    assert 'lang="en"' in en and "Employee satisfaction survey" in en
    assert "Nothing is stored" in en and "<button" not in en
    assert store.response_count(conn, survey_id) == 0


def test_survey_text_is_escaped_in_staff_views(as_role, conn):
    staff = as_role("staff")
    survey_id = create(staff)
    data = definition_json(conn, survey_id)
    data["title"]["nl"] = "<script>alert(1)</script>"
    staff.post(f"/surveys/{survey_id}", {"definition": json.dumps(data)})
    for url in ("/surveys/", f"/surveys/{survey_id}", f"/surveys/{survey_id}/preview"):
        page = staff.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
