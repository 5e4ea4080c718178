"""Surveys through the API: create from a template, read, replace the questionnaire under the
builder's rules, open and close, the open link; and the refusals."""

from __future__ import annotations

from datetime import date, timedelta

from appliance.auth.service import CLI
from appliance.surveys import service as surveys_service
from tests.api.helpers import call, token_for
from tests.conftest import audit_actions
from tests.factories import open_survey, submit_response
from tests.licensing import force


def test_a_survey_is_created_read_listed_opened_and_closed(app, cast, conn):
    token = token_for(conn, cast["staff"])
    r = call(app, "post", "/api/v1/surveys", token, json={"template": "nps", "title": "Q4"})
    assert r.status_code == 201, r.get_json()
    survey = r.get_json()
    assert r.headers["Location"] == survey["url"] == f"/api/v1/surveys/{survey['id']}"
    assert (survey["title"], survey["status"], survey["responses"]) == ("Q4", "draft", 0)
    assert survey["open_link"].endswith(
        "/s/" + conn.execute("SELECT link_token FROM surveys").fetchone()[0]
    )
    assert survey["accepting_answers"] is False
    assert call(app, "get", survey["url"], token).get_json() == survey

    r = call(app, "post", f"{survey['url']}/status", token, json={"status": "open"})
    assert r.status_code == 200 and r.get_json()["status"] == "open"
    assert r.get_json()["accepting_answers"] is True
    r = call(app, "post", f"{survey['url']}/status", token, json={"status": "closed"})
    assert r.get_json()["status"] == "closed" and r.get_json()["closed_at"]
    # From closed only reopening is possible (as the page): closing again is a conflict.
    r = call(app, "post", f"{survey['url']}/status", token, json={"status": "closed"})
    assert r.status_code == 409 and "not possible" in r.get_json()["error"]
    assert audit_actions(conn).count("survey.created") == 1
    assert {"survey.opened", "survey.closed"} <= set(audit_actions(conn))

    per_language = {"template": "customer_satisfaction", "title": {"en": "Service"}}
    other = call(app, "post", "/api/v1/surveys", token, json=per_language).get_json()
    assert other["title"] == "Klanttevredenheidsonderzoek"  # the first language's title
    q = call(app, "get", f"{other['url']}/questionnaire", token).get_json()
    assert q["title"] == {"nl": "Klanttevredenheidsonderzoek", "en": "Service"}

    listed = call(app, "get", "/api/v1/surveys?per_page=1", token).get_json()
    assert (listed["total"], listed["per_page"], [s["id"] for s in listed["items"]]) == (
        2,
        1,
        [other["id"]],
    )
    closed = call(app, "get", "/api/v1/surveys?status=closed", token).get_json()
    assert [s["id"] for s in closed["items"]] == [survey["id"]]
    templates = call(app, "get", "/api/v1/survey-templates", token).get_json()
    assert {t["name"] for t in templates["items"]} == {
        "customer_satisfaction",
        "nps",
        "employee_satisfaction",
    }
    assert templates["items"][1]["description"] == "NPS only, with the reason"


def test_the_questionnaire_is_replaced_under_the_builders_rules(app, cast, conn, data_dir):
    token = token_for(conn, cast["staff"])
    survey_id = open_survey(conn)
    url = f"/api/v1/surveys/{survey_id}/questionnaire"
    data = call(app, "get", url, token).get_json()
    assert [q["id"] for q in data["pages"][0]["questions"]] == ["nps", "why"]

    data["pages"][0]["questions"][1]["text"]["en"] = "Why that score?"
    data["pages"][0]["questions"].append(
        {
            "id": "kind",
            "type": "single",
            "text": {"nl": "Soort", "en": "Kind"},
            "choices": [{"value": "a", "label": {"nl": "A", "en": "A"}}],
            "show_if": {"question": "nps", "in": [9, "10"]},
        }
    )
    r = call(app, "put", url, token, json=data)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["pages"][0]["questions"][2]["show_if"] == {
        "question": "nps",
        "in": ["9", "10"],
    }
    assert call(app, "get", url, token).get_json() == r.get_json()
    assert "survey.changed" in audit_actions(conn)

    # What the parser refuses: 422 naming the place.
    broken = {**data, "pages": [{"questions": [{"id": "x", "type": "nps", "text": {"nl": "X"}}]}]}
    r = call(app, "put", url, token, json=broken)
    assert r.status_code == 422
    assert (
        r.get_json()["error"]
        == "pages[0].questions[0].text.en: a text is missing for this language"
    )
    # What the schema refuses: 400 naming the field.
    r = call(app, "put", url, token, json={**data, "colour": "red"})
    assert r.status_code == 400 and "colour" in r.get_json()["error"]
    r = call(app, "put", url, token, json={**data, "pages": [{"questions": [{"id": "x"}]}]})
    assert r.status_code == 400 and r.get_json()["error"].startswith("pages/0/questions/0")

    # With answers, a question cannot lose them (as in the builder): 409, nothing saved.
    submit_response(conn, data_dir, survey_id, {"nps": "9", "kind": "a"})
    data["pages"][0]["questions"].pop()
    r = call(app, "put", url, token, json=data)
    assert r.status_code == 409 and "cannot be removed" in r.get_json()["error"]
    assert len(call(app, "get", url, token).get_json()["pages"][0]["questions"]) == 3
    assert call(app, "put", url, token, json={**data, "anonymous": False}).status_code == 409


