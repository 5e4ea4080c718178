"""`appliance rotate-keys`: every sealed value re-sealed under a new field key and every keyed
hash wrapped under a new hash key, in one transaction; an interrupted rotation is completed or
rolled back by `--resume`, decided by what the database says; a running app keeps serving."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest

from appliance import db, keys, locks
from appliance.auth import store as auth_store
from appliance.auth.service import CLI
from appliance.backup import rotation, sealed
from appliance.contacts import import_service
from appliance.contacts.mapping import Mapping
from appliance.crypto import DecryptionError, FieldCipher, key_id, sealed_by
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.responses import store as responses_store
from tests.backup.conftest import backup, run
from tests.factories import open_survey
from tests.serving import running_server


def sealed_values(data_dir) -> list[tuple[str, str, object, bytes]]:
    """(table, column, row id, ciphertext) of every sealed value in the database."""
    conn = db.connect(db.db_path(data_dir))
    try:
        found = []
        for spec in sealed.SEALED:
            for column in spec.columns:
                found += [
                    (spec.table, column, r[0], bytes(r[1]))
                    for r in conn.execute(
                        f"SELECT {spec.row_id}, {column} FROM {spec.table}"  # noqa: S608
                        f" WHERE {column} IS NOT NULL"
                    )
                ]
        return found
    finally:
        conn.close()


def plaintexts(data_dir, cipher=None) -> dict[tuple, str]:
    cipher = cipher or load_keys(data_dir).cipher()
    return {(t, c, str(r)): cipher.decrypt(b, t, c, r) for t, c, r, b in sealed_values(data_dir)}


def rotate(data_dir, *extra):
    r = run("--data-dir", data_dir, "rotate-keys", "--drain-seconds", "0", *extra)
    assert r.exit_code == 0, r.output
    return r


def test_every_value_is_resealed_and_the_old_key_alone_reads_nothing(populated, cast):
    data_dir = populated.data_dir
    before, old = plaintexts(data_dir), load_keys(data_dir)
    tables = {k[0] for k in before}
    assert tables == {"contacts", "import_rejects", "name_answers", "users"}
    r = rotate(data_dir)
    assert "values re-sealed" in r.output
    new = load_keys(data_dir)
    assert new.field != old.field and new.hash_chain[:1] == old.hash_chain
    assert len(new.hash_chain) == 2 and new.session == old.session and new.audit == old.audit
    assert plaintexts(data_dir) == before
    old_cipher = FieldCipher(old.field)
    for table, column, row_id, blob in sealed_values(data_dir):
        assert sealed_by(blob) == key_id(new.field)
        with pytest.raises(DecryptionError):
            old_cipher.decrypt(blob, table, column, row_id)
    assert keys.pending_files(data_dir) == []
    assert oct(keys.hash_path(data_dir, 2).stat().st_mode & 0o777) == "0o600"
    assert run("--data-dir", data_dir, "check").exit_code == 0
    conn = db.connect(db.db_path(data_dir))
    (details,) = [
        json.loads(r[0])
        for r in conn.execute("SELECT details FROM audit_log WHERE action = 'keys.rotated'")
    ]
    conn.close()
    assert details["fields"] == len(before) and details["hashes"] >= 3
    assert details["field_key_id"] == key_id(new.field).hex()
    assert new.field.hex() not in json.dumps(details) and old.field.hex() not in json.dumps(details)


def test_twice_and_a_backup_after_holds_the_whole_chain(populated, key_file, tmp_path):
    data_dir = populated.data_dir
    before = plaintexts(data_dir)
    rotate(data_dir)
    rotate(data_dir)
    assert len(load_keys(data_dir).hash_chain) == 3
    assert plaintexts(data_dir) == before
    path = backup(data_dir, key_file)
    fresh = tmp_path / "fresh"
    assert run("restore", path, "--data-dir", fresh, "--key-file", key_file).exit_code == 0
    assert load_keys(fresh) == load_keys(data_dir) and plaintexts(fresh) == before


def _crash_after_commit(data_dir):
    """Steps 1 and 2 of a rotation, then the process 'dies' before switching the files."""
    current = load_keys(data_dir)
    with locks.rotating(data_dir):
        new_field, new_hash, _ = rotation.prepare(data_dir, current)
        conn = db.connect(db.db_path(data_dir))
        try:
            rotation.commit(conn, current, new_field, new_hash)
        finally:
            conn.close()
    return new_field, new_hash


def test_resume_completes_a_rotation_that_died_between_commit_and_switch(
    populated, key_file, tmp_path
):
    data_dir = populated.data_dir
    before = plaintexts(data_dir)
    new_field, new_hash = _crash_after_commit(data_dir)
    assert len(keys.pending_files(data_dir)) == 2
    check = run("--data-dir", data_dir, "check")
    assert check.exit_code == 1 and "rotate-keys --resume" in check.output
    path = backup(data_dir, key_file)  # with the keys the database is under: the new ones
    refused = run("restore", path, "--data-dir", data_dir, "--key-file", key_file)
    assert refused.exit_code != 0 and "rotate-keys --resume" in refused.output
    fresh = tmp_path / "fresh"
    assert run("restore", path, "--data-dir", fresh, "--key-file", key_file).exit_code == 0
    assert plaintexts(fresh) == before and load_keys(fresh).field == new_field
    # A server that meets this state reads it as the database says: the new keys.
    seen = keys.effective_keys(data_dir)
    assert seen.field == new_field and seen.hash_chain[-1] == new_hash
    assert plaintexts(data_dir, seen.cipher()) == before

    r = run("--data-dir", data_dir, "rotate-keys", "--resume")
    assert r.exit_code == 0 and "completed" in r.output
    assert load_keys(data_dir).field == new_field and keys.pending_files(data_dir) == []
    assert plaintexts(data_dir) == before
    assert run("--data-dir", data_dir, "check").exit_code == 0
    again = run("--data-dir", data_dir, "rotate-keys", "--resume")
    assert "no unfinished rotation" in again.output


def test_resume_rolls_back_a_rotation_that_died_before_its_commit(populated):
    data_dir = populated.data_dir
    before, old = plaintexts(data_dir), load_keys(data_dir)
    with locks.rotating(data_dir):
        rotation.prepare(data_dir, old)
    # A half-written pending file (the crash came while writing it) changes nothing either.
    pending = keys.pending_files(data_dir)
    pending[0].write_text("00ff")
    assert keys.effective_keys(data_dir) == old
    r = run("--data-dir", data_dir, "rotate-keys", "--resume")
    assert r.exit_code == 0 and "rolled back" in r.output
    assert load_keys(data_dir) == old and keys.pending_files(data_dir) == []
    assert plaintexts(data_dir) == before


def test_the_next_rotation_settles_an_unfinished_one_first(populated):
    data_dir = populated.data_dir
    before = plaintexts(data_dir)
    new_field, _ = _crash_after_commit(data_dir)
    r = rotate(data_dir)
    assert "earlier unfinished rotation was completed" in r.output
    assert len(load_keys(data_dir).hash_chain) == 3
    assert load_keys(data_dir).field != new_field and plaintexts(data_dir) == before


def test_refused_while_an_import_is_writing_and_nothing_changes(populated, conn):
    data_dir = populated.data_dir
    old = load_keys(data_dir)
    import_service.begin(conn, CLI, "Nieuw", "consent", "", Mapping.build([], []))
    r = run("--data-dir", data_dir, "rotate-keys", "--drain-seconds", "0")
    assert r.exit_code != 0 and "import of contacts is running" in r.output
    assert load_keys(data_dir) == old and keys.pending_files(data_dir) == []


def test_a_running_app_keeps_serving_contact_data_across_a_rotation(populated, as_role, app, cast):
    data_dir = populated.data_dir
    conn = db.connect(db.db_path(data_dir))
    (import_id,) = [r[0] for r in conn.execute("SELECT DISTINCT import_id FROM import_rejects")]
    conn.close()
    staff = as_role("staff")
    url = f"/contacts/imports/{import_id}/rejects.csv"
    first = staff.get(url)
    assert first.status_code == 200 and "geen-adres" in first.get_data(as_text=True)
    old = app.extensions["appliance"].ring.current()

    failures: list[BaseException] = []

    def rotate_in_background():
        try:
            rotation.rotate(data_dir, drain_seconds=0.3)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)

    thread = threading.Thread(target=rotate_in_background)
    thread.start()
    served, slowest = 0, 0.0
    while thread.is_alive() or served < 3:
        started = time.monotonic()
        r = staff.get(url)
        slowest = max(slowest, time.monotonic() - started)
        assert r.status_code == 200 and "geen-adres" in r.get_data(as_text=True)
        served += 1
    thread.join()
    assert not failures and served >= 3
    assert slowest >= 0.1, "some request met the rotation and waited for it"
    after = staff.get(url)
    assert after.status_code == 200 and "geen-adres" in after.get_data(as_text=True)
    current = app.extensions["appliance"].ring.current()
    assert current.field != old.field and current == load_keys(data_dir)
    conn = db.connect(db.db_path(data_dir))
    try:
        assert (
            auth_store.totp_secret(conn, current.cipher(), cast["admin"].id)
            == cast["admin"].totp_secret
        )
    finally:
        conn.close()


def test_the_real_server_answers_invitation_links_throughout_a_rotation(tmp_path):
    with running_server(tmp_path) as server:
        conn = db.connect(db.db_path(server.data_dir))
        try:
            survey_id = open_survey(conn)
            with transaction(conn):
                token = responses_store.create_invitation(
                    conn, load_keys(server.data_dir).hasher(), survey_id, None
                )
        finally:
            conn.close()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        statuses: list[int] = []
        stop = threading.Event()

        def visit():
            while not stop.is_set():
                with opener.open(f"{server.base_url}/i/{token}", timeout=30) as page:
                    statuses.append(page.status)

        visitor = threading.Thread(target=visit)
        visitor.start()
        try:
            r = run("--data-dir", server.data_dir, "rotate-keys", "--drain-seconds", "0.5")
            assert r.exit_code == 0, r.output
            done = len(statuses)
            while len(statuses) < done + 3:
                time.sleep(0.01)
        finally:
            stop.set()
            visitor.join()
        assert statuses and set(statuses) == {200}, server.log()
        assert len(load_keys(server.data_dir).hash_chain) == 2
