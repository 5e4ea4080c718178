"""The backup area's writes to a database: each one transaction, with its audit entry.

:mod:`.jobs` (backups on demand and at night), :mod:`.restore` and :mod:`.rotation` keep the
mechanics (files, locks, the order of the steps) and call these for every write. Audit entries
hold names, sizes, counts and key ids: never a key, a passphrase or a path to a key file.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from appliance import audit, db
from appliance.backup import sealed, store
from appliance.contacts.import_service import STALE_SECONDS
from appliance.crypto import FieldCipher, KeyedHasher, key_id
from appliance.db import transaction
from appliance.keys import Keys, RotationError

if TYPE_CHECKING:
    from appliance.backup.restore import Restored


def record_backup(
    settings: Mapping[str, Any], action: str, actor: str, details: Mapping[str, Any]
) -> None:
    """Append ``action`` (``backup.written`` or ``backup.failed``) by ``actor`` ('cli' or
    'system') to the audit log of the data directory's database, on a connection of its own."""
    conn = db.connect(db.db_path(settings["data_dir"]))
    try:
        audit.record(conn, action, actor=actor, target="backup", details=details)
    finally:
        conn.close()


def bring_forward(conn: sqlite3.Connection, forward: Mapping[str, Any]) -> dict[str, int]:
    """On the decrypted copy of a backup: re-seal and re-hash under the data directory's newer
    keys (``forward``: the arguments of :func:`appliance.backup.sealed.rewrite`) in one
    transaction. Returns the counts per kind; raises (nothing written) on a value that does not
    verify."""
    with transaction(conn):
        return sealed.rewrite(conn, **forward).as_dict()


def record_restored(conn: sqlite3.Connection, done: Restored, adopted: bool) -> None:
    """Write ``backup.restored`` to the restored copy's own audit log: which backup, taken
    when, whose keys (``adopted``: the backup's), and what was brought forward, migrated and
    re-applied (counts)."""
    audit.record(
        conn,
        "backup.restored",
        actor="cli",
        target="backup",
        details={
            "name": done.name,
            "taken": done.created_at,
            "keys": "backup" if adopted else "kept",
            **{f"forward_{k}": v for k, v in done.brought_forward.items()},
            "migrations": len(done.migrations),
            **done.reapplied,
        },
    )


def rewrite_keys(
    conn: sqlite3.Connection,
    current: Keys,
    new_field: bytes,
    new_hash: bytes,
    hasher: KeyedHasher,
) -> sealed.Rewritten:
    """Step 2 of a key rotation: in one transaction, re-seal every sealed value from the
    current field key to ``new_field``, bring every keyed hash up to ``hasher``'s chain (the
    current one with ``new_hash``) and record ``keys.rotated`` with the new key ids, the entry
    that tells a later :func:`appliance.keys.rotation_committed` the step committed. Raises
    RotationError, with nothing written, while an import of contacts is writing."""
    with transaction(conn):
        if store.live_imports(conn, time.time() - STALE_SECONDS):
            raise RotationError("an import of contacts is running; rotate when it has finished")
        done = sealed.rewrite(
            conn,
            old_cipher=FieldCipher(current.field),
            new_cipher=FieldCipher(new_field),
            hasher=hasher,
            since=len(current.hash_chain),
        )
        audit.record(
            conn,
            "keys.rotated",
            actor="cli",
            details={
                "field_key_id": key_id(new_field).hex(),
                "hash_key_id": key_id(new_hash).hex(),
                "hash_generation": hasher.generation,
                **done.as_dict(),
                "tables": done.per_table,
            },
        )
    return done
