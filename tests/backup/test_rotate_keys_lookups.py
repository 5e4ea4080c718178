"""After `appliance rotate-keys`, every look-up by keyed hash still finds what it found before:
the suppression list at import time, de-duplication of addresses, recovery codes, kiosk keys,
copied open answers, repeated form submissions; and an older backup restored over the rotated
data directory is brought forward to its keys. (Mailed links: ``with_mail/``.)"""

from __future__ import annotations

from appliance import db
from appliance.auth import store as auth_store
from appliance.contacts import fields
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.privacy import suppression
from appliance.responses import quality
from appliance.surveys import store as surveys_store
from tests.backup.conftest import backup, run
from tests.factories import submit_response


def rotate(data_dir):
    r = run("--data-dir", data_dir, "rotate-keys", "--drain-seconds", "0")
    assert r.exit_code == 0, r.output


def hashed(data_dir, address):
    return suppression.address_hash(load_keys(data_dir).hasher(), fields.email(address))


def test_suppression_and_de_duplication_hold_across_a_rotation(populated, conn):
    data_dir = populated.data_dir
    with transaction(conn):
        suppression.add(conn, [hashed(data_dir, "wil-niet@example.nl")], "staff")
    rotate(data_dir)
    populated.imports.keys = load_keys(data_dir)  # the helper read the keys once, at its start
    counts, _ = populated.imports.run(
        b"email\njan@example.nl\nwil-niet@example.nl\nnieuw@example.nl\n"
    )
    assert (counts.added, counts.updated, counts.suppressed) == (1, 1, 1)
    assert populated.imports.emails().count("jan@example.nl") == 1


def test_recovery_codes_kiosk_keys_and_copied_answers_still_match(populated, conn, cast):
    data_dir = populated.data_dir
    with transaction(conn):
        kiosk_key = surveys_store.create_kiosk(
            conn, load_keys(data_dir).hasher(), populated.survey_id, "Balie", 60
        )
    rotate(data_dir)
    hasher = load_keys(data_dir).hasher()
    assert auth_store.use_recovery_code(conn, hasher, cast["admin"].id, "aaaa-bbbb-cccc-0001")
    assert surveys_store.kiosk_by_key(conn, hasher, kiosk_key)["name"] == "Balie"
    definition = surveys_store.definition_of(surveys_store.get_survey(conn, populated.survey_id))
    with transaction(conn):
        flags = quality.flags_for(
            conn, hasher, populated.survey_id, definition, {"why": "Snel geholpen"}, None
        )
    assert "duplicate_text" in flags
    # A form submitted twice (the same form key) is still stored once.
    again = submit_response(
        conn, data_dir, populated.survey_id, {"nps": "9"}, "k1", quality_flags=False
    )

    assert again == populated.response_ids[0]


def test_an_older_backup_is_brought_forward_over_a_rotated_data_dir(populated, key_file, conn):
    data_dir = populated.data_dir
    path = backup(data_dir, key_file)
    rotate(data_dir)
    with transaction(conn):
        suppression.add(conn, [hashed(data_dir, "sam@example.nl")], "unsubscribe")
    rotated = load_keys(data_dir)
    conn.close()
    r = run("restore", path, "--data-dir", data_dir, "--key-file", key_file)
    assert r.exit_code == 0, r.output
    assert "brought forward" in r.output
    assert load_keys(data_dir) == rotated
    again = db.connect(db.db_path(data_dir))
    try:
        sam = hashed(data_dir, "sam@example.nl")
        assert suppression.suppressed(again, [sam]) == {sam}
        (contact,) = again.execute("SELECT * FROM contacts WHERE email_hash = ?", (sam,))
        assert rotated.cipher().decrypt(contact["email"], "contacts", "email", contact["id"]) == (
            "sam@example.nl"
        )
    finally:
        again.close()
