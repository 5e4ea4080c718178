"""Physical erasure of identity-plane rows: the one place that deletes contacts.

Used by the retention engine (contacts past their term), by data-subject requests (one person,
with everything that points at them) and after a restore (people erased since the backup was
taken). Every function joins the caller's transaction and returns counts per kind; none logs an
address. Deleted rows are overwritten in place because every connection runs with
``secure_delete`` on (``appliance.db``); :func:`compact` also clears the write-ahead log and
rebuilds the file so no freed page keeps old content.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence

from appliance.contacts import fields
from appliance.db import iso, utcnow

# Phone numbers are hashed under this domain in the ledger (as the look-up does).
PHONE_DOMAIN = "phone"
# The parameter limit of SQLite is 32,766; stay well below it.
_CHUNK = 5_000
# Above this many erased rows in one run the database file is rebuilt (VACUUM).
LARGE_PURGE = 1_000


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def _delete_in(conn: sqlite3.Connection, sql: str, ids: Sequence[int]) -> int:
    """Run ``sql`` (with one ``{marks}`` placeholder list) over ``ids`` in chunks."""
    total = 0
    for part in _chunks(list(ids)):
        marks = ",".join("?" * len(part))
        # Each ``{marks}`` in the statement takes the chunk once.
        params = tuple(part) * sql.count("{marks}")
        total += conn.execute(sql.format(marks=marks), params).rowcount
    return total


def erase_contacts(
    conn: sqlite3.Connection, contact_ids: Sequence[int], *, person: bool = False
) -> dict[str, int]:
    """Delete contact rows. Invitations keep their survey and token but lose the contact
    (``ON DELETE SET NULL``); delivery errors of their messages, which may quote the address,
    are blanked.

    ``person``: an erasure on request also removes the person's invitations (and so their
    outbox rows), their requests to be contacted and the links of non-anonymous responses to
    them. The anonymous responses themselves stay: nothing in them points at the person."""
    counts = {
        "contacts": 0,
        "invitations": 0,
        "contact_requests": 0,
        "response_links": 0,
        "names": 0,
    }
    if not contact_ids:
        return counts
    _delete_in(
        conn,
        "UPDATE outbox SET error = '' WHERE error != '' AND invitation_id IN"
        " (SELECT id FROM invitations WHERE contact_id IN ({marks}))",
        contact_ids,
    )
    if person:
        # Names typed into responses that are linked to the person (a non-anonymous survey, or
        # "contact me") are theirs too; the answers stay, unlinked, like every other response.
        counts["names"] = _delete_in(
            conn,
            "DELETE FROM name_answers WHERE response_id IN"
            " (SELECT response_id FROM response_contacts WHERE contact_id IN ({marks})"
            "  UNION SELECT response_id FROM contact_requests WHERE contact_id IN ({marks}))",
            contact_ids,
        )
        counts["contact_requests"] = _delete_in(
            conn, "DELETE FROM contact_requests WHERE contact_id IN ({marks})", contact_ids
        )
        counts["response_links"] = _delete_in(
            conn, "DELETE FROM response_contacts WHERE contact_id IN ({marks})", contact_ids
        )
        counts["invitations"] = _delete_in(
            conn, "DELETE FROM invitations WHERE contact_id IN ({marks})", contact_ids
        )
    # Rows that replaced an erased contact keep their own data but not the pointer.
    _delete_in(
        conn, "UPDATE contacts SET replaces_id = NULL WHERE replaces_id IN ({marks})", contact_ids
    )
    counts["contacts"] = _delete_in(conn, "DELETE FROM contacts WHERE id IN ({marks})", contact_ids)
    return counts


def remember(conn: sqlite3.Connection, entries: Iterable[tuple[str, bytes]]) -> None:
    """Note keyed hashes ('email' or 'phone', digest) of a person erased on request, so that a
    restore of an older backup erases them again."""
    now = iso(utcnow())
    conn.executemany(
        "INSERT OR REPLACE INTO privacy_erasures (kind, digest, erased_at) VALUES (?, ?, ?)",
        [(kind, digest, now) for kind, digest in entries],
    )


def erased_entries(conn: sqlite3.Connection) -> list[tuple[str, bytes, str]]:
    return [
        (r[0], bytes(r[1]), r[2])
        for r in conn.execute("SELECT kind, digest, erased_at FROM privacy_erasures")
    ]


def contacts_erased_since_import(conn: sqlite3.Connection) -> list[int]:
    """Contacts whose address is in the erasure ledger and who were imported before that
    erasure (someone imported again afterwards is a new, lawful contact)."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT c.id FROM contacts c"
            " JOIN privacy_erasures e ON e.kind = 'email' AND e.digest = c.email_hash"
            " JOIN contact_imports i ON i.id = c.import_id"
            " WHERE i.created_at <= e.erased_at"
        )
    ]


