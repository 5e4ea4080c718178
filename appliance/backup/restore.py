"""``appliance restore``: put a backup back, without bringing back what was erased since.

Nothing in the data directory changes until the backup has passed every check: the manifest's
checksum, authentication of every chunk, the snapshot's own checksum, ``PRAGMA
integrity_check``, and that the key files inside match the sealed values. Then, on the decrypted
copy beside the database:

1. the unsubscribe list and erasure ledger of the database being replaced are carried over;
2. keys: a fresh data directory gets the backup's key files; one whose keys were rotated since
   the backup keeps its keys and the copy is brought forward to them (re-sealed and re-hashed,
   as ``rotate-keys`` does), so the carried hashes match;
3. migrations run, ``privacy.retention_service.after_restore`` merges the carried lists, erases
   people erased since the backup and applies retention as of today, the file is compacted and
   ``backup.restored`` is written to its audit log (the writes are ``backup.service``'s);
4. the copy replaces the database in one rename (stale ``-wal``/``-shm`` removed first).

Refused while ``serve`` runs on the data directory (its lock) and during a key rotation. An
interrupted restore leaves the old database in place (or, in the short moment after new key
files went in, is completed by running the same restore again).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from appliance import db, keys, locks, schema
from appliance.backup import archive, rotation, sealed, service, store
from appliance.backup.stream import BackupError
from appliance.crypto import FieldCipher, KeyedHasher, key_id
from appliance.migrations import NAMES
from appliance.privacy import erasure, reapply, retention_service
from appliance.responses import upgrade_service


@dataclass
class Restored:
    name: str
    created_at: str
    counts: dict[str, int]
    keys: str
    brought_forward: dict[str, int] = field(default_factory=dict)
    migrations: list[str] = field(default_factory=list)
    reapplied: dict[str, int] = field(default_factory=dict)
    compacted: bool = False


@dataclass
class _Plan:
    adopt: bool  # the backup's key files replace the data directory's
    note: str
    carried: reapply.Carried
    forward: dict[str, Any] = field(default_factory=dict)  # arguments for sealed.rewrite


def restore(
    backup_path: str | Path,
    settings: Mapping[str, Any],
    *,
    key_file: str | None = None,
    passphrase: str | None = None,
    now: datetime | None = None,
) -> Restored:
    data_dir = Path(settings["data_dir"])
    backup, manifest_path = archive.locate(backup_path)
    manifest = archive.load_manifest(manifest_path)
    unknown = set(manifest.get("migrations", [])) - set(NAMES)
    if unknown:
        raise BackupError("the backup was made by a newer version of the appliance; upgrade first")
    archive.check_file(backup, manifest)
    key = archive.header_of(backup).key(settings, key_file, passphrase)
    created = not data_dir.exists()
    if created:
        data_dir.mkdir(mode=0o700, parents=True)
    try:
        with locks.not_serving(data_dir), locks.rotating(data_dir):
            if rotation.unfinished(data_dir):
                raise BackupError(rotation.unfinished_message(data_dir, holding_lock=True))
            work = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
            try:
                archive.unpack(backup, key, manifest, work)
                backup_keys = _verified(work)
                return _put_in_place(work, backup_keys, data_dir, settings, manifest, now)
            finally:
                shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        if created:
            shutil.rmtree(data_dir, ignore_errors=True)
        raise


def _verified(work: Path) -> keys.Keys:
    """Integrity of the decrypted database, and its key files match its sealed values."""
    try:
        backup_keys = keys.load(work)
    except keys.KeyFileError:
        raise BackupError("the key files in the backup are incomplete") from None
    conn = sqlite3.connect(work / archive.DB_MEMBER)
    try:
        result = store.integrity_check(conn)
        if result != ["ok"]:
            raise BackupError(f"the database in the backup fails its integrity check: {result[0]}")
        sample = sealed.sample_key_id(conn)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"the database in the backup cannot be read: {exc}") from None
    finally:
        conn.close()
    if sample is not None and sample != key_id(backup_keys.field):
        raise BackupError("the key files in the backup do not match its database")
    return backup_keys


def _plan(backup_keys: keys.Keys, current: keys.Keys | None, carried: reapply.Carried) -> _Plan:
    if current is None:
        return _Plan(True, "the backup's keys (new data directory)", carried)
    b, c = backup_keys.hash_chain, current.hash_chain
    related = (backup_keys.session, backup_keys.audit) == (current.session, current.audit)
    if related and backup_keys.field == current.field and b == c:
        return _Plan(False, "the data directory's keys (the same as the backup's)", carried)
    if related and c[: len(b)] == b:
        forward = {"hasher": current.hasher(), "since": len(b)}
        if backup_keys.field != current.field:
            forward |= {
                "old_cipher": FieldCipher(backup_keys.field),
                "new_cipher": FieldCipher(current.field),
            }
        note = "the data directory's keys (rotated since the backup: the database was brought "
        return _Plan(False, note + "forward to them)", carried, forward)
    if related and b[: len(c)] == c:
        chain = KeyedHasher(b)
        moved = reapply.Carried(
            [(chain.forward(h, len(c)), at, src) for h, at, src in carried.suppressions],
            [(kind, chain.forward(h, len(c)), at) for kind, h, at in carried.erasures],
        )
        return _Plan(True, "the backup's keys (newer than the data directory's)", moved)
    if not carried.suppressions and not carried.erasures:
        return _Plan(
            True, "the backup's keys (the data directory's held nothing to carry)", carried
        )
    raise BackupError(
        "the data directory's keys are not those of the backup's appliance, and its database "
        "holds an unsubscribe list or erasures that could not be carried over; restore into a "
        "fresh data directory instead"
    )


def _carry(data_dir: Path) -> tuple[reapply.Carried, keys.Keys | None]:
    live = db.db_path(data_dir)
    if not live.exists():
        return reapply.Carried(), None
    conn = db.connect(live)
    try:
        carried = reapply.carry(conn)
        store.checkpoint(conn)
    finally:
        conn.close()
    try:
        return carried, keys.load(data_dir)
    except keys.KeyFileError:
        return carried, None


def _put_in_place(
    work: Path,
    backup_keys: keys.Keys,
    data_dir: Path,
    settings: Mapping[str, Any],
    manifest: Mapping[str, Any],
    now: datetime | None,
) -> Restored:
    carried, current = _carry(data_dir)
    plan = _plan(backup_keys, current, carried)
    done = Restored(manifest["name"], manifest["created_at"], manifest["counts"], plan.note)
    copy = work / archive.DB_MEMBER
    conn = db.connect(copy)
    try:
        if plan.forward:
            done.brought_forward = service.bring_forward(conn, plan.forward)
        done.migrations = schema.migrate(conn)
        upgrade_service.after_migrations(conn, settings)
        with _keys_in_place(data_dir, work, plan.adopt):
            done.reapplied = retention_service.after_restore(conn, settings, plan.carried, now=now)
            erased = sum(v for k, v in done.reapplied.items() if k != "suppressions_added")
            done.compacted = erasure.compact(conn, erased)
            service.record_restored(conn, done, plan.adopt)
            store.checkpoint(conn)
            conn.close()
            _swap(copy, db.db_path(data_dir))
    finally:
        conn.close()
    return done


@contextmanager
def _keys_in_place(data_dir: Path, work: Path, adopt: bool) -> Iterator[None]:
    """Install the backup's key files when the plan says so; put the old ones back if what
    follows fails."""
    if not adopt:
        yield
        return
    live, aside = data_dir / keys.KEYS_DIR, work / "keys-before"
    if live.exists():
        os.rename(live, aside)
    os.rename(work / keys.KEYS_DIR, live)
    os.chmod(live, 0o700)
    keys.sync_dir(data_dir)
    try:
        yield
    except BaseException:
        os.rename(live, work / "keys-restored")
        if aside.exists():
            os.rename(aside, live)
        raise


def _swap(copy: Path, live: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{live}{suffix}").unlink(missing_ok=True)
    os.chmod(copy, 0o600)
    os.replace(copy, live)
    keys.sync_dir(live.parent)
