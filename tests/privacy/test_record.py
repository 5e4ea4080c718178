"""The record of processing activities (GDPR article 30): made from the settings and the counts of
what the appliance holds, the same on the page and in the PDF, with no personal data in it; for
admin and staff only."""

from __future__ import annotations

import re
from html import unescape

import pytest

from appliance import create_app
from appliance.admin import store as admin_store
from appliance.auth.service import CLI
from appliance.contacts import import_service, reader
from appliance.contacts.mapping import Mapping, suggest
from appliance.surveys import service
from tests.conftest import Browser
from tests.contacts.conftest import Importer
from tests.factories import submit_response
from tests.pdftext import pdf_text
from tests.privacy.test_statement import RETENTION

CUSTOMERS = (
    b"email,voornaam,achternaam,geslacht,straat,postcode,plaats,telefoon\n"
    b"anna.kanarie@voorbeeld.nl,Anna,Kanarievogel,v,Dorpsstraat 1,4461 HP,Goes,0113-123456\n"
    b"bert.kanarie@voorbeeld.nl,Bert,,,,,,\n"
    b"carla.kanarie@voorbeeld.nl,,,,,,,06-12345678\n"
)
PROSPECTS = b"email,telefoon\ndirk.kanarie@voorbeeld.nl,\n"
CANARIES = ("kanarie", "Anna", "Kanarievogel", "Dorpsstraat", "123456", "12345678")
PURPOSE = "Tevredenheid na levering 2026"
NAME_SURVEY = {
    "languages": ["nl", "en"],
    "anonymous": False,
    "title": {"nl": "Proef", "en": "Trial"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {"id": "nps", "type": "nps", "text": {"nl": "NPS", "en": "NPS"}},
                {"id": "naam", "type": "name", "text": {"nl": "Naam", "en": "Name"}},
            ],
        }
    ],
}


def _import(imports: Importer, content: bytes, basis: str, purpose: str, list_name: str):
    table = reader.open_table(imports.file(content))
    with table:
        mapping = Mapping.build(table.headers, suggest(table.headers))
        import_id = import_service.begin(imports.conn, CLI, list_name, basis, purpose, mapping)
        import_service.run_import(imports.conn, imports.keys, CLI, import_id, table, mapping)


@pytest.fixture
def world(conn, data_dir, tmp_path):
    """Four contacts in two lists under both lawful bases, an anonymous survey and a
    non-anonymous one with a name field, and the agency's name configured."""
    imports = Importer(conn, data_dir, tmp_path)
    _import(imports, CUSTOMERS, "consent", "", "Klanten")
    _import(imports, PROSPECTS, "legitimate_interest", PURPOSE, "Prospects")
    service.create_from_template(conn, CLI, "nps")
    named = service.create_from_template(conn, CLI, "nps")
    service.update_definition(conn, CLI, named, NAME_SURVEY)
    admin_store.set_override(conn, "agency_name", "Onderzoeksbureau Meetbaar", None)
    return conn


def _rows(html: str) -> dict[str, str]:
    """Label -> value text of every row of the record page."""
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td>(.*?)</td>', html, re.S)
    return {
        unescape(label): " ".join(unescape(re.sub(r"<[^>]+>", " ", value)).split())
        for label, value in rows
    }


def _pdf_text(body: bytes) -> str:
    """The text shown in the PDF, its lines joined by spaces."""
    return pdf_text(body)


EXPECTED = {
    "Contacts with an e-mail address": "4",
    "Contacts with a name": "2",
    "Contacts with a gender": "1",
    "Contacts with a postal address": "1",
    "Contacts with a phone number": "2",
    "Customers and other contacts invited to surveys": "Contacts: 4; contact lists: 2",
    "Consent": "Imports: 1; contacts: 3",
    "Legitimate interest": "Imports: 1; contacts: 1",
    "Purposes given at import": PURPOSE,
    "Surveys with a name field": "1 of 2 surveys; typed names held: 0",
    "Non-anonymous surveys": "1; responses linked to a contact: 0",
    "External research agency (processor)": "Onderzoeksbureau Meetbaar",
    "Researcher accounts": "2",
    "Contact data": "4 month(s) after the last invitation or reminder sent to the contact, or "
    "after its import if none was sent",
    "Names typed into a name field": "3 month(s) after the answer",
    "Contact requests": "Erased once handled, at the latest after 14 day(s)",
    "Audit log": "36 month(s), then replaced by a signed summary",
    "Backups": "Only the most recent 9 backup(s) are kept",
    "Transfers": "None. Personal data does not leave the organisation's network.",
}


@pytest.fixture
def configured(settings_overrides, app):
    return create_app({**settings_overrides, **RETENTION})


def _browser(app, cast, role):
    b = Browser(app)
    b.sign_in(cast[role])
    return b


