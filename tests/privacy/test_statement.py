"""The public privacy statement: the organisation's configured details in Dutch and English,
every topic of the source privacy policy, its language, no cookies, and links to it from the
respondent pages."""

from __future__ import annotations

import re

import pytest

from appliance import create_app
from appliance.keys import load as load_keys
from appliance.mailing import unsubscribe
from appliance.privacy.statement import TEXT_REVISED
from appliance.security import CSP
from appliance.surveys import store
from tests.factories import open_survey_row

DETAILS = {
    "organisation_name": "Bakkerij Jansen BV",
    "organisation_address": "Stationsplein 21, 4461 HP Goes",
    "organisation_registration": "73471542",
    "privacy_contact": "privacy@bakkerij-jansen.nl",
    "agency_name": "Onderzoeksbureau Meetbaar",
    "min_group_size": "7",
    "default_language": "en",
}
RETENTION = {
    "retention_contact_months": 4,
    "retention_name_months": 3,
    "contact_request_days": 14,
    "retention_audit_months": 36,
    "backup_keep": 9,
}
# One phrase per topic the statement must cover, the source privacy policy's topics among them.
TOPICS = {
    "en": {
        "responsible": "Who is responsible",
        "data per mode": "Which data we use",
        "invitation mail": "your e-mail address, to send you the invitation",
        "personalised": "your name and gender",
        "paper": "your postal address",
        "telephone": "your phone number",
        "open link and kiosk": "nothing that identifies you",
        "special categories": "We never use special categories of personal data",
        "answers": "What we do with your answers",
        "anonymity": "Anonymity and its exceptions",
        "asked to be contacted": "you would like us to contact you about your answers",
        "name field": "You type your name in a name field",
        "announced non-anonymous": "announced in advance",
        "legal obligation": "A legal obligation",
        "who sees what": "Who sees what",
        "interviewers": "Our interviewers",
        "interviews": "Interviews by telephone or face to face",
        "interviewer knows whom": "the interviewer\nknows whom they are speaking to",
        "answers unlinked": "without your name, your phone number, the interviewer or the",
        "retention": "How long we keep your data",
        "unsubscribe list": "The unsubscribe list is kept indefinitely",
        "backups": "Backups are encrypted and rotated",
        "audit log": "The audit log records",
        "unsubscribe": "Unsubscribing",
        "applies to all surveys": "applies to all surveys of",
        "publication": "Publication",
        "benchmark": "Benchmark",
        "reliability": "Reliability",
        "security": "Security",
        "two-factor": "two-factor login",
        "own network": "runs inside our own network",
        "rights": "Your rights",
        "all five rights": "inspect, correct and erase your personal data, to object to its "
        "processing\nand to have its processing restricted",
        "one month": "We answer within one month",
        "complaint": "Autoriteit Persoonsgegevens",
        "cookies": "place no cookies at all",
        "staff session cookie": "one session cookie",
        "changes": "Changes to this statement",
    },
    "nl": {
        "responsible": "Wie is verantwoordelijk",
        "data per mode": "Welke gegevens wij gebruiken",
        "invitation mail": "uw e-mailadres, om u de uitnodiging",
        "personalised": "uw naam en geslacht",
        "paper": "uw postadres",
        "telephone": "uw telefoonnummer",
        "open link and kiosk": "niets wat u herkenbaar maakt",
        "special categories": "Wij gebruiken nooit bijzondere\npersoonsgegevens",
        "answers": "Wat wij met uw antwoorden doen",
        "anonymity": "Anonimiteit en de uitzonderingen daarop",
        "asked to be contacted": "contact met u mogen opnemen",
        "name field": "U vult in een naamveld uw naam in",
        "announced non-anonymous": "aangekondigd als niet\n    anoniem",
        "legal obligation": "Een wettelijke verplichting",
        "who sees what": "Wie ziet wat",
        "interviewers": "Onze interviewers",
        "interviews": "Interviews per telefoon of in persoon",
        "interviewer knows whom": "weet de interviewer\nmet wie hij of zij spreekt",
        "answers unlinked": "zonder uw naam, uw telefoonnummer,\nde interviewer of het gesprek",
        "retention": "Hoe lang wij uw gegevens bewaren",
        "unsubscribe list": "De afmeldlijst bewaren wij voor onbepaalde tijd",
        "backups": "Back-ups zijn versleuteld",
        "audit log": "Het auditlogboek legt vast",
        "unsubscribe": "Afmelden",
        "applies to all surveys": "geldt voor alle enquêtes van",
        "publication": "Publicatie",
        "benchmark": "Benchmark",
        "reliability": "Betrouwbaarheid",
        "security": "Beveiliging",
        "two-factor": "twee stappen",
        "own network": "draait binnen ons eigen netwerk",
        "rights": "Uw rechten",
        "all five rights": "inzage, correctie en verwijdering van uw persoonsgegevens, en u kunt "
        "bezwaar\nmaken tegen de verwerking of vragen die te beperken",
        "one month": "Wij antwoorden binnen een maand",
        "complaint": "Autoriteit Persoonsgegevens",
        "cookies": "plaatsen helemaal geen cookies",
        "staff session cookie": "één sessiecookie",
        "changes": "Wijzigingen in deze verklaring",
    },
}


