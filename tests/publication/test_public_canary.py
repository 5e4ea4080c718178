"""Canary: a contact's address and name, an opted-in contact's link, the answer to a question
that is not published and a typed name once erased never reach the public, on any public
address."""

from __future__ import annotations

import json
from datetime import date

from flask import url_for

from appliance.keys import load as load_keys
from appliance.mailing import links
from appliance.privacy import retention_service
from appliance.responses import store as responses_store
from appliance.settings import load as load_settings
from tests.contacts.conftest import Importer
from tests.factories import invite, open_survey, submit_response
from tests.privacy.world import at_noon
from tests.publication import published as pub

EMAIL, FIRST, LAST = "kanarie.77@voorbeeld-bedrijf.nl", "Kanariepiet", "Zangvogelaar"
HIDDEN, NAME = "Intern-kanarie-5190 alleen voor ons", "Truus Kanarie-Naam"
CONTACT_CANARIES = (EMAIL, FIRST, LAST, HIDDEN, "5190")


def _definition() -> dict:
    definition = json.loads(json.dumps(pub.DEFINITION))
    questions = definition["pages"][0]["questions"]
    questions.append(
        {"id": "intern", "type": "text_long", "text": {"nl": "Intern", "en": "Internal"}}
    )
    questions.append(
        {
            "id": "bel",
            "type": "contact_optin",
            "text": {"nl": "Mogen wij u bellen?", "en": "May we call you?"},
        }
    )
    return definition


def _seed(conn, data_dir, tmp_path) -> int:
    survey_id = open_survey(conn, _definition())
    Importer(conn, data_dir, tmp_path).run(
        f"email,voornaam,achternaam\n{EMAIL},{FIRST},{LAST}\n".encode()
    )
    contact_id = conn.execute("SELECT id FROM contacts").fetchone()[0]
    token, _ = invite(conn, data_dir, survey_id, contact_id)
    found = responses_store.find_invitation(
        conn, links.invitation_hash(load_keys(data_dir).hasher(), token)
    )
    submit_response(
        conn,
        data_dir,
        survey_id,
        {
            "cijfer": "9",
            "snel": "5",
            "kop": "Prima",
            "tekst": "Snel en vriendelijk geholpen",
            "mag": "yes",
            "intern": HIDDEN,
            "bel": "yes",
        },
        "canary",
        mode="invitation",
        names={"naam": NAME},
        today=pub.START,
        segments=json.loads(found["segments"]),
        invitation=token,
        contact_consent=f"Ja, bel mij ({EMAIL})",
        publication_notice=True,
        quality_flags=False,
    )
    for i in range(1, 12):
        pub.answer(conn, data_dir, survey_id, i)
    pub.publish(conn, data_dir, survey_id)
    pub.release(conn, data_dir)
    return survey_id


def _public_texts(app) -> tuple[str, int]:
    """Everything every public address shows, in both languages, every page and score."""
    client = app.test_client()
    texts, reached = [], 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/public/") or "name" in rule.arguments:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, slug=pub.SLUG)
        for query in ("", "?lang=en", "?lang=nl&page=2", "?score=9", "?score=8&lang=en"):
            response = client.get(url + query)
            assert "Set-Cookie" not in response.headers, url
            texts.append(response.get_data(as_text=True))
            reached += response.status_code == 200
    return "\n".join(texts), reached


def test_no_contact_data_link_or_unpublished_answer_reaches_the_public(
    app, conn, data_dir, tmp_path
):
    _seed(conn, data_dir, tmp_path)
    text, reached = _public_texts(app)
    assert reached >= 15
    assert "Snel en vriendelijk geholpen" in text  # the consented review is there
    assert NAME in text  # typed by its respondent, who agreed to publication
    for canary in CONTACT_CANARIES:
        assert canary.lower() not in text.lower(), canary


def test_a_typed_name_is_on_no_public_address_after_it_is_erased(app, conn, data_dir, tmp_path):
    _seed(conn, data_dir, tmp_path)
    settings = load_settings({"data_dir": str(data_dir)}, environ={})
    receipt = retention_service.apply(conn, settings, now=at_noon(date(2027, 6, 1)))
    assert receipt.counts["names"] >= 1
    text, _ = _public_texts(app)
    assert "Snel en vriendelijk geholpen" in text
    assert "kanarie-naam" not in text.lower() and "truus" not in text.lower()
