"""Looking a person up by e-mail address or phone number: everything held, in every list; the
address never in a URL, a log line or the audit log."""

from __future__ import annotations

import json
import logging
import re

import pytest

from appliance.keys import load as load_keys
from appliance.privacy import erasure
from tests.privacy import world as w
from tests.privacy.subject_world import (
    ANONYMOUS_REMARK,
    CONSENT,
    EMAIL,
    FIRST,
    LAST,
    LINKED_REMARK,
    audit_rows,
    look_up,
    token_of,
    world_fixture,  # noqa: F401
)


def _looked_up(conn) -> dict:
    rows = [r for r in audit_rows(conn) if r[0] == "subject.looked_up"]
    assert len(rows) == 1
    return json.loads(rows[0][2])


def test_an_address_finds_the_person_in_every_list_with_everything_held(world, as_role, conn):
    response = look_up(as_role("staff"), "  ANNA.JANSEN@example.NL ")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("Klanten 2026", "Nieuwsbrief", FIRST, LAST, "+31612345678", "Zwolle"):
        assert text in page
    # Invitations: survey, campaign, the invitation and the reminder with their send times.
    assert "Klanttevredenheidsonderzoek" in page and "Najaarsmeting" in page
    assert re.search(r"invitation: \w{3} \d{1,2}, 20\d\d", page)
    assert re.search(r"reminder 1: \w{3} \d{1,2}, 20\d\d", page)
    assert 'id="unsubscribe"' in page and "(unsubscribe link)" in page
    assert CONSENT in page and "not yet handled" in page
    assert LINKED_REMARK in page and "survey announced as not anonymous" in page
    # What is not the person's, or cannot be linked to them, is not shown as theirs.
    assert ANONYMOUS_REMARK not in page and "Piet" not in page and "Kees" not in page
    assert "Anonymous responses" in page and "Names typed into a name field" in page
    assert _looked_up(conn) == {
        "by": "email",
        "contacts": 2,
        "invitations": 1,
        "contact_requests": 1,
        "responses": 1,
        "unsubscribed": 1,
        "mail_files": 2,
        "rejected_rows": 0,
    }


@pytest.mark.parametrize("typed", ["06-12345678", "+31612345678", "0031 6 1234 5678"])
def test_a_phone_number_is_found_however_it_was_typed(world, as_role, conn, typed):
    page = look_up(as_role("staff"), typed).get_data(as_text=True)
    assert "Looked up by phone number: +31612345678" in page
    assert page.count('name="contact_id"') == 2
    assert "Klanten 2026" in page and "Nieuwsbrief" in page and "Piet" not in page
    assert _looked_up(conn)["by"] == "phone" and _looked_up(conn)["contacts"] == 2


def test_a_number_kept_as_typed_is_found_by_its_digits(world, as_role, conn, data_dir, tmp_path):
    from tests.contacts.conftest import Importer

    Importer(conn, data_dir, tmp_path).run(
        b"email;telefoon;land\nbelg@example.be;0470 12 34 56;BE\n",
        targets=["field:email", "field:phone", "field:country"],
        list_name="Belgie",
        delimiter=";",
    )
    page = look_up(as_role("staff"), "0470-123456").get_data(as_text=True)
    assert "belg@example.be" in page and "0470 12 34 56" in page


def test_nothing_found_and_refused_input(world, as_role, conn):
    staff = as_role("staff")
    page = look_up(staff, "nobody@example.nl").get_data(as_text=True)
    assert 'id="no-contacts"' in page and "Not on the unsubscribe list." in page
    for bad in ("anna@", "12", ""):
        response = look_up(staff, bad)
        assert response.status_code == 400
        assert 'class="error"' in response.get_data(as_text=True)
    assert staff.get("/compliance/people").status_code == 200


def test_no_personal_data_in_urls_logs_or_the_audit_log(world, as_role, conn, caplog):
    caplog.set_level(logging.DEBUG)
    staff = as_role("staff")
    paths = []

    def post(path, data):
        paths.append(path)
        response = staff.post(path, data)
        paths.append(response.headers.get("Location", ""))
        return response

    page = post("/compliance/people", {"identifier": EMAIL}).get_data(as_text=True)
    token = token_of(page)
    for kind in ("json", "pdf"):
        post("/compliance/people/export", {"token": token, "format": kind})
    contact_id = str(world.contact_ids[1])
    post("/compliance/people/contact", {"token": token, "contact_id": contact_id})
    post(
        "/compliance/people/rectify",
        {
            "token": token,
            "contact_id": contact_id,
            "email": EMAIL,
            "first_name": FIRST,
            "last_name": LAST,
            "town": "Kampen",
            "phone": "+31612345678",
        },
    )
    post("/compliance/people", {"identifier": "06-12345678"})
    post("/compliance/people/erase/confirm", {"token": token})
    post("/compliance/people/erase", {"token": token})
    secrets = (EMAIL.lower(), "jansen@", FIRST.lower(), LAST.lower(), "12345678", "kampen")
    audit = json.dumps(audit_rows(conn), ensure_ascii=False).lower()
    actions = {r[0] for r in audit_rows(conn)}
    assert {
        "subject.looked_up",
        "subject.exported",
        "subject.rectified",
        "subject.erased",
    } <= actions
    for secret in secrets:
        assert secret not in audit
        assert all(secret not in p.lower() for p in paths)
        assert secret not in caplog.text.lower()


def test_a_look_up_token_is_bound_to_its_member_of_staff(world, as_role):
    token = token_of(look_up(as_role("staff"), EMAIL).get_data(as_text=True))
    other = as_role("staff2")
    response = other.post("/compliance/people/export", {"token": token, "format": "json"})
    assert response.status_code == 400 and "Look the person up again" in response.get_data(True)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = as_role("staff").post(
        "/compliance/people/export", {"token": tampered, "format": "json"}
    )
    assert response.status_code == 400


def test_a_phone_number_in_a_rejected_row_matches_in_any_notation(conn, data_dir, tmp_path):
    w.build(conn, data_dir, tmp_path)
    keys = load_keys(data_dir)
    from tests.contacts.conftest import Importer

    bad = "email;voornaam;telefoon\nniet-een-adres;Eva;06-12345678\n"
    Importer(conn, data_dir, tmp_path).run(bad.encode())
    found = erasure.rejects_mentioning(conn, keys.cipher(), {"+31612345678"})
    assert [r["row"]["voornaam"] for r in found] == ["Eva"]
    assert not erasure.rejects_mentioning(conn, keys.cipher(), {"+31687654321"})