def _text(response) -> str:
    """The page with its markup removed and runs of blanks made one (newlines kept)."""
    text = re.sub(r"<[^>]+>", "", response.get_data(as_text=True))
    return re.sub(r"[ \t]*\n[ \t]*", "\n", re.sub(r"[ \t]+", " ", text))


def _flat(response) -> str:
    return " ".join(_text(response).split())


def _configure(as_role):
    assert as_role("admin").post("/admin/settings/", DETAILS).status_code == 302


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_it_shows_the_configured_details_and_follows_their_changes(
    app, as_role, settings_overrides, lang
):
    before = _flat(app.test_client().get(f"/privacy?lang={lang}"))
    # Nothing configured yet: sensible wording instead of blanks.
    if lang == "en":
        assert "The organisation that invited you to the survey is responsible" in before
        assert "An external research agency, if we engage one," in before
        assert "at most 6 months after the last invitation or reminder we sent you" in before
        assert "groups of at least 5 people" in before
    else:
        assert (
            "De organisatie die u voor de enquête heeft uitgenodigd is verantwoordelijk" in before
        )
        assert "Een extern onderzoeksbureau, als wij er een inschakelen," in before
        assert (
            "ten hoogste 6 maanden na de laatste uitnodiging of herinnering die wij u stuurden"
            in before
        )
        assert "groepen van ten minste 5 personen" in before
    _configure(as_role)
    changed = create_app({**settings_overrides, **RETENTION})
    page = _flat(changed.test_client().get(f"/privacy?lang={lang}"))
    for value in (
        "Bakkerij Jansen BV",
        "Stationsplein 21, 4461 HP Goes",
        "73471542",
        "privacy@bakkerij-jansen.nl",
        "Onderzoeksbureau Meetbaar",
    ):
        assert value in page, value
    html = changed.test_client().get(f"/privacy?lang={lang}").get_data(as_text=True)
    assert 'href="mailto:privacy@bakkerij-jansen.nl"' in html
    expected = {
        "en": [
            "groups of at least 7 people",
            "at most 4 months after the last invitation or reminder we sent you",
            "erased 3 months after you answered",
            "at the latest after 14 days",
            "only the 9 most recent are kept",
            "older than 36 months",
            "Onderzoeksbureau Meetbaar analyses the results",
        ],
        "nl": [
            "groepen van ten minste 7 personen",
            "ten hoogste 4 maanden na de laatste uitnodiging of herinnering die wij u stuurden",
            "verwijderd 3 maanden nadat u antwoordde",
            "uiterlijk na 14 dagen",
            "alleen de 9 meest recente",
            "ouder dan 36 maanden",
            "Onderzoeksbureau Meetbaar analyseert de resultaten",
        ],
    }[lang]
    for phrase in expected:
        assert phrase in page, phrase


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("topic", list(TOPICS["en"]))
def test_it_covers_every_topic(app, lang, topic):
    page = _text(app.test_client().get(f"/privacy?lang={lang}"))
    assert " ".join(TOPICS[lang][topic].split()) in " ".join(page.split()), topic


def test_it_is_public_sets_no_cookie_and_keeps_the_strict_policy(app):
    response = app.test_client().get("/privacy")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Content-Security-Policy"] == CSP
    html = response.get_data(as_text=True)
    assert "style=" not in html and "<script>" not in html and "<script" not in html
    assert "Accept-Language" in response.headers["Vary"]