def test_the_page_holds_the_usage_counts_settings_and_agency(world, configured, cast):
    page = _browser(configured, cast, "staff").get("/compliance/record")
    assert page.status_code == 200
    rows = _rows(page.get_data(as_text=True))
    for label, value in EXPECTED.items():
        assert rows.get(label) == value, label
    # The cast: one researcher inside her window, one past it; each line a window.
    windows = rows["Access windows"]
    assert windows.count("surveys granted: 0") == 2 and windows.count("(open now)") == 1
    assert "Staff accounts (internal)" in rows and rows["Admin accounts (internal)"].startswith(
        "1:"
    )


def test_the_pdf_has_the_same_content(world, configured, cast):
    response = _browser(configured, cast, "admin").get("/compliance/record.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = _pdf_text(response.data)
    assert "Record of processing activities (GDPR article 30)" in text
    for label, value in EXPECTED.items():
        bullet = "- " if label == "Purposes given at import" else ""  # a list: one line per item
        assert f"{label} {bullet}{value}" in text, label
    assert "(open now)" in text


def test_it_names_no_person(world, configured, cast):
    staff = _browser(configured, cast, "staff")
    texts = [
        staff.get("/compliance/record").get_data(as_text=True),
        _pdf_text(staff.get("/compliance/record.pdf").data),
    ]
    for text in texts:
        for canary in CANARIES + ("rita", "Rita", "rex", "sam", "ada", "ivo", "Ivo"):
            assert not re.search(rf"\b{canary}", text), canary


def test_it_follows_the_language_of_the_user(world, settings_overrides, cast):
    dutch = create_app({**settings_overrides, "default_language": "nl"})
    page = _browser(dutch, cast, "staff").get("/compliance/record").get_data(as_text=True)
    rows = _rows(page)
    assert "Verwerkingsregister" in page
    assert rows["Contacten met een e-mailadres"] == "4"
    assert rows["Toestemming"] == "Imports: 1; contacten: 3"
    text = _pdf_text(_browser(dutch, cast, "admin").get("/compliance/record.pdf").data)
    assert "Register van verwerkingsactiviteiten (AVG artikel 30)" in text
    assert "Contacten met een e-mailadres 4" in text


def test_without_anything_configured_it_says_so(app, cast):
    rows = _rows(_browser(app, cast, "admin").get("/compliance/record").get_data(as_text=True))
    assert rows["Organisation"] == "not configured yet"
    assert rows["External research agency (processor)"] == "none named"
    assert rows["Contacts with an e-mail address"] == "0"
    assert rows["Purposes given at import"] == "none given"


def test_interviewer_accounts_and_the_interviewing_are_described(app, cast, conn):
    def rows():
        page = _browser(app, cast, "staff").get("/compliance/record")
        return _rows(page.get_data(as_text=True))

    before = rows()
    # The cast's one interviewer, ivo: the interviewing is in use and described.
    assert before["Interviewer accounts"].startswith("1: only the contact being called")
    assert before["Telephone campaigns"] == "0; interviews stored as responses: 0"
    assert "erased with it" in before["Call outcomes"]
    assert "no contact, call or interviewer" in before["Answers given to an interviewer"]
    conn.execute("UPDATE users SET disabled_at = '2026-01-01T00:00:00Z' WHERE role = 'interviewer'")
    after = rows()
    assert after["Interviewer accounts"].startswith("0:")
    assert "Telephone campaigns" not in after and "Call outcomes" not in after


@pytest.mark.parametrize("url", ["/compliance/record", "/compliance/record.pdf"])
def test_only_admin_and_staff_may_read_it(app, cast, url):
    for role in ("researcher", "interviewer"):
        assert _browser(app, cast, role).get(url).status_code == 403
    assert app.test_client().get(url).status_code == 302  # to the login page
    for role in ("admin", "staff"):
        assert _browser(app, cast, role).get(url).status_code == 200


def test_a_typed_name_and_a_linked_response_are_counted(world, configured, cast, data_dir):
    named = world.execute("SELECT max(id) FROM surveys").fetchone()[0]
    service.change_status(world, CLI, named, "open")
    submit_response(world, data_dir, named, {"nps": "9"}, names={"naam": "Anna Kanarievogel"})
    rows = _rows(
        _browser(configured, cast, "staff").get("/compliance/record").get_data(as_text=True)
    )
    assert rows["Surveys with a name field"] == "1 of 2 surveys; typed names held: 1"
    assert rows["Respondents"] == "Responses stored: 1"


def test_a_publication_names_the_public_as_a_recipient(configured, cast, conn, data_dir):
    from tests.publication import published

    staff = _browser(configured, cast, "staff")
    assert "The public (published results)" not in _rows(
        staff.get("/compliance/record").get_data(as_text=True)
    )
    survey_id = published.survey(conn)
    for i in range(6):
        published.answer(conn, data_dir, survey_id, i)
    published.release(conn, data_dir)
    published.publish(conn, data_dir, survey_id)
    page = staff.get("/compliance/record").get_data(as_text=True)
    rows = _rows(page)
    assert rows["The public (published results)"].startswith("Surveys published: 1.")
    assert "and 6 single reviews whose respondents agreed" in rows["The public (published results)"]
    assert "Publishing results, and reviews of respondents who agreed to it" in unescape(page)
