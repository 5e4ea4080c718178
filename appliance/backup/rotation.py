"""``appliance rotate-keys``: a new field key and one more key in the hash chain.

Crash-safe in three steps, each of which leaves a state that :func:`settle` (``rotate-keys
--resume``, and every ``rotate-keys``) completes or rolls back:

1. the new keys are written as pending files (``field.key.pending``, ``hash.N.key.pending``);
2. one write transaction re-seals every sealed column, wraps every stored keyed hash once more
   (``appliance.backup.sealed``) and records ``keys.rotated`` with the new key ids;
3. the pending files replace the old field key and join the hash chain.

Whether step 2 committed is read from the database itself
(:func:`appliance.keys.rotation_committed`): the audit entry naming the pending keys' ids,
cross-checked against the key id in the sealed values. Committed: the files are switched; not
committed: the pending files are removed and nothing else changed. Refusals and undone rotations
raise :class:`appliance.keys.RotationError`.

A running ``serve`` keeps working: its :class:`appliance.keys.KeyRing` sees the pending files and
waits for the rotation to end (this module holds ``rotation.lock`` throughout), then reads the
new keys. The rotation first waits ``drain_seconds`` so requests that read the old keys just
before finish, and holds the mail sender's lock, so no mailing builds links while it runs.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from appliance import db, keys, locks
from appliance.backup import service, store
from appliance.crypto import KeyedHasher, key_id, new_key

MAIL_WAIT_SECONDS = 120.0
CACHE_KIB = 64 * 1024


def unfinished_message(data_dir: str | Path, *, holding_lock: bool = False) -> str:
    if not holding_lock and keys.rotation_running(data_dir):
        return "a key rotation is running; try again when it has finished"
    return (
        f"an unfinished key rotation (pending key files in {Path(data_dir) / keys.KEYS_DIR}); "
        "run `appliance rotate-keys --resume`"
    )


@dataclass
class Result:
    field_key_id: str = ""
    hash_generation: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    settled: str = ""  # what happened to an earlier unfinished rotation, if any


def unfinished(data_dir: str | Path) -> bool:
    return bool(keys.pending_files(data_dir))


def settle(data_dir: str | Path) -> str:
    """Complete or roll back an unfinished rotation (the caller holds the rotation lock).
    Returns "completed", "rolled back" or "" when there was nothing to do."""
    pending = keys.pending_rotation(data_dir)
    if pending is None:
        return ""
    committed = keys.rotation_committed(data_dir, pending)
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
    """Step 2: rewrite the database in one transaction, with the audit entry that marks it
    (:func:`appliance.backup.service.rewrite_keys`; RotationError while an import writes)."""
    started = time.monotonic()
    hasher = KeyedHasher((*current.hash_chain, new_hash))
    # Every contact row and index entry changes: keep the dirty pages in memory until COMMIT.
    store.set_cache_size(conn, CACHE_KIB)
    done = service.rewrite_keys(conn, current, new_field, new_hash, hasher)
    result = Result(key_id(new_field).hex(), hasher.generation, done.as_dict())
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
                data_dir / locks.MAIL_SENDER_LOCK,
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
