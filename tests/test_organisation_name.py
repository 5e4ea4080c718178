"""An organisation name ending in a full stop ("Voorbeeld B.V.") never gets a second one from the
sentence around it ("B.V.."): respondent pages, the privacy statement and the invitations."""

from __future__ import annotations

import email
from email import policy

import pytest

from appliance.contacts import fields
from appliance.keys import load as load_keys
from appliance.mailing import unsubscribe
from appliance.mailing.compose import Prepared
from appliance.migrations.mailing import DEFAULT_TEMPLATES
from appliance.privacy import suppression
from tests.conftest import app_settings

NAME = "Voorbeeld B.V."


@pytest.fixture
def settings_overrides(data_dir):
    return {**app_settings(data_dir), "organisation_name": NAME}


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_unsubscribe_pages_end_no_sentence_on_the_name(app, data_dir, language):
    keys = load_keys(data_dir)
    digest = suppression.address_hash(keys.hasher(), fields.email("els@example.nl"))
    url = f"/u/{unsubscribe.token_for(keys.session, digest, language)}"
    client = app.test_client()
    for page in (client.get(url), client.post(url), client.post(url)):
        text = page.get_data(as_text=True)
        assert NAME in text and "B.V.." not in text


def test_the_privacy_statement_ends_no_sentence_on_the_name(app):
    for language in ("nl", "en"):
        text = app.test_client().get(f"/privacy?lang={language}").get_data(as_text=True)
        assert NAME in text and "B.V.." not in text


@pytest.mark.parametrize("name", ["Uitnodiging / Invitation", "Herinnering / Reminder"])
@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_shipped_invitations_end_no_sentence_on_the_name(name, language):
    prepared = Prepared(DEFAULT_TEMPLATES[name][language], "Enquêtes <enquete@voorbeeld.nl>")
    values = {
        "salutation": "Geachte mevrouw De Vries,",
        "first_name": "Els",
        "last_name": "de Vries",
        "survey_link": "https://enquete.voorbeeld.nl/i/abc",
        "unsubscribe_link": "https://enquete.voorbeeld.nl/u/xyz",
        "organisation": NAME,
        "close_date": "",
        "survey_title": "Klanttevredenheid",
    }
    message = email.message_from_bytes(
        prepared.render("els@voorbeeld.nl", values).data, policy=policy.default
    )
    parts = [part.get_content() for part in message.iter_parts()]
    for text in [message["Subject"], *parts]:
        assert "B.V.." not in text
    assert all(NAME in text for text in parts)
