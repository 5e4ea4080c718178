"""`appliance restore`: a fresh data directory gets the backup with its keys; a damaged, cut
off or wrongly keyed backup is refused with nothing changed; a restore never brings back a
person erased or unsubscribed since the backup; and it refuses while `serve` runs."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from appliance import db, locks
from appliance.contacts import fields
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.privacy import erasure, reapply, retention_service, suppression
from tests.backup.conftest import backup, contact_names, fingerprint, run
from tests.privacy import world as w
from tests.serving import running_server


def manifest_of(path: Path) -> Path:
    return path.with_name(path.name.replace(".backup", ".manifest.json"))


def restore(path, data_dir, *extra, input=None):
    return run("restore", path, "--data-dir", data_dir, *extra, input=input)


def _address_hash(data_dir, address):
    return suppression.address_hash(load_keys(data_dir).hasher(), fields.email(address))


def test_into_a_fresh_data_dir_with_the_backups_keys(populated, key_file, tmp_path):
    path = backup(populated.data_dir, key_file)
    fresh = tmp_path / "elsewhere" / "data"
    r = restore(path, fresh, "--key-file", key_file)
    assert r.exit_code == 0, r.output
    assert "the backup's keys" in r.output
    assert load_keys(fresh) == load_keys(populated.data_dir)
    assert oct(fresh.stat().st_mode & 0o777) == "0o700"
    assert oct(db.db_path(fresh).stat().st_mode & 0o777) == "0o600"
    assert contact_names(fresh) == ["Els", "Jan", "Sam"]
    assert run("--data-dir", fresh, "check").exit_code == 0
    assert [p.name for p in fresh.iterdir() if p.name.startswith(".restore-")] == []


def _refused(path, target, *extra, match, input=None):
    before = fingerprint(target) if target.exists() else None
    r = restore(path, target, *extra, input=input)
    assert r.exit_code != 0 and "restore refused" in r.output, r.output
    assert match in r.output, r.output
    after = fingerprint(target) if target.exists() else None
    assert before == after


def test_a_wrong_key_or_passphrase_is_refused_and_changes_nothing(
    populated, key_file, tmp_path, fast_scrypt
):
    out = tmp_path / "pp"
    r = run(
        "--data-dir",
        populated.data_dir,
        "backup",
        "--out",
        out,
        "--passphrase-stdin",
        input="een lange geheime zin voor tests\n",
    )
    assert r.exit_code == 0, r.output
    path = next(out.glob("*.backup"))
    for target in (tmp_path / "fresh", populated.data_dir):
        _refused(
            path,
            target,
            "--passphrase-stdin",
            input="een andere zin van lengte\n",
            match="wrong passphrase",
        )
        _refused(path, target, "--key-file", key_file, match="--passphrase-stdin")
    ok = restore(
        path, tmp_path / "fresh", "--passphrase-stdin", input="een lange geheime zin voor tests\n"
    )
    assert ok.exit_code == 0, ok.output


def _rewrite_manifest(path: Path, **changes) -> None:
    manifest = json.loads(manifest_of(path).read_text())
    manifest.update(changes)
    manifest_of(path).write_text(json.dumps(manifest))


def _with_matching_checksum(path: Path) -> None:
    data = path.read_bytes()
    _rewrite_manifest(
        path, encrypted_sha256=hashlib.sha256(data).hexdigest(), encrypted_bytes=len(data)
    )


@pytest.mark.parametrize("target_kind", ["fresh", "existing"])
def test_a_damaged_cut_off_or_mislabelled_backup_is_refused(
    populated, key_file, tmp_path, target_kind
):
    target = tmp_path / "fresh" if target_kind == "fresh" else populated.data_dir
    original = backup(populated.data_dir, key_file)
    pristine, pristine_manifest = original.read_bytes(), manifest_of(original).read_text()

    def reset():
        original.write_bytes(pristine)
        manifest_of(original).write_text(pristine_manifest)

    flipped = bytearray(pristine)
    flipped[len(flipped) // 2] ^= 0x01
    original.write_bytes(bytes(flipped))
    _refused(original, target, "--key-file", key_file, match="checksum")
    _with_matching_checksum(original)  # a forger who also fixes the checksum
    _refused(original, target, "--key-file", key_file, match="does not authenticate")

    reset()
    original.write_bytes(pristine[: len(pristine) - 1000])
    _refused(original, target, "--key-file", key_file, match="size")
    _with_matching_checksum(original)
    _refused(original, target, "--key-file", key_file, match="does not authenticate")

    reset()
    _rewrite_manifest(original, encrypted_sha256="0" * 64)
    _refused(original, target, "--key-file", key_file, match="checksum")

    reset()
    manifest = json.loads(pristine_manifest)
    _rewrite_manifest(original, counts={**manifest["counts"], "contacts": 99})
    _refused(original, target, "--key-file", key_file, match="does not match the one inside")

    reset()
    _rewrite_manifest(original, migrations=[*manifest["migrations"], "0999_from_the_future"])
    _refused(original, target, "--key-file", key_file, match="newer version")

    manifest_of(original).unlink()
    _refused(original, target, "--key-file", key_file, match="manifest.json is missing")


def test_nobody_erased_or_unsubscribed_since_the_backup_comes_back(populated, key_file, conn):
    data_dir = populated.data_dir
    path = backup(data_dir, key_file)
    jan, els = _address_hash(data_dir, "jan@example.nl"), _address_hash(data_dir, "els@example.nl")
    (jan_id,) = [r[0] for r in conn.execute("SELECT id FROM contacts WHERE email_hash = ?", (jan,))]
    with transaction(conn):
        suppression.add(conn, [els], "unsubscribe")
        erasure.erase_contacts(conn, [jan_id], person=True, hasher=load_keys(data_dir).hasher())
        erasure.remember(conn, [("email", jan)])
    conn.close()

    r = restore(path, data_dir, "--key-file", key_file)
    assert r.exit_code == 0, r.output
    assert "1 unsubscribes added, 1 people erased again" in r.output
    assert contact_names(data_dir) == ["Els", "Sam"]
    again = db.connect(db.db_path(data_dir))
    try:
        assert suppression.suppressed(again, [els, jan]) == {els}
        assert again.execute("SELECT count(*) FROM privacy_erasures").fetchone()[0] == 1
        entry = again.execute(
            "SELECT details FROM audit_log WHERE action = 'backup.restored'"
        ).fetchone()
        assert json.loads(entry[0])["erased_again"] == 1
        assert "example.nl" not in entry[0]
    finally:
        again.close()
    # An import of the old list again skips the unsubscribed address.
    imported = run(
        "--data-dir",
        data_dir,
        "import-contacts",
        "-",
        "--list",
        "Klanten 2026",
        "--basis",
        "consent",
        input="email\nels@example.nl\nnieuw@example.nl\n",
    )
    assert imported.exit_code == 0 and "suppressed: 1" in imported.output.replace("  ", " ")


def test_a_data_dir_with_unrelated_keys_and_an_unsubscribe_list_is_refused(
    populated, key_file, tmp_path
):
    path = backup(populated.data_dir, key_file)
    other = tmp_path / "other"
    assert run("--data-dir", other, "init", "--no-setup-code").exit_code == 0
    conn = db.connect(db.db_path(other))
    with transaction(conn):
        suppression.add(conn, [_address_hash(other, "iemand@example.nl")], "staff")
    conn.close()
    _refused(path, other, "--key-file", key_file, match="not those of the backup's appliance")


def test_a_restore_is_refused_while_serve_holds_the_data_dir(populated, key_file):
    path = backup(populated.data_dir, key_file)
    fd = locks.serving(populated.data_dir)
    try:
        _refused(path, populated.data_dir, "--key-file", key_file, match="stop it first")
    finally:
        os.close(fd)
    assert restore(path, populated.data_dir, "--key-file", key_file).exit_code == 0


def test_the_real_serve_holds_the_lock(tmp_path, key_file):
    with running_server(tmp_path) as server:
        path = backup(server.data_dir, key_file)
        r = restore(path, server.data_dir, "--key-file", key_file)
        assert r.exit_code != 0 and "appliance serve" in r.output


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
