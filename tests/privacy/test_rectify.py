"""Rectification: a contact row's fields are checked like an import, sealed again under the
row's associated data, the address's keyed hash follows; the audit log names fields only."""

from __future__ import annotations

import json

import pytest

from appliance.crypto import DecryptionError
from appliance.keys import load as load_keys
from appliance.privacy import suppression
from tests.privacy.subject_world import (
    EMAIL,
    FIRST,
    LAST,
    audit_rows,
    look_up,
    token_of,
    world_fixture,  # noqa: F401
)

NEW_EMAIL = "annabel.devries@example.org"


def _form(token: str, contact_id: int, **changes) -> dict:
    values = {
        "token": token,
        "contact_id": str(contact_id),
        "email": EMAIL,
        "first_name": FIRST,
        "last_name": LAST,
        "town": "Zwolle",
        "phone": "+31612345678",
    }
    return {**values, **changes}


def _row(conn, contact_id):
    return conn.execute("SELECT * FROM contacts WHERE id = ?", (contact_id,)).fetchone()


def test_the_form_shows_the_current_values(world, as_role):
    staff = as_role("staff")
    token = token_of(look_up(staff, EMAIL).get_data(as_text=True))
    page = staff.post(
        "/compliance/people/contact", {"token": token, "contact_id": world.contact_ids[0]}
    ).get_data(as_text=True)
    assert f'value="{FIRST}"' in page and f'value="{EMAIL}"' in page and 'value="Zwolle"' in page


def test_a_correction_is_sealed_again_and_the_address_hash_follows(world, as_role, conn, data_dir):
    keys = load_keys(data_dir)
    contact_id = world.contact_ids[0]
    before = _row(conn, contact_id)
    staff = as_role("staff")
    token = token_of(look_up(staff, EMAIL).get_data(as_text=True))
    response = staff.post(
        "/compliance/people/rectify",
        _form(token, contact_id, email=NEW_EMAIL, town="Kampen", phone="06 8765 4321"),
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The changed contact stays on the page although it no longer has the address looked up.
    assert "The contact was changed." in page and NEW_EMAIL in page and "Kampen" in page
    after = _row(conn, contact_id)
    cipher = keys.cipher()
    assert after["email"] != before["email"] and after["town"] != before["town"]
    assert after["first_name"] == before["first_name"]  # unchanged fields keep their ciphertext
    assert cipher.decrypt(after["email"], "contacts", "email", contact_id) == NEW_EMAIL
    assert cipher.decrypt(after["phone"], "contacts", "phone", contact_id) == "+31687654321"
    with pytest.raises(DecryptionError):  # bound to its row
        cipher.decrypt(after["email"], "contacts", "email", contact_id + 1)
    assert bytes(after["email_hash"]) == suppression.address_hash(keys.hasher(), NEW_EMAIL)
    [entry] = [r for r in audit_rows(conn) if r[0] == "subject.rectified"]
    assert entry[1] == f"contact:{contact_id}"
    assert json.loads(entry[2]) == {"fields": ["email", "phone", "town"]}
    assert "kampen" not in entry[2].lower() and "example.org" not in entry[2]


def test_invalid_values_are_refused_and_nothing_changes(world, as_role, conn):
    contact_id = world.contact_ids[0]
    before = dict(_row(conn, contact_id))
    staff = as_role("staff")
    token = token_of(look_up(staff, EMAIL).get_data(as_text=True))
    for changes in (
        {"email": "anna@"},
        {"postcode": "12345", "country": "NL"},
        {"phone": "abc"},
        {"email": "", "phone": "", "first_name": "", "last_name": "", "town": ""},
        {"email": "piet@example.nl"},  # another contact of the same list
    ):
        response = staff.post("/compliance/people/rectify", _form(token, contact_id, **changes))
        assert response.status_code == 400, changes
        assert 'class="error"' in response.get_data(as_text=True)
    assert dict(_row(conn, contact_id)) == before
    assert not [r for r in audit_rows(conn) if r[0] == "subject.rectified"]


def test_nothing_changed_and_someone_elses_contact(world, as_role, conn):
    staff = as_role("staff")
    token = token_of(look_up(staff, EMAIL).get_data(as_text=True))
    response = staff.post("/compliance/people/rectify", _form(token, world.contact_ids[0]))
    assert "Nothing was changed." in response.get_data(as_text=True)
    piet = conn.execute("SELECT id FROM contacts ORDER BY id").fetchall()[1][0]
    assert piet not in world.contact_ids
    assert staff.post("/compliance/people/rectify", _form(token, piet)).status_code == 404
    response = staff.post("/compliance/people/contact", {"token": token, "contact_id": piet})
    assert response.status_code == 404
