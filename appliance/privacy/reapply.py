"""What a restore must carry over from the database it replaces, and re-apply to the one it
brings back: a backup may predate unsubscribes, erasures on request and retention deadlines.

``appliance restore`` calls :func:`carry` on the database about to be replaced (if any), puts the
backup in place, then calls :func:`after_restore` before anything serves from it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from appliance import keys
from appliance.auth.service import Actor
from appliance.privacy import erasure, erasure_store, retention, suppression_store

RESTORE = Actor(None, "restore")


@dataclass(frozen=True)
class Carried:
    """Keyed hashes only: (hash, created_at, source) of the suppression list and (kind, hash,
    erased_at) of the erasure ledger. They must be hashes under the same hash-key chain as the
    restored database's."""

    suppressions: list[tuple[bytes, str, str]] = field(default_factory=list)
    erasures: list[tuple[str, bytes, str]] = field(default_factory=list)


def carry(conn: sqlite3.Connection) -> Carried:
    return Carried(suppression_store.entries(conn), erasure.erased_entries(conn))


def after_restore(
    conn: sqlite3.Connection,
    settings: Mapping[str, Any],
    carried: Carried,
    *,
    now: datetime | None = None,
) -> dict[str, int]:
    """Merge the carried suppression list and erasure ledger, erase the people in the ledger
    again, then run retention as of ``now``. Returns counts; the caller compacts and logs."""
    from appliance.db import transaction

    with transaction(conn):
        before = suppression_store.count(conn)
        suppression_store.insert(conn, carried.suppressions)
        after = suppression_store.count(conn)
        # The later erasure counts: someone imported between two erasures must go again.
        erasure_store.merge_erasures(conn, carried.erasures)
        restored_keys = keys.load(settings["data_dir"])
        people = set(erasure.contacts_erased_since_import(conn))
        people |= set(
            erasure.contacts_erased_by_phone(conn, restored_keys.cipher(), restored_keys.hasher())
        )
        again = erasure.erase_contacts(
            conn, sorted(people), person=True, hasher=restored_keys.hasher()
        )
    receipt = retention.apply(conn, settings, now=now, actor=RESTORE, compact=False)
    return {
        "suppressions_added": after - before,
        "erased_again": again["contacts"],
        **{f"retention_{k}": v for k, v in receipt.counts.items()},
    }
