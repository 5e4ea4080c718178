"""A person known to the appliance in every way a data-subject request must find: two contact
rows in two lists (one address written differently, the phone number typed two ways), an
invitation and a reminder sent through the real sender (file transport), a response to a
survey announced as non-anonymous with a request to be contacted, an unsubscribe, and an
anonymous response of someone else. Helpers to reach the person through the pages."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date

from appliance.auth.service import CLI
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.mailing import jobs
from appliance.mailing import service as mailing_service
from appliance.mailing import store as mail_store
from appliance.privacy import suppression
from appliance.responses import service as responses_service
from appliance.settings import load as load_settings
from appliance.surveys import service
from appliance.surveys import store as surveys_store
from tests.contacts.conftest import Importer

EMAIL = "Anna.Jansen@example.nl"
FIRST, LAST, TOWN = "Annabel", "Jansen-Kanarie", "Zwolle"
CONSENT = "Ja, u mag contact met mij opnemen over mijn antwoorden (toestemming-5521)"
LINKED_REMARK = "De bezorger was erg vriendelijk (gekoppeld-3381)"
ANONYMOUS_REMARK = "Niemand weet wie dit schreef (anoniem-9042)"
TARGETS = ["field:email", "field:first_name", "field:last_name", "field:phone", "field:town"]
LIST_A = (
    "email;voornaam;achternaam;telefoon;plaats\n"
    f"{EMAIL};{FIRST};{LAST};06-12345678;{TOWN}\n"
    "piet@example.nl;Piet;Dam;0201234567;Amsterdam\n"
)
LIST_B = (
    "email;voornaam;achternaam;telefoon;plaats\n"
    f"{EMAIL.lower()};{FIRST};{LAST};+31 6 1234 5678;{TOWN}\n"
    "kees@example.nl;Kees;Bakker;;Deventer\n"
)


@dataclass
class World:
    conn: object
    data_dir: object
    survey_id: int
    campaign_id: int
    contact_ids: list[int]  # the person's two rows
    linked_response: str
    anonymous_response: str


def build(conn, data_dir, tmp_path) -> World:
    keys = load_keys(data_dir)
    imports = Importer(conn, data_dir, tmp_path)
    for name, content in (("Klanten 2026", LIST_A), ("Nieuwsbrief", LIST_B)):
        imports.run(content.encode(), targets=TARGETS, list_name=name, delimiter=";")
    survey_id = service.create_from_template(conn, CLI, "customer_satisfaction")
    definition = surveys_store.definition_of(surveys_store.get_survey(conn, survey_id)).to_json()
    service.update_definition(conn, CLI, survey_id, {**definition, "anonymous": False})
    service.change_status(conn, CLI, survey_id, "open")
    templates = {r["name"]: r["id"] for r in mail_store.list_templates(conn)}
    plan = mailing_service.Plan(
        name="Najaarsmeting",
        survey_id=survey_id,
        list_id=imports.list_id("Klanten 2026"),
        template_id=templates["Uitnodiging / Invitation"],
        reminder_template_id=templates["Herinnering / Reminder"],
        send_at=time.time(),
        reminders=1,
        reminder_days=7,
        segment_filter={},
    )
    campaign_id = mailing_service.create(conn, CLI, plan)[0]
    settings = load_settings(
        {
            "data_dir": str(data_dir),
            "base_url": "https://enquete.example.nl",
            "mail_from": "Voorbeeld BV <enquete@voorbeeld.nl>",
        },
        environ={},
    )
    jobs.deliver(settings, keys)
    mailing_service.remind_now(conn, CLI, campaign_id)
    jobs.deliver(settings, keys)
    person_hash = suppression.address_hash(keys.hasher(), EMAIL)
    contact_ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM contacts WHERE email_hash = ? ORDER BY id", (person_hash,)
        )
    ]
    token_hash = conn.execute(
        "SELECT token_hash FROM invitations WHERE contact_id = ?", (contact_ids[0],)
    ).fetchone()[0]
    linked = responses_service.submit(
        conn,
        keys.hasher(),
        keys.cipher(),
        survey_id=survey_id,
        mode="invitation",
        language="nl",
        answers={"nps": "9", "grade": "8", "remark": LINKED_REMARK},
        form_key="linked",
        today=date.today(),
        invitation_hash=bytes(token_hash),
        contact_consent=CONSENT,
        link_contact=True,
    )
    anonymous = responses_service.submit(
        conn,
        keys.hasher(),
        keys.cipher(),
        survey_id=survey_id,
        mode="link",
        language="nl",
        answers={"nps": "3", "grade": "5", "remark": ANONYMOUS_REMARK},
        form_key="anonymous",
        today=date.today(),
    )
    with transaction(conn):
        suppression.add(conn, [person_hash], "unsubscribe")
    return World(conn, data_dir, survey_id, campaign_id, contact_ids, linked, anonymous)


def look_up(staff, value: str, **extra):
    """POST the look-up form; returns the response (the page about the person)."""
    return staff.post("/compliance/people", {"identifier": value, "request_id": "0", **extra})


def token_of(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, "no look-up token on the page"
    return found.group(1)


def audit_rows(conn) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in conn.execute("SELECT action, target, details FROM audit_log")]
