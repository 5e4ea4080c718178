"""Defects a review found in the privacy operations, each pinned by a test that failed before
its fix."""

from __future__ import annotations

from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.privacy import erasure, reapply, retention_service
from appliance.privacy.subjects import Query, collect
from tests.privacy import world as w


def test_a_restore_keeps_the_later_of_two_erasures_of_one_person(conn, data_dir, tmp_path):
    """The backup knew an older erasure of the address; the person was imported again and
    erased again since. The restore must count from the later erasure."""
    world = w.build(conn, data_dir, tmp_path)
    alice = conn.execute(
        "SELECT email_hash FROM contacts WHERE id = ?", (world.contact_ids["alice"],)
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO privacy_erasures (kind, digest, erased_at) VALUES ('email', ?, ?)",
        (alice, "2000-01-01T00:00:00Z"),
    )
    carried = reapply.Carried([], [("email", bytes(alice), "2999-01-01T00:00:00Z")])
    counts = retention_service.after_restore(conn, world.settings, carried)
    assert counts["erased_again"] == 1
    assert (
        conn.execute(
            "SELECT count(*) FROM contacts WHERE id = ?", (world.contact_ids["alice"],)
        ).fetchone()[0]
        == 0
    )


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


def test_a_phone_number_in_a_rejected_row_matches_in_any_notation(conn, data_dir, tmp_path):
    w.build(conn, data_dir, tmp_path)
    keys = load_keys(data_dir)
    from tests.contacts.conftest import Importer

    bad = "email;voornaam;telefoon\nniet-een-adres;Eva;06-12345678\n"
    Importer(conn, data_dir, tmp_path).run(bad.encode())
    found = erasure.rejects_mentioning(conn, keys.cipher(), {"+31612345678"})
    assert [r["row"]["voornaam"] for r in found] == ["Eva"]
    assert not erasure.rejects_mentioning(conn, keys.cipher(), {"+31687654321"})
