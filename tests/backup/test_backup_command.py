"""`appliance backup` and `appliance backup-key`: a consistent snapshot under concurrent writes,
encrypted, with a manifest that holds no personal data; no key, no backup; never a half backup
under the final name."""

from __future__ import annotations

import json
import os
import secrets
import threading

from appliance import audit, db
from appliance.backup import archive, jobs
from appliance.db import transaction
from appliance.privacy import suppression
from tests.backup.conftest import backup, contact_names, counts, run
from tests.factories import submit_response


def _writer(data_dir, survey_id, stop: threading.Event, written: list[int]) -> None:
    """Writes through the app's own store functions until told to stop."""
    conn = db.connect(db.db_path(data_dir))
    try:
        n = 0
        while not stop.is_set():
            n += 1
            with transaction(conn):
                suppression.add(conn, [secrets.token_bytes(32)], "staff")
                audit.record(conn, "test.write", details={"n": n})
            submit_response(conn, data_dir, survey_id, {"nps": str(n % 11)}, key=f"load-{n}")
            written.append(n)
    finally:
        conn.close()


def test_a_backup_under_write_load_restores_to_exactly_its_manifest(populated, key_file, tmp_path):
    data_dir = populated.data_dir
    stop, written = threading.Event(), []
    thread = threading.Thread(target=_writer, args=(data_dir, populated.survey_id, stop, written))
    thread.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        at_start = len(written)
        path = backup(data_dir, key_file)
        at_end = len(written)
    finally:
        stop.set()
        thread.join()
    assert at_end > at_start, "the writer kept writing while the backup ran"
    manifest = json.loads(
        path.with_name(path.name.replace(".backup", ".manifest.json")).read_text()
    )
    assert 20 <= manifest["counts"]["suppressions"] <= len(written)

    fresh = tmp_path / "fresh"
    r = run("restore", path, "--data-dir", fresh, "--key-file", key_file)
    assert r.exit_code == 0, r.output
    restored = counts(fresh)
    added_by_restore = {"audit_log"}  # the restore's own entries (receipt, backup.restored)
    for table, n in manifest["counts"].items():
        if table not in added_by_restore:
            assert restored[table] == n, table
    conn = db.connect(db.db_path(fresh))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert audit.verify(conn).ok  # the chain of a consistent moment, writes and all
        n_load = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'test.write'")
        assert n_load.fetchone()[0] == manifest["counts"]["suppressions"]
    finally:
        conn.close()
    assert contact_names(fresh) == ["Els", "Jan", "Sam"]


def test_the_manifest_describes_without_personal_data_and_files_are_private(populated, key_file):
    path = backup(populated.data_dir, key_file)
    manifest_path = path.with_name(path.name.replace(".backup", ".manifest.json"))
    text = manifest_path.read_text()
    manifest = json.loads(text)
    for personal in ("jan@example.nl", "Jansen", "0612345678", "Kanarie", "Snel geholpen"):
        assert personal not in text
        assert personal.encode() not in path.read_bytes()
    assert manifest["kind"] == "manual" and manifest["counts"]["contacts"] == 3
    assert manifest["key"]["kdf"] == "key-file" and key_file.read_text().strip() not in text
    assert "0015_privacy_operations" in manifest["migrations"]
    assert manifest["audit_tail"]["id"] > 0 and len(manifest["audit_tail"]["hash"]) == 64
    assert set(manifest["key_files"]) >= {"field.key", "hash.key", "session.key", "audit.key"}
    assert manifest["encrypted_bytes"] == path.stat().st_size
    assert oct(path.stat().st_mode & 0o777) == oct(manifest_path.stat().st_mode & 0o777) == "0o600"
    assert oct(path.parent.stat().st_mode & 0o777) == "0o700"
    conn = db.connect(db.db_path(populated.data_dir))
    entry = conn.execute("SELECT * FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    conn.close()
    assert entry["action"] == "backup.written" and manifest["name"] in entry["details"]
    assert str(key_file) not in entry["details"]


def test_a_second_backup_in_the_same_second_gets_its_own_name(populated, key_file):
    first, second = backup(populated.data_dir, key_file), backup(populated.data_dir, key_file)
    assert first != second and first.exists() and second.exists()


def test_without_a_key_nothing_is_written(populated, tmp_path):
    out = tmp_path / "out"
    r = run("--data-dir", populated.data_dir, "backup", "--out", out)
    assert r.exit_code != 0 and "no backup key" in r.output and "backup-key" in r.output
    assert not out.exists() or not list(out.iterdir())


def test_a_passphrase_from_stdin_works_and_a_short_one_is_refused(populated, tmp_path, fast_scrypt):
    out = tmp_path / "out"
    args = ("--data-dir", populated.data_dir, "backup", "--out", out, "--passphrase-stdin")
    assert run(*args, input="te kort\n").exit_code != 0
    r = run(*args, input="een lange geheime zin voor tests\n")
    assert r.exit_code == 0, r.output
    manifest = json.loads(next(out.glob("*.manifest.json")).read_text())
    assert manifest["key"]["kdf"] == "scrypt" and len(manifest["key"]["salt"]) == 32


def test_a_failure_half_way_leaves_no_backup_under_the_final_name(populated, key_file, monkeypatch):
    out = populated.data_dir.parent / "backups"

    def broken(*args, **kw):
        raise OSError("disk full")

    monkeypatch.setattr(archive, "_json", broken)  # fails while the encrypted file is written
    r = run("--data-dir", populated.data_dir, "backup", "--out", out, "--key-file", key_file)
    assert r.exit_code != 0
    assert list(out.iterdir()) == []
    assert not [p for p in populated.data_dir.iterdir() if p.name.startswith(".backup-")]
    assert jobs.listing(out) == []


def test_backup_key_creates_a_private_key_file_once(tmp_path):
    path = tmp_path / "keys" / "backup.key"
    path.parent.mkdir()
    r = run("backup-key", "--out", path)
    assert r.exit_code == 0 and "key id" in r.output
    assert len(bytes.fromhex(path.read_text().strip())) == 32
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    before = path.read_text()
    again = run("backup-key", "--out", path)
    assert again.exit_code != 0 and "exists already" in again.output
    assert path.read_text() == before
    assert os.stat(path).st_size == 65
