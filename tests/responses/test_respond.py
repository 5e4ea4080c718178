"""Answering: open link and invitation link, multi-page conditions, no cookies, idempotency,
neutral pages for bad tokens, the honeypot, and the transparency page."""

from __future__ import annotations

import json

import pytest

from appliance.auth.service import CLI
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.responses import store as responses_store
from appliance.surveys import service, store
from tests.factories import open_survey, open_survey_row, state_of

CONDITIONAL = {
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
        },
        {
            "id": "p2",
            "show_if": {"question": "nps", "in": ["0", "1", "2", "3", "4", "5", "6"]},
            "questions": [
                {
                    "id": "why",
                    "type": "text_long",
                    "required": True,
                    "text": {"nl": "<b>Waarom</b>?", "en": "Why?"},
                }
            ],
        },
    ],
}


@pytest.fixture
def survey(conn):
    return open_survey_row(conn, CONDITIONAL)


def test_an_open_link_walks_the_pages_and_stores_one_anonymous_response(app, conn, survey):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    first = client.get(url)
    assert first.status_code == 200 and "Set-Cookie" not in first.headers
    page = first.get_data(as_text=True)
    assert "&lt;b&gt;" not in page and "Waarom" not in page  # page 2 is not shown yet
    r = client.post(url, data={"state": state_of(page), "nps": "3", "naam": "Els de Vries"})
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    second = r.get_data(as_text=True)
    assert "&lt;b&gt;Waarom&lt;/b&gt;?" in second  # shown, and escaped
    done = client.post(url, data={"state": state_of(second), "why": "Te duur"})
    assert "Dank!" in done.get_data(as_text=True)
    rows = responses_store.responses_of(conn, survey["id"])
    assert len(rows) == 1 and rows[0]["mode"] == "link"
    assert rows[0]["answers"] == '{"nps": "3", "why": "Te duur"}'  # the name is kept apart
    assert conn.execute("SELECT count(*) FROM name_answers").fetchone()[0] == 1
    # Sending the last page again (a double click, a retry) stores nothing new.
    client.post(url, data={"state": state_of(second), "why": "Te duur"})
    assert len(responses_store.responses_of(conn, survey["id"])) == 1


def test_a_promoter_skips_the_conditional_page(app, conn, survey):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    page = client.get(url).get_data(as_text=True)
    done = client.post(url, data={"state": state_of(page), "nps": "9", "why": "crafted"})
    assert "Dank!" in done.get_data(as_text=True)
    assert responses_store.responses_of(conn, survey["id"])[0]["answers"] == '{"nps": "9"}'


def test_missing_answers_come_back_with_errors_by_the_question(app, survey):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    r = client.post(url, data={"state": state_of(client.get(url).get_data(as_text=True))})
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="err-nps"' in page and "heeft een antwoord nodig" in page


def test_a_tampered_state_is_refused_without_storing(app, conn, survey):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    state = state_of(client.get(url).get_data(as_text=True))
    r = client.post(url, data={"state": state[:-2] + "xx", "nps": "9"})
    assert r.status_code == 400
    assert store.response_count(conn, survey["id"]) == 0


def test_the_honeypot_thanks_a_bot_and_stores_nothing(app, conn, survey):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    state = state_of(client.get(url).get_data(as_text=True))
    r = client.post(url, data={"state": state, "nps": "9", "website": "http://spam"})
    assert r.status_code == 200 and store.response_count(conn, survey["id"]) == 0


def test_a_closed_survey_takes_no_answers(app, conn, survey):
    service.change_status(conn, CLI, survey["id"], "closed")
    assert app.test_client().get(f"/s/{survey['link_token']}").status_code == 410


def test_an_invitation_answers_once_and_a_bad_token_reveals_nothing(app, conn, survey, data_dir):
    keys = load_keys(data_dir)
    with transaction(conn):
        token = responses_store.create_invitation(conn, keys.hasher(), survey["id"], None)
    client = app.test_client()
    page = client.get(f"/i/{token}").get_data(as_text=True)
    r = client.post(f"/i/{token}", data={"state": state_of(page), "nps": "10"})
    assert "Dank!" in r.get_data(as_text=True)
    row = responses_store.responses_of(conn, survey["id"])[0]
    assert row["mode"] == "invitation"
    assert "al beantwoord" in client.get(f"/i/{token}").get_data(as_text=True)
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x", "0" * 43):
        r = client.get(f"/i/{bad}")
        assert r.status_code == 404 and "Proef" not in r.get_data(as_text=True)


def test_the_transparency_page_states_mode_visibility_k_and_erasure(app, survey):
    page = (
        app.test_client().get(f"/s/{survey['link_token']}/privacy?lang=en").get_data(as_text=True)
    )
    for words in ("Anonymous", "at least 5 people", "None.", "6 months"):
        assert words in page


OPTIN = {
    "languages": ["nl"],
    "title": {"nl": "Met terugbelverzoek"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {"id": "grade", "type": "grade", "required": True, "text": {"nl": "Cijfer?"}},
                {
                    "id": "optin",
                    "type": "contact_optin",
                    "text": {"nl": "Mogen wij contact met u opnemen over uw antwoorden?"},
                },
            ],
        }
    ],
}


