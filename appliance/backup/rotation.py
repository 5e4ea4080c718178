"""``appliance rotate-keys``: a new field key and one more key in the hash chain.

Crash-safe in three steps, each of which leaves a state that :func:`settle` (``rotate-keys
--resume``, and every ``rotate-keys``) completes or rolls back:

1. the new keys are written as pending files (``field.key.pending``, ``hash.N.key.pending``);
2. one write transaction re-seals every sealed column, wraps every stored keyed hash once more
   (``appliance.backup.sealed``) and records ``keys.rotated`` with the new key ids;
3. the pending files replace the old field key and join the hash chain.

Whether step 2 committed is read from the database itself: the audit entry naming the pending
keys' ids, cross-checked against the key id in the sealed values. Committed: the files are
switched; not committed: the pending files are removed and nothing else changed.

A running ``serve`` keeps working: its :class:`appliance.keys.KeyRing` sees the pending files and
waits for the rotation to end (this module holds ``rotation.lock`` throughout), then reads the
new keys. The rotation first waits ``drain_seconds`` so requests that read the old keys just
before finish, and holds the mail sender's lock, so no mailing builds links while it runs.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from appliance import audit, db, keys
from appliance.backup import locks, sealed, store
from appliance.contacts.importer import STALE_SECONDS
from appliance.crypto import FieldCipher, KeyedHasher, key_id, new_key
from appliance.db import transaction
from appliance.mailing.jobs import LOCK as MAIL_LOCK

MAIL_WAIT_SECONDS = 120.0
CACHE_KIB = 64 * 1024


def unfinished_message(data_dir: str | Path, *, holding_lock: bool = False) -> str:
    if not holding_lock and keys.rotation_running(data_dir):
        return "a key rotation is running; try again when it has finished"
    return (
        f"an unfinished key rotation (pending key files in {Path(data_dir) / keys.KEYS_DIR}); "
        "run `appliance rotate-keys --resume`"
    )


class RotationError(Exception):
    """The rotation was refused or undone; nothing changed (the message says why)."""


@dataclass
class Result:
    field_key_id: str = ""
    hash_generation: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    settled: str = ""  # what happened to an earlier unfinished rotation, if any


@dataclass(frozen=True)
class Pending:
    field: Path | None
    hash: Path | None
    generation: int

    def final(self, path: Path) -> Path:
        return path.with_name(path.name.removesuffix(keys.PENDING))


def unfinished(data_dir: str | Path) -> bool:
    return bool(keys.pending_files(data_dir))


def _pending(data_dir: str | Path) -> Pending | None:
    files = keys.pending_files(data_dir)
    if not files:
        return None
    field_file = hash_file = None
    generation = 0
    for path in files:
        name = path.name.removesuffix(keys.PENDING)
        if name == "field.key":
            field_file = path
        elif name.startswith("hash.") and name.removeprefix("hash.").removesuffix(".key").isdigit():
            hash_file, generation = path, int(name.split(".")[1])
        else:
            raise RotationError(f"unexpected pending key file {path}")
    return Pending(field_file, hash_file, generation)


def _read(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return keys.read_key(path)
    except keys.KeyFileError:
        return None  # cut off while being written: step 2 cannot have run


def _committed(data_dir: str | Path, pending: Pending) -> bool:
    """Whether the database was rewritten for these pending keys (step 2 committed)."""
    new_field, new_hash = _read(pending.field), _read(pending.hash)
    if (pending.field and new_field is None) or (pending.hash and new_hash is None):
        return False
    conn = db.connect(db.db_path(data_dir))
    try:
        entries = [json.loads(d) for d in store.rotations(conn)]
        sample = sealed.sample_key_id(conn)
    finally:
        conn.close()
    committed = any(
        (new_field is None or e.get("field_key_id") == key_id(new_field).hex())
        and (new_hash is None or e.get("hash_key_id") == key_id(new_hash).hex())
        for e in entries
    )
    current_field = keys.read_key(keys.key_path(data_dir, "field"))
    expected = key_id(new_field) if (committed and new_field) else key_id(current_field)
    if sample is not None and sample != expected:
        raise RotationError(
            "the database and the key files disagree about the field key; keep the data "
            "directory as it is and restore the latest backup"
        )
    return committed


def effective_keys(data_dir: str | Path) -> keys.Keys:
    """The keys that match the database while a dead rotation's pending files are still there
    (for a running server; the files themselves are settled by ``rotate-keys --resume``)."""
    current = keys.load(data_dir)
    pending = _pending(data_dir)
    if pending is None or not _committed(data_dir, pending):
        return current
    new_field, new_hash = _read(pending.field), _read(pending.hash)
    return keys.Keys(
        field=new_field or current.field,
        hash=current.hash,
        session=current.session,
        audit=current.audit,
        hash_later=current.hash_later + ((new_hash,) if new_hash else ()),
        field_previous=(current.field,),
    )


def settle(data_dir: str | Path) -> str:
    """Complete or roll back an unfinished rotation (the caller holds the rotation lock).
    Returns "completed", "rolled back" or "" when there was nothing to do."""
    pending = _pending(data_dir)
    if pending is None:
        return ""
    committed = _committed(data_dir, pending)
    for path in (pending.hash, pending.field):
        if path is None:
            continue
        if committed:
            os.replace(path, pending.final(path))
        else:
            path.unlink()
    keys.sync_dir(Path(data_dir) / keys.KEYS_DIR)
    return "completed" if committed else "rolled back"


def resume(data_dir: str | Path) -> str:
    with locks.rotating(data_dir):
        return settle(data_dir)


def prepare(data_dir: str | Path, current: keys.Keys) -> tuple[bytes, bytes, int]:
    """Step 1: write the new keys as pending files. Returns (field key, hash key, generation)."""
    new_field, new_hash = new_key(), new_key()
    generation = len(current.hash_chain) + 1
    hash_file = keys.hash_path(data_dir, generation)
    keys.write_key_file(hash_file.with_name(hash_file.name + keys.PENDING), new_hash)
    field_file = keys.key_path(data_dir, "field")
    keys.write_key_file(field_file.with_name(field_file.name + keys.PENDING), new_field)
    keys.sync_dir(Path(data_dir) / keys.KEYS_DIR)
    return new_field, new_hash, generation


def commit(conn, current: keys.Keys, new_field: bytes, new_hash: bytes) -> Result:
    """Step 2: rewrite the database in one transaction, with the audit entry that marks it."""
    started = time.monotonic()
    hasher = KeyedHasher((*current.hash_chain, new_hash))
    # Every contact row and index entry changes: keep the dirty pages in memory until COMMIT.
    store.set_cache_size(conn, CACHE_KIB)
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
        result = Result(key_id(new_field).hex(), hasher.generation, done.as_dict())
        audit.record(
            conn,
            "keys.rotated",
            actor="cli",
            details={
                "field_key_id": result.field_key_id,
                "hash_key_id": key_id(new_hash).hex(),
                "hash_generation": result.hash_generation,
                **result.counts,
                "tables": done.per_table,
            },
        )
    result.seconds = round(time.monotonic() - started, 3)
    return result


def rotate(data_dir: str | Path, *, drain_seconds: float = 2.0) -> Result:
    """Rotate the field key and extend the hash chain (see the module docstring)."""
    data_dir = Path(data_dir)
    with locks.rotating(data_dir):
        settled = settle(data_dir)
        current = keys.load(data_dir)
        conn = db.connect(db.db_path(data_dir))
        try:
            with locks.held(
                data_dir / MAIL_LOCK,
                "mail is being sent and did not stop within two minutes; try again later",
                wait=MAIL_WAIT_SECONDS,
            ):
                new_field, new_hash, _generation = prepare(data_dir, current)
                try:
                    time.sleep(drain_seconds)
                    result = commit(conn, current, new_field, new_hash)
                except BaseException:
                    settle(data_dir)  # not committed: removes the pending files
                    raise
                settle(data_dir)  # committed: switches the files
        finally:
            conn.close()
    result.settled = settled
    return result