def test_the_open_link_is_the_pages_link_with_its_qr_code(app, cast, conn, as_role):
    token = token_for(conn, cast["staff"])
    survey_id = open_survey(conn)
    link = call(app, "get", f"/api/v1/surveys/{survey_id}/open-link", token).get_json()
    page = as_role("staff").get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert f'<code id="open-link">{link["url"]}</code>' in page
    assert "/s/" in link["url"]
    assert link["accepting_answers"] is True
    assert link["qr_svg"].startswith("<svg")
    surveys_service.change_status(conn, CLI, survey_id, "closed")
    link = call(app, "get", f"/api/v1/surveys/{survey_id}/open-link", token).get_json()
    assert link["accepting_answers"] is False


def test_refusals(app, cast, conn):
    staff = token_for(conn, cast["staff"])
    narrowed = token_for(conn, cast["staff"], scopes={"contacts.manage"})
    researcher = token_for(conn, cast["researcher"])
    survey_id = surveys_service.create_from_template(conn, CLI, "nps")
    for method, url, payload in (
        ("get", "/api/v1/surveys", None),
        ("post", "/api/v1/surveys", {"template": "nps"}),
        ("get", f"/api/v1/surveys/{survey_id}/questionnaire", None),
        ("post", f"/api/v1/surveys/{survey_id}/status", {"status": "open"}),
    ):
        assert call(app, method, url, researcher, json=payload).status_code == 403, url
        assert call(app, method, url, narrowed, json=payload).status_code == 403, url
    assert call(app, "get", "/api/v1/surveys/999", staff).status_code == 404
    assert call(app, "get", "/api/v1/surveys/999/open-link", staff).status_code == 404
    r = call(app, "post", "/api/v1/surveys/999/status", staff, json={"status": "open"})
    assert r.status_code == 404
    r = call(app, "post", "/api/v1/surveys", staff, json={"template": "nope"})
    assert r.status_code == 400 and r.get_json()["error"].startswith("template:")
    r = call(app, "post", "/api/v1/surveys", staff, json={"template": "nps", "title": " "})
    assert r.status_code == 422 and r.get_json()["error"].startswith("title.nl:")
    r = call(app, "post", f"/api/v1/surveys/{survey_id}/status", staff, json={"status": "draft"})
    assert r.status_code == 400 and r.get_json()["error"].startswith("status:")
    r = call(app, "get", "/api/v1/surveys?status=gone", staff)
    assert r.status_code == 400 and "'status'" in r.get_json()["error"]
    r = call(app, "get", "/api/v1/surveys?per_page=501", staff)
    assert r.status_code == 400 and "'per_page'" in r.get_json()["error"]
    # Nothing was made by a refused call.
    assert conn.execute("SELECT count(*) FROM surveys").fetchone()[0] == 1


def test_a_licence_that_refuses_new_work_refuses_a_survey(app, cast, conn):
    force(conn, None, trial_started=date.today() - timedelta(days=40))  # the trial is over
    r = call(
        app, "post", "/api/v1/surveys", token_for(conn, cast["staff"]), json={"template": "nps"}
    )
    assert r.status_code == 409
    assert conn.execute("SELECT count(*) FROM surveys").fetchone()[0] == 0
