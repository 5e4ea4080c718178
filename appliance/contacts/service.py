"""Staff operations on the identity plane that the pages and the console share: each writes in
one transaction together with its audit entry.

The import itself runs in :mod:`appliance.contacts.import_service` (start, rows in chunks, finish
or abandon); this module holds the smaller steps, and what is done with a batch afterwards: undo,
and its rejected rows for staff to fix.

Reads of lists, batches, presets and a contact's fields pass through here as plain calls of the
store, so views never depend on SQL.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence

from appliance.auth.service import Actor
from appliance.contacts import store
from appliance.crypto import FieldCipher, KeyedHasher
from appliance.db import transaction
from appliance.i18n import N_
from appliance.keys import Keys
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


def undo(conn: sqlite3.Connection, actor: Actor, import_id: int) -> int:
    """Remove the contacts a finished batch added or updated; refused once the batch was used
    for a mailing. Returns how many contacts were removed."""
    with transaction(conn):
        batch = store.get_import(conn, import_id)
        if batch is None or batch["status"] != "done":
            raise ValueError(N_("only a finished import can be undone"))
        if batch["used_in_mailing"]:
            raise ValueError(N_("this import was used for a mailing and cannot be undone"))
        removed = store.undo_import(conn, import_id)
        actor.log(
            conn,
            "contacts.import_undone",
            f"import:{import_id}",
            list=batch["list_id"],
            removed=removed,
        )
    return removed


def rejects_csv(
    conn: sqlite3.Connection,
    keys: Keys,
    import_id: int,
    translate: Callable[[str], str] = lambda msgid: msgid,
) -> Iterator[list[str]]:
    """The invalid rows of a batch, for staff to fix, one at a time: row number, reason, then
    the row's mapped cells. Only a finished batch has any (others are removed with it).

    A reason is stored as its msgid (a stable code, English); ``translate`` gives it, and the
    two column names, in the reader's language."""
    cipher = keys.cipher()
    fixed = [translate(N_("row")), translate(N_("reason"))]
    headers: list[str] | None = None
    for row in store.rejects(conn, import_id):
        number = row["row_number"]
        cells = json.loads(
            cipher.decrypt(row["row_data"], "import_rejects", "row_data", f"{import_id}:{number}")
        )
        if headers is None:
            headers = list(cells)
            yield [*fixed, *headers]
        yield [str(number), translate(row["reason"]), *(cells.get(h, "") for h in headers)]
    if headers is None:
        yield fixed


# ---- reads: plain calls of the store, so views never depend on its SQL ----------------------


def lists_with_counts(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Every contact list by name, with its count of contacts from finished imports."""
    return store.lists_with_counts(conn)


def list_by_name(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    """The list called ``name`` (case-insensitive, trimmed), or None."""
    return store.list_by_name(conn, name)


def get_list(conn: sqlite3.Connection, list_id: int) -> sqlite3.Row | None:
    """The contact list ``list_id``, or None."""
    return store.get_list(conn, list_id)


def get_import(conn: sqlite3.Connection, import_id: int) -> sqlite3.Row | None:
    """The import batch ``import_id`` (status, counts, message), or None."""
    return store.get_import(conn, import_id)


def recent_imports(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """The latest import batches, newest first, each with its list's name (``list_name``)."""
    return store.recent_imports(conn)


def dropped_columns(batch: sqlite3.Row) -> list[str]:
    """The headers of the columns an import batch left out (not stored)."""
    return store.dropped_columns(batch)


def presets(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """The saved column mappings by name: each a header to target field mapping."""
    return store.presets(conn)


def contact_fields(
    conn: sqlite3.Connection, cipher: FieldCipher, contact_id: int, names: Sequence[str]
) -> dict[str, str]:
    """The contact's fields ``names`` that are set, opened ({} once the contact is erased).
    Staff only: this is the identity plane."""
    return store.contact_fields(conn, cipher, contact_id, names)


def first_list_id(conn: sqlite3.Connection) -> int | None:
    """The id of the list shown first (by name, as in :func:`lists_with_counts`), or None."""
    return store.first_list_id(conn)


def nth_with_address(conn: sqlite3.Connection, list_id: int, n: int) -> sqlite3.Row | None:
    """The ``n``-th (from 0) visible contact of a list that has an e-mail address, or None:
    whom a mail preview is made for. Staff only: this is the identity plane."""
    return store.nth_with_address(conn, list_id, n)


# The counters an import batch keeps (its row's columns), named here so views need no store.
IMPORT_COUNTS = store.COUNTS
