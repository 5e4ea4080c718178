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
from appliance.auth.accounts import Actor
from appliance.privacy import erasure, retention

RESTORE = Actor(None, "restore")


@dataclass(frozen=True)
class Carried:
    """Keyed hashes only: (hash, created_at, source) of the suppression list and (kind, hash,
    erased_at) of the erasure ledger. They must be hashes under the same hash-key chain as the
    restored database's."""

    suppressions: list[tuple[bytes, str, str]] = field(default_factory=list)
    erasures: list[tuple[str, bytes, str]] = field(default_factory=list)


def carry(conn: sqlite3.Connection) -> Carried:
    suppressions = [
        (bytes(r[0]), r[1], r[2])
        for r in conn.execute("SELECT email_hash, created_at, source FROM suppressions")
    ]
    return Carried(suppressions, erasure.erased_entries(conn))


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
        before = conn.execute("SELECT count(*) FROM suppressions").fetchone()[0]
        conn.executemany(
            "INSERT OR IGNORE INTO suppressions (email_hash, created_at, source) VALUES (?, ?, ?)",
            carried.suppressions,
        )
        after = conn.execute("SELECT count(*) FROM suppressions").fetchone()[0]
        # The later erasure counts: someone imported between two erasures must go again.
        conn.executemany(
            "INSERT INTO privacy_erasures (kind, digest, erased_at) VALUES (?, ?, ?)"
            " ON CONFLICT (kind, digest)"
            " DO UPDATE SET erased_at = max(erased_at, excluded.erased_at)",
            carried.erasures,
        )
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
