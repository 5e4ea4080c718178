"""Erasure of a person on request: a confirmation first, then in one transaction their contact
rows, invitations and messages, contact requests and response links go; anonymous responses
stay; the ledger keeps keyed hashes; the file holds nothing of it after compaction."""

from __future__ import annotations

import json
from pathlib import Path

from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.privacy import erasure, suppression
from appliance.privacy.subjects import Query, collect
from tests.privacy import world as w
from tests.privacy.subject_world import (
    EMAIL,
    audit_rows,
    look_up,
    token_of,
    world_fixture,  # noqa: F401
)


def _count(conn, sql, *args) -> int:
    return conn.execute(sql, args).fetchone()[0]


def _mail_files(data_dir) -> list[Path]:
    return sorted((Path(data_dir) / "mail").rglob("*.eml"))


def _raw_database(data_dir) -> bytes:
    return b"".join(p.read_bytes() for p in Path(data_dir).glob("appliance.db*") if p.is_file())


def test_the_confirmation_lists_what_goes_and_erases_nothing(world, as_role, conn):
    staff = as_role("staff")
    token = token_of(look_up(staff, EMAIL).get_data(as_text=True))
    page = staff.post("/compliance/people/erase/confirm", {"token": token}).get_data(True)
    assert "2 contact rows, in these lists: Klanten 2026, Nieuwsbrief" in page
    assert "1 invitations" in page and "1 requests to be contacted" in page
    assert "1 links of responses to this person" in page and "2 messages in the mail folder" in page
    assert "1 open answers in the responses linked to this person" in page
    # Already unsubscribed: the page says the entry stays instead of offering the checkbox.
    assert "The address stays on the unsubscribe list" in page and 'name="suppress"' not in page
    assert _count(conn, "SELECT count(*) FROM contacts") == 4


def test_erasure_removes_the_person_and_leaves_no_trace_in_the_file(world, as_role, conn, data_dir):
    keys = load_keys(data_dir)
    ids = world.contact_ids
    blobs = [
        bytes(b)
        for r in conn.execute("SELECT * FROM contacts WHERE id IN (?, ?)", ids)
        for b in (r["email"], r["last_name"], r["phone"])
    ]
    piet_files = len(_mail_files(data_dir)) - 2
    assert all(blob in _raw_database(data_dir) for blob in blobs)  # the canary is really there
    staff = as_role("staff")
    token = token_of(look_up(staff, EMAIL).get_data(as_text=True))
    # A hard bounce counted against the address in one campaign (a second would make it
    # undeliverable): the keyed hash beside the campaign goes with the person.
    address = suppression.address_hash(keys.hasher(), EMAIL)
    campaign = conn.execute("SELECT min(id) FROM campaigns").fetchone()[0]
    with transaction(conn):
        conn.execute(
            "INSERT INTO bounce_marks VALUES (?, ?, '2026-12-01T00:00:00Z')", (address, campaign)
        )
    response = staff.post("/compliance/people/erase", {"token": token})
    assert response.status_code == 200 and "Person erased" in response.get_data(True)
    assert _count(conn, "SELECT count(*) FROM bounce_marks") == 0

    assert _count(conn, "SELECT count(*) FROM contacts WHERE id IN (?, ?)", *ids) == 0
    assert _count(conn, "SELECT count(*) FROM contacts") == 2  # Piet and Kees
    assert _count(conn, "SELECT count(*) FROM invitations WHERE contact_id IS NULL") == 0
    assert _count(conn, "SELECT count(*) FROM invitations") == 1  # Piet's
    assert _count(conn, "SELECT count(*) FROM outbox") == 2  # Piet's invitation and reminder
    assert _count(conn, "SELECT count(*) FROM contact_requests") == 0
    assert _count(conn, "SELECT count(*) FROM response_contacts") == 0
    # The responses stay, now anonymous like every other.
    for response_id in (world.linked_response, world.anonymous_response):
        assert _count(conn, "SELECT count(*) FROM responses WHERE id = ?", response_id) == 1
    # The ledger keeps keyed hashes of the address and the number; the unsubscribe entry stays.
    hasher = keys.hasher()
    ledger = {
        (r[0], bytes(r[1])) for r in conn.execute("SELECT kind, digest FROM privacy_erasures")
    }
    assert ledger == {
        ("email", suppression.address_hash(hasher, EMAIL)),
        ("phone", hasher.digest("phone", "+31612345678")),
    }
    assert suppression.suppressed(conn, [suppression.address_hash(hasher, EMAIL)])
    assert len(_mail_files(data_dir)) == piet_files
    raw = _raw_database(data_dir)
    for blob in blobs:
        assert blob not in raw
    assert b"toestemming-5521" not in raw  # the wording the person agreed to went with them
    [entry] = [r for r in audit_rows(conn) if r[0] == "subject.erased"]
    assert entry[1] == "subject"
    assert json.loads(entry[2]) == {
        "contacts": 2,
        "invitations": 1,
        "contact_requests": 1,
        "response_links": 1,
        "paper_forms": 0,
        "ledger": 2,
        "unsubscribed": 0,
        "mail_files": 2,
        "names": 0,
        "open_answers": 1,
        "rejected_rows": 0,
    }
    # Looked up again: nothing left but the unsubscribe entry and the erasure itself.
    page = look_up(staff, EMAIL).get_data(as_text=True)
    assert 'id="no-contacts"' in page and "Erased on request before" in page


