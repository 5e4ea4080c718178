"""A person known to the appliance in every way a data-subject request must find: two contact
rows in two lists (one address written differently, the phone number typed two ways), an
invitation and a reminder sent through the real sender (file transport), a response to a
survey announced as non-anonymous with a request to be contacted, an unsubscribe, and an
anonymous response of someone else. Helpers to reach the person through the pages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest

from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.privacy import suppression
from tests.contacts.conftest import Importer
from tests.factories import open_survey, send_campaign, submit_response

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
    survey_id = open_survey(conn, template="customer_satisfaction", anonymous=False)
    campaign_id = send_campaign(
        conn, data_dir, survey_id, imports.list_id("Klanten 2026"), "Najaarsmeting"
    )
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
    linked = submit_response(
        conn,
        data_dir,
        survey_id,
        {"nps": "9", "grade": "8", "remark": LINKED_REMARK},
        "linked",
        mode="invitation",
        today=date.today(),
        invitation_hash=bytes(token_hash),
        contact_consent=CONSENT,
        link_contact=True,
        quality_flags=False,
    )
    anonymous = submit_response(
        conn,
        data_dir,
        survey_id,
        {"nps": "3", "grade": "5", "remark": ANONYMOUS_REMARK},
        "anonymous",
        today=date.today(),
        quality_flags=False,
    )

    with transaction(conn):
        suppression.add(conn, [person_hash], "unsubscribe")
    return World(conn, data_dir, survey_id, campaign_id, contact_ids, linked, anonymous)


@pytest.fixture(name="world")
def world_fixture(conn, data_dir, tmp_path) -> World:
    """``world``: the person's world, built afresh for each test (tests change it). Import
    ``world_fixture`` into a test module to use it."""

    return build(conn, data_dir, tmp_path)


def look_up(staff, value: str, **extra):
    """POST the look-up form; returns the response (the page about the person)."""
    return staff.post("/compliance/people", {"identifier": value, "request_id": "0", **extra})


def token_of(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, "no look-up token on the page"
    return found.group(1)


def audit_rows(conn) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in conn.execute("SELECT action, target, details FROM audit_log")]