def contacts_erased_by_phone(conn: sqlite3.Connection, cipher, hasher) -> list[int]:
    """Like :func:`contacts_erased_since_import`, for people erased by phone number: the phone
    column is sealed, so each one is decrypted and hashed (about 0.5 s per 100,000); only when
    the ledger holds phone numbers at all."""
    ledger = {
        bytes(r[0]): r[1]
        for r in conn.execute("SELECT digest, erased_at FROM privacy_erasures WHERE kind = 'phone'")
    }
    if not ledger:
        return []
    return [
        contact_id
        for contact_id, phone, imported_at in phones(conn, cipher)
        if ledger.get(hasher.digest(PHONE_DOMAIN, phone), "") >= imported_at
    ]


def phones(conn: sqlite3.Connection, cipher) -> Iterator[tuple[int, str, str]]:
    """(contact id, phone number, when its import was made) of every contact with a number,
    decrypted one by one: the column is sealed, so this is the only way to search it."""
    for row in conn.execute(
        "SELECT c.id, c.phone, i.created_at FROM contacts c"
        " JOIN contact_imports i ON i.id = c.import_id WHERE c.phone IS NOT NULL"
    ):
        yield row["id"], cipher.decrypt(row["phone"], "contacts", "phone", row["id"]), row[2]


def rejects_mentioning(conn: sqlite3.Connection, cipher, needles: set[str]) -> list[dict]:
    """Rows an import rejected (kept sealed, whole, until the import's term) with a cell equal
    to one of ``needles`` (lower-cased addresses, or phone numbers as the look-up normalised
    them). A row rejected for its postcode still holds the address."""
    if not needles:
        return []
    found = []
    for row in conn.execute(
        "SELECT r.id, r.import_id, r.row_number, r.reason, r.row_data, i.created_at"
        " FROM import_rejects r JOIN contact_imports i ON i.id = r.import_id"
    ):
        sealed = f"{row['import_id']}:{row['row_number']}"
        cells = json.loads(cipher.decrypt(row["row_data"], "import_rejects", "row_data", sealed))
        if any(_cell_matches(str(cell), needles) for cell in cells.values()):
            found.append({**{k: row[k] for k in ("id", "import_id", "reason")}, "row": cells})
    return found


def _cell_matches(cell: str, needles: set[str]) -> bool:
    """An address in any case, or a phone number in any notation (normalised as the importer
    and the look-up do)."""
    text = cell.strip().lower()
    if not text or text in needles:
        return bool(text)
    if "@" in text:
        return False
    try:
        return fields.phone(text, "NL") in needles
    except fields.Invalid:
        return False


def erase_rejects(conn: sqlite3.Connection, reject_ids: Sequence[int]) -> int:
    return _delete_in(conn, "DELETE FROM import_rejects WHERE id IN ({marks})", reject_ids)


def compact(conn: sqlite3.Connection, erased_rows: int) -> bool:
    """Flush the write-ahead log into the database and truncate it; after a large purge also
    rebuild the file, so no page of it, used or free, holds erased content. Returns whether the
    file was rebuilt. Must run outside a transaction."""
    rebuilt = False
    if erased_rows >= LARGE_PURGE or _free_share(conn) > 0.25:
        conn.execute("VACUUM")
        rebuilt = True
    checkpoint(conn)
    return rebuilt


def checkpoint(conn: sqlite3.Connection, attempts: int = 50) -> bool:
    """Copy the write-ahead log into the file and truncate it. A reader of the server in the
    middle of a request can hold old frames for a moment: try again for up to five seconds.
    Returns whether the log was emptied (if not, the next run's checkpoint does it)."""
    for _ in range(attempts):
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if not busy:
            return True
        time.sleep(0.1)
    return False


def _free_share(conn: sqlite3.Connection) -> float:
    pages = conn.execute("PRAGMA page_count").fetchone()[0] or 1
    return conn.execute("PRAGMA freelist_count").fetchone()[0] / pages