def test_the_language_comes_from_the_link_then_the_browser_then_the_default(
    app, settings_overrides
):
    client = app.test_client()

    def language(url="/privacy", accept=None):
        headers = {"Accept-Language": accept} if accept else {}
        response = client.get(url, headers=headers)
        html = response.get_data(as_text=True)
        found = re.search(r'<html lang="(\w+)">', html).group(1)
        assert response.headers["Content-Language"] == found
        return found

    assert language("/privacy?lang=nl", "en") == "nl"
    assert language("/privacy?lang=en", "nl") == "en"
    assert language("/privacy", "nl-NL,nl;q=0.9,en;q=0.5") == "nl"
    assert language("/privacy", "en-GB,en;q=0.9") == "en"
    assert language("/privacy?lang=fr", "nl-BE") == "nl"
    assert language("/privacy", "de-DE") == "en"  # the fixture's default language
    dutch = create_app({**settings_overrides, "default_language": "nl"}).test_client()
    assert 'lang="nl"' in dutch.get("/privacy").get_data(as_text=True)
    # Each language links to the other.
    assert 'href="/privacy?lang=en"' in client.get("/privacy?lang=nl").get_data(as_text=True)
    assert 'href="/privacy?lang=nl"' in client.get("/privacy?lang=en").get_data(as_text=True)


def test_its_date_is_the_later_of_the_text_and_a_change_of_a_setting_it_shows(app, as_role, conn):
    client = app.test_client()
    revised = f"{TEXT_REVISED:%B} {TEXT_REVISED.day}, {TEXT_REVISED.year}"
    assert f"Last changed: {revised}" in _flat(client.get("/privacy?lang=en"))
    _configure(as_role)
    conn.execute("UPDATE setting_overrides SET changed_at = '2031-03-05T10:00:00Z'")
    assert "Last changed: March 5, 2031" in _flat(client.get("/privacy?lang=en"))
    assert "Laatst gewijzigd: 5 maart 2031" in _flat(client.get("/privacy?lang=nl"))
    # A setting the statement does not show does not date it.
    conn.execute("UPDATE setting_overrides SET changed_at = '2031-01-01T10:00:00Z'")
    conn.execute(
        "INSERT INTO setting_overrides (name, value, changed_at) VALUES"
        " ('mail_from', '\"a@b.nl\"', '2032-01-01T10:00:00Z')"
    )
    assert "Last changed: January 1, 2031" in _flat(client.get("/privacy?lang=en"))


def _open_survey(conn) -> str:
    return open_survey_row(conn)["link_token"]


def test_every_respondent_page_links_to_it(app, conn, data_dir):
    client = app.test_client()
    token = _open_survey(conn)
    survey = client.get(f"/s/{token}?lang=en").get_data(as_text=True)
    assert 'href="/privacy?lang=en">Privacy statement</a>' in survey
    dutch = client.get(f"/s/{token}?lang=nl").get_data(as_text=True)
    assert 'href="/privacy?lang=nl">Privacyverklaring</a>' in dutch
    facts = client.get(f"/s/{token}/privacy?lang=nl").get_data(as_text=True)
    assert 'href="/privacy?lang=nl">Lees de volledige privacyverklaring</a>' in facts
    keys = load_keys(data_dir)
    link = unsubscribe.token_for(keys.session, b"\x01" * 32, "en")
    page = client.get(f"/u/{link}").get_data(as_text=True)
    assert 'href="/privacy?lang=en">Read the full privacy statement</a>' in page
    unknown = client.get("/i/made-up").get_data(as_text=True)
    assert 'href="/privacy?lang=nl"' in unknown and 'href="/privacy?lang=en"' in unknown


def test_opened_from_a_kiosk_it_returns_to_the_survey_when_idle(app, conn, data_dir):
    token = _open_survey(conn)
    survey_id = store.get_survey_by_link(conn, token)["id"]
    key = store.create_kiosk(conn, load_keys(data_dir).hasher(), survey_id, "Balie", 45)
    client = app.test_client()
    page = client.get(f"/k/{key}").get_data(as_text=True)
    link = re.search(r'<footer class="foot"><a href="([^"]+)"', page).group(1)
    assert link == f"/privacy?lang=nl&amp;kiosk={key}"
    statement = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert f'data-reset="/k/{key}"' in statement and 'data-idle="45"' in statement
    assert "kiosk.js" in statement and f'href="/k/{key}">Terug naar de enquête' in statement
    # Another language keeps the kiosk; a made-up key is just the statement.
    assert f"/privacy?lang=en&amp;kiosk={key}" in statement
    plain = client.get("/privacy?lang=nl&kiosk=made-up").get_data(as_text=True)
    assert "data-reset" not in plain and "kiosk.js" not in plain