def test_erasure_by_phone_and_adding_to_the_unsubscribe_list(world, as_role, conn, data_dir):
    hasher = load_keys(data_dir).hasher()
    staff = as_role("staff")
    kees = suppression.address_hash(hasher, "kees@example.nl")
    token = token_of(look_up(staff, "kees@example.nl").get_data(as_text=True))
    page = staff.post("/compliance/people/erase/confirm", {"token": token}).get_data(True)
    assert 'name="suppress"' in page
    staff.post("/compliance/people/erase", {"token": token, "suppress": "y"})
    assert suppression.suppressed(conn, [kees]) == {kees}
    source = conn.execute("SELECT source FROM suppressions WHERE email_hash = ?", (kees,))
    assert source.fetchone()[0] == "staff"

    token = token_of(look_up(staff, "06-12345678").get_data(as_text=True))
    staff.post("/compliance/people/erase", {"token": token})
    assert _count(conn, "SELECT count(*) FROM contacts") == 1  # Piet
    kinds = [r[0] for r in conn.execute("SELECT kind FROM privacy_erasures ORDER BY kind")]
    assert kinds == ["email", "email", "phone"]


def test_erasing_a_person_erases_the_name_they_typed_in_a_linked_response(conn, data_dir, tmp_path):
    world = w.build(conn, data_dir, tmp_path)
    assert conn.execute("SELECT count(*) FROM name_answers").fetchone()[0] == 1
    with transaction(conn):
        counts = erasure.erase_contacts(
            conn, [world.contact_ids["alice"]], person=True, hasher=load_keys(data_dir).hasher()
        )
    assert counts["names"] == 1
    assert conn.execute("SELECT count(*) FROM name_answers").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM responses").fetchone()[0] == 1


def test_a_rejected_import_row_with_the_address_is_found_and_erased(conn, data_dir, tmp_path):
    """A row refused for another field still holds the address; an access request shows it and
    an erasure removes it."""
    world = w.build(conn, data_dir, tmp_path)
    keys = load_keys(data_dir)
    from tests.contacts.conftest import Importer

    bad = f"email;voornaam;achternaam;telefoon\ndora@{w.CANARY.lower()}.nl;Dora;X;12ab\n"
    counts, _ = Importer(conn, data_dir, tmp_path).run(bad.encode())
    assert counts.invalid == 1
    query = Query("email", f"dora@{w.CANARY.lower()}.nl")
    dossier = collect(conn, keys.cipher(), keys.hasher(), query, [])
    assert len(dossier["rejected_rows"]) == 1
    assert dossier["rejected_rows"][0]["row"]["voornaam"] == "Dora"
    with transaction(conn):
        assert erasure.erase_rejects(conn, [r["id"] for r in dossier["rejected_rows"]]) == 1
    assert not collect(conn, keys.cipher(), keys.hasher(), query, [])["rejected_rows"]
    # The other rejected row (the world's own) is not this person's and stays.
    assert conn.execute("SELECT count(*) FROM import_rejects").fetchone()[0] == 1
    assert world.contact_ids