def _invited(conn, data_dir, imports_email="els@example.nl", anonymous=True):
    from appliance.contacts import import_service, reader
    from appliance.contacts.mapping import Mapping

    keys = load_keys(data_dir)
    path = data_dir.parent / "c.csv"
    path.write_bytes(f"email;voornaam\n{imports_email};Els\n".encode())
    with reader.open_table(path) as table:
        mapping = Mapping.build(table.headers, ["field:email", "field:first_name"])
        import_id = import_service.begin(conn, CLI, "Klanten", "consent", "", mapping)
        import_service.run_import(conn, keys, CLI, import_id, table, mapping)
    contact_id = conn.execute("SELECT id FROM contacts").fetchone()[0]
    survey_id = open_survey(conn, {**OPTIN, "anonymous": anonymous})
    with transaction(conn):
        token = responses_store.create_invitation(conn, keys.hasher(), survey_id, contact_id)
    return survey_id, token


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_only_a_yes_to_contact_links_the_response_to_the_person(
    app, as_role, conn, data_dir, answer
):
    survey_id, token = _invited(conn, data_dir)
    client = app.test_client()
    page = client.get(f"/i/{token}").get_data(as_text=True)
    assert "Mogen wij contact" in page
    client.post(f"/i/{token}", data={"state": state_of(page), "grade": "8", "optin": answer})
    rid = responses_store.responses_of(conn, survey_id)[0]["id"]
    linked = responses_store.contact_request_of(conn, rid)
    detail = as_role("staff").get(f"/surveys/{survey_id}/responses/{rid}").get_data(as_text=True)
    if answer == "yes":
        assert linked["consent_text"].startswith("Mogen wij contact met u opnemen")
        assert "els@example.nl" in detail and "asked to be contacted" in detail
    else:
        assert linked is None and "els@example.nl" not in detail


def test_an_open_link_never_offers_the_contact_question(app, conn):
    survey_id = open_survey(conn, OPTIN)
    row = store.get_survey(conn, survey_id)
    assert "Mogen wij contact" not in app.test_client().get(f"/s/{row['link_token']}").get_data(
        as_text=True
    )


@pytest.mark.parametrize("anonymous", [True, False])
def test_only_a_non_anonymous_survey_links_the_response_to_the_invited_contact(
    app, as_role, conn, data_dir, anonymous
):
    survey_id, token = _invited(conn, data_dir, anonymous=anonymous)
    client = app.test_client()
    page = client.get(f"/i/{token}").get_data(as_text=True)
    assert ("not anonymous" in page or "niet anoniem" in page) is (not anonymous)
    client.post(f"/i/{token}", data={"state": state_of(page), "grade": "8", "optin": "no"})
    rid = responses_store.responses_of(conn, survey_id)[0]["id"]
    link = responses_store.linked_contact_of(conn, rid)
    detail = as_role("staff").get(f"/surveys/{survey_id}/responses/{rid}").get_data(as_text=True)
    if anonymous:
        assert link is None and "els@example.nl" not in detail
    else:
        assert link["contact_id"] is not None and "els@example.nl" in detail


def test_a_respondent_keeps_the_anonymity_and_answers_they_had_when_staff_edit_mid_way(
    app, conn, survey
):
    """Staff remove the page a respondent is on: the next post goes on with what is still
    valid instead of failing, and nothing is stored that the respondent did not see."""
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    page = client.get(url).get_data(as_text=True)
    page = client.post(url, data={"state": state_of(page), "nps": "3"}).get_data(as_text=True)
    assert "Waarom" in page  # on page two
    data = json.loads(store.get_survey(conn, survey["id"])["definition"])
    data["pages"] = data["pages"][:1]
    service.update_definition(conn, CLI, survey["id"], data)
    resumed = client.post(url, data={"state": state_of(page), "why": "te duur"})
    assert resumed.status_code == 200
    text = resumed.get_data(as_text=True)
    assert 'value="3" checked' in text  # back on page one, the answer still marked
    done = client.post(url, data={"state": state_of(text), "nps": "3"})
    assert done.status_code == 200
    [row] = responses_store.responses_of(conn, survey["id"])
    assert json.loads(row["answers"]) == {"nps": "3"}


def test_a_state_from_another_survey_is_refused(app, conn, survey):
    other_id = open_survey(conn)
    other = store.get_survey(conn, other_id)
    client = app.test_client()
    foreign = state_of(client.get(f"/s/{other['link_token']}").get_data(as_text=True))
    r = client.post(f"/s/{survey['link_token']}", data={"state": foreign, "nps": "9"})
    assert r.status_code == 400
    assert responses_store.responses_of(conn, survey["id"]) == []


def test_a_page_with_an_error_keeps_what_was_typed(app, survey):
    client = app.test_client()
    url = f"/s/{survey['link_token']}"
    page = client.get(url).get_data(as_text=True)
    # The NPS is required; the name was typed and must still be there.
    r = client.post(url, data={"state": state_of(page), "naam": "Els <b>de</b> Vries"})
    assert r.status_code == 400
    assert 'value="Els &lt;b&gt;de&lt;/b&gt; Vries"' in r.get_data(as_text=True)
