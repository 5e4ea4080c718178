"""Staff operations on the identity plane that the pages and the console share: each writes in
one transaction together with its audit entry.

The import itself runs in :mod:`appliance.contacts.importer` (start, rows in chunks, finish or
abandon) and undo in :mod:`appliance.contacts.batches`; this module holds the smaller steps.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from appliance.auth.service import Actor
from appliance.contacts import store
from appliance.crypto import KeyedHasher
from appliance.db import transaction
from appliance.privacy import suppression


def save_preset(
    conn: sqlite3.Connection, name: str, headers: Sequence[str], targets: Sequence[str]
) -> None:
    """Store a column mapping under ``name``, replacing a preset of that name."""
    with transaction(conn):
        store.save_preset(conn, name, headers, targets)


def request_cancel(conn: sqlite3.Connection, actor: Actor, import_id: int) -> bool:
    """Ask a running import to stop (it stops at its next batch and leaves nothing behind);
    audited. False, with nothing written, when the import is no longer running."""
    with transaction(conn):
        asked = store.request_cancel(conn, import_id)
        if asked:
            actor.log(conn, "contacts.import_cancel_requested", f"import:{import_id}")
    return asked


def rejects_downloaded(conn: sqlite3.Connection, actor: Actor, import_id: int, rows: int) -> None:
    """Audit that staff took the rejected rows of a batch (personal data) out of the appliance."""
    actor.log(conn, "contacts.rejects_downloaded", f"import:{import_id}", rows=rows)


def add_suppressions(
    conn: sqlite3.Connection,
    actor: Actor,
    hasher: KeyedHasher,
    addresses: Iterable[str],
    source: str,
) -> tuple[int, int, int]:
    """Put addresses on the unsubscribe list (as keyed hashes) in one transaction with its audit
    entry; returns (added, already listed, invalid)."""
    with transaction(conn):
        added, already, invalid = suppression.add_addresses(conn, hasher, addresses, source)
        actor.log(conn, "suppression.added", "suppressions", added=added, invalid=invalid)
    return added, already, invalid
