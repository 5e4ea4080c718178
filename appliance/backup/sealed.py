"""The one rewrite that moves a database from one set of keys to another (``rotate-keys``, and
a restore into a data directory whose keys were rotated after the backup was taken).

It rewrites exactly the key-dependent columns the registry of the planes lists
(``appliance.planes``: ``SEALED``, ``HASHED``, ``SEEDS``); a new column sealed with
``FieldCipher`` or holding a ``KeyedHasher`` digest is listed there, and
``tests/backup/test_sealed_columns.py`` walks the schema and fails on a BLOB column that is in
none of its lists. The statements themselves are in :mod:`appliance.backup.store`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from appliance.backup import store
from appliance.crypto import FieldCipher, KeyedHasher, tag_seed
from appliance.planes import HASHED, SEALED, SEEDS


@dataclass
class Rewritten:
    """What a rewrite changed, per kind (counts only)."""

    fields: int = 0
    hashes: int = 0
    seeds: int = 0
    per_table: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {"fields": self.fields, "hashes": self.hashes, "seeds": self.seeds}


def rewrite(
    conn: sqlite3.Connection,
    *,
    old_cipher: FieldCipher | None = None,
    new_cipher: FieldCipher | None = None,
    hasher: KeyedHasher | None = None,
    since: int = 0,
) -> Rewritten:
    """Inside the caller's write transaction: re-seal every sealed value from ``old_cipher``
    to ``new_cipher`` (same AAD; values already under the new key are left), and bring every
    keyed hash made under the first ``since`` keys of ``hasher``'s chain up to the whole chain.
    Untagged seeds are tagged with generation ``since`` first. Raises DecryptionError (and the
    caller rolls back) on a value that does not verify."""
    done = Rewritten()
    present = store.tables(conn)
    functions: dict[str, tuple[int, _Counted]] = {}
    # Per table, in order: (column, SQL function, further argument expressions).
    sets: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    if old_cipher is not None and new_cipher is not None:
        for spec in SEALED:
            for column in spec.columns if spec.table in present else ():
                name = f"_appliance_reseal_{len(functions)}"
                functions[name] = (2, _Counted(new_cipher.resealer(old_cipher, spec.table, column)))
                sets.setdefault(spec.table, []).append((column, name, (spec.row_id,)))
    forward = _Counted(hasher.forwarder(since)) if hasher and hasher.generation > since else None
    if forward is not None:
        functions["_appliance_forward"] = (1, forward)
        for table, column in HASHED:
            if table in present:
                sets.setdefault(table, []).append((column, "_appliance_forward", ()))
    for name, (arity, function) in functions.items():
        conn.create_function(name, arity, function)
    conn.create_function("_appliance_tag", 1, lambda seed: tag_seed(seed, since))
    try:
        for table, column, size in SEEDS if forward is not None else ():
            if table in present:
                done.seeds += store.tag_seeds(conn, table, column, size, "_appliance_tag")
        for table, calls in sets.items():
            before = sum(f.calls for _, f in functions.values())
            store.rewrite_columns(conn, table, calls)
            done.per_table[table] = sum(f.calls for _, f in functions.values()) - before
    finally:
        for name, (arity, _function) in functions.items():
            conn.create_function(name, arity, None)
        conn.create_function("_appliance_tag", 1, None)
    done.hashes = forward.calls if forward is not None else 0
    done.fields = sum(f.calls for _, f in functions.values()) - done.hashes
    return done


class _Counted:
    """A function that counts its calls."""

    def __init__(self, function: Callable):
        self.function, self.calls = function, 0

    def __call__(self, *args):
        self.calls += 1
        return self.function(*args)


def sample_key_id(conn: sqlite3.Connection) -> bytes | None:
    """The key id of some sealed value in the database (None when nothing is sealed)."""
    present = store.tables(conn)
    for spec in SEALED:
        if spec.table not in present:
            continue
        for column in spec.columns:
            found = store.key_id_sample(conn, spec.table, column)
            if found is not None:
                return found
    return None
