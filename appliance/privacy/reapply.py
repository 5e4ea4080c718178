"""What a restore must carry over from the database it replaces, and re-apply to the one it
brings back: a backup may predate unsubscribes, erasures on request and retention deadlines.

``appliance restore`` calls :func:`carry` on the database about to be replaced (if any), puts the
backup in place, then calls :func:`appliance.privacy.retention_service.after_restore` before
anything serves from it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from appliance.privacy import erasure, suppression_store


@dataclass(frozen=True)
class Carried:
    """Keyed hashes only: (hash, created_at, source) of the suppression list and (kind, hash,
    erased_at) of the erasure ledger. They must be hashes under the same hash-key chain as the
    restored database's."""

    suppressions: list[tuple[bytes, str, str]] = field(default_factory=list)
    erasures: list[tuple[str, bytes, str]] = field(default_factory=list)


def carry(conn: sqlite3.Connection) -> Carried:
    """What the database about to be replaced holds that the restored one must keep."""
    return Carried(suppression_store.entries(conn), erasure.erased_entries(conn))
