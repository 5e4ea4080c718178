"""SQL of the identity plane: contact lists, import batches, contacts, rejects, presets.

A contact is visible only when its import batch has status 'done' (see ``VISIBLE``); rows of a
running, failed or cancelled batch are invisible, and removed by :func:`abandon_import` or, after
a crash, by :func:`discard_stale`.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator, Sequence

from appliance.contacts.fields import PERSONAL
from appliance.db import iso, utcnow
from appliance.planes import open_contact_field

VISIBLE = "import_id IN (SELECT id FROM contact_imports WHERE status = 'done')"
COUNTS = ("added", "updated", "duplicate", "invalid", "suppressed")


# ---- lists --------------------------------------------------------------------------------------


def list_by_name(conn: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM contact_lists WHERE name = ? COLLATE NOCASE", (name.strip(),)
    ).fetchone()


def get_list(conn: sqlite3.Connection, list_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM contact_lists WHERE id = ?", (list_id,)).fetchone()


def create_list(conn: sqlite3.Connection, name: str, user_id: int | None) -> int:
    cur = conn.execute(
        "INSERT INTO contact_lists (name, created_at, created_by) VALUES (?, ?, ?)",
        (name.strip(), iso(utcnow()), user_id),
    )
    return cur.lastrowid


def lists_with_counts(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT l.id, l.name, l.created_at,"  # noqa: S608 - VISIBLE is a fixed clause
        " (SELECT count(*) FROM contacts c WHERE c.list_id = l.id"
        f" AND c.{VISIBLE}) AS contacts"
        " FROM contact_lists l ORDER BY l.name COLLATE NOCASE"
    ).fetchall()


# ---- import batches -----------------------------------------------------------------------------


def start_import(
    conn: sqlite3.Connection,
    list_id: int,
    basis: str,
    purpose: str,
    user_id: int | None,
    dropped: Sequence[str],
) -> int:
    cur = conn.execute(
        "INSERT INTO contact_imports (list_id, basis, purpose, dropped_columns, created_at,"
        " created_by, heartbeat) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (list_id, basis, purpose, json.dumps(list(dropped)), iso(utcnow()), user_id, time.time()),
    )
    return cur.lastrowid


def set_cache_kib(conn: sqlite3.Connection, kib: int) -> None:
    """Let this connection keep ``kib`` KiB of pages in memory (an importer's connection: the
    index pages it dirties stay there until its transaction commits)."""
    conn.execute(f"PRAGMA cache_size = -{int(kib)}")


def get_import(conn: sqlite3.Connection, import_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM contact_imports WHERE id = ?", (import_id,)).fetchone()


def running_import(conn: sqlite3.Connection, list_id: int) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM contact_imports WHERE list_id = ? AND status = 'running'", (list_id,)
    ).fetchone()


def recent_imports(conn: sqlite3.Connection, limit: int = 20) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT i.*, l.name AS list_name FROM contact_imports i"
        " JOIN contact_lists l ON l.id = i.list_id ORDER BY i.id DESC LIMIT ?",
        (limit,),
    ).fetchall()


def dropped_columns(batch: sqlite3.Row) -> list[str]:
    return json.loads(batch["dropped_columns"])


def record_progress(
    conn: sqlite3.Connection, import_id: int, rows_seen: int, counts: dict, fraction: float = 0
):
    conn.execute(
        "UPDATE contact_imports SET rows_seen = ?, added = ?, updated = ?, duplicate = ?,"
        " invalid = ?, suppressed = ?, heartbeat = ?, fraction = ? WHERE id = ?",
        (rows_seen, *(counts[name] for name in COUNTS), time.time(), fraction, import_id),
    )


def status(conn: sqlite3.Connection, import_id: int) -> str:
    row = conn.execute("SELECT status FROM contact_imports WHERE id = ?", (import_id,)).fetchone()
    return row[0] if row else ""


def finish_import(conn: sqlite3.Connection, import_id: int) -> None:
    """Inside a transaction: replaced contacts go, the batch becomes visible."""
    conn.execute(
        "DELETE FROM contacts WHERE id IN (SELECT replaces_id FROM contacts"
        " WHERE replaces_id IS NOT NULL AND import_id = ?)",
        (import_id,),
    )
    conn.execute(
        "UPDATE contacts SET replaces_id = NULL WHERE replaces_id IS NOT NULL AND import_id = ?",
        (import_id,),
    )
    conn.execute(
        "UPDATE contact_imports SET status = 'done', finished_at = ? WHERE id = ?",
        (iso(utcnow()), import_id),
    )


def _remove_rows(conn: sqlite3.Connection, import_id: int) -> int:
    """Every table that holds rows of a batch: its contacts and its rejected rows."""
    conn.execute("DELETE FROM import_rejects WHERE import_id = ?", (import_id,))
    return conn.execute("DELETE FROM contacts WHERE import_id = ?", (import_id,)).rowcount


def abandon_import(conn: sqlite3.Connection, import_id: int, status: str, message: str) -> None:
    """Inside a transaction: remove every row the batch wrote and record why it stopped.
    Its counts are reset: nothing of it exists any more."""
    _remove_rows(conn, import_id)
    conn.execute(
        "UPDATE contact_imports SET added = 0, updated = 0, duplicate = 0, invalid = 0,"
        " suppressed = 0 WHERE id = ?",
        (import_id,),
    )
    conn.execute(
        "UPDATE contact_imports SET status = ?, message = ?, finished_at = ? WHERE id = ?",
        (status, message, iso(utcnow()), import_id),
    )


def request_cancel(conn: sqlite3.Connection, import_id: int) -> bool:
    cur = conn.execute(
        "UPDATE contact_imports SET message = 'cancel requested' WHERE id = ?"
        " AND status = 'running'",
        (import_id,),
    )
    return cur.rowcount == 1


def may_continue(conn: sqlite3.Connection, import_id: int) -> bool:
    """False once the batch was cancelled by staff or discarded as stale."""
    row = conn.execute(
        "SELECT status, message FROM contact_imports WHERE id = ?", (import_id,)
    ).fetchone()
    return bool(row) and row[0] == "running" and row[1] != "cancel requested"


def discard_stale(conn: sqlite3.Connection, older_than: float) -> int:
    """Inside a transaction: running batches whose writer has shown no sign of life since
    ``older_than`` (a crash, a killed process) become 'failed' and lose their rows."""
    ids = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM contact_imports WHERE status = 'running' AND heartbeat < ?",
            (older_than,),
        )
    ]
    for import_id in ids:
        abandon_import(conn, import_id, "failed", "interrupted")
    return len(ids)


def undo_import(conn: sqlite3.Connection, import_id: int) -> int:
    """Inside a transaction: remove the batch's contacts and rejects; returns how many contacts."""
    removed = _remove_rows(conn, import_id)
    conn.execute(
        "UPDATE contact_imports SET status = 'undone', finished_at = ? WHERE id = ?",
        (iso(utcnow()), import_id),
    )
    return removed


# ---- contacts -----------------------------------------------------------------------------------


def next_contact_id(conn: sqlite3.Connection) -> int:
    """Inside the write transaction that inserts: ids are known before the insert, because the
    ciphertexts are bound to them."""
    return conn.execute("SELECT coalesce(max(id), 0) + 1 FROM contacts").fetchone()[0]


def list_has_contacts(conn: sqlite3.Connection, list_id: int) -> bool:
    return (
        conn.execute(
            f"SELECT 1 FROM contacts WHERE list_id = ? AND {VISIBLE} LIMIT 1",  # noqa: S608
            (list_id,),
        ).fetchone()
        is not None
    )


def existing_in_list(
    conn: sqlite3.Connection, list_id: int, hashes: Sequence[bytes]
) -> dict[bytes, int]:
    """email hash -> id of the visible contact in the list with that address, for one batch."""
    if not hashes:
        return {}
    marks = ",".join("?" * len(hashes))
    rows = conn.execute(
        f"SELECT email_hash, id FROM contacts WHERE list_id = ? AND {VISIBLE}"  # noqa: S608
        f" AND email_hash IN ({marks})",
        (list_id, *hashes),
    )
    return {bytes(r[0]): r[1] for r in rows}


CONTACT_COLUMNS = (
    "id",
    "list_id",
    "import_id",
    "replaces_id",
    "email_hash",
    *PERSONAL,
    "language",
    "segments",
)


def insert_contacts(conn: sqlite3.Connection, columns: Sequence[str], rows: list[tuple]) -> int:
    """Insert prepared rows holding ``columns`` (of :data:`CONTACT_COLUMNS`; the others stay
    NULL or their default); a second row with the same address in one batch is ignored (the
    unique index decides). Returns how many were inserted. Raises ValueError on an unknown
    column."""
    if not rows:
        return 0
    if unknown := set(columns).difference(CONTACT_COLUMNS):
        raise ValueError(f"not columns of contacts: {sorted(unknown)}")
    # Only the columns a file fills: every parameter bound costs the sqlite3 module a type
    # look-up, even a NULL, and a CRM export fills half of them.
    sql = (
        f"INSERT OR IGNORE INTO contacts ({', '.join(columns)})"  # noqa: S608 - known names
        f" VALUES ({', '.join('?' * len(columns))})"
    )
    return conn.executemany(sql, rows).rowcount


def insert_rejects(conn: sqlite3.Connection, rows: list[tuple]) -> None:
    conn.executemany(
        "INSERT INTO import_rejects (import_id, row_number, reason, row_data) VALUES (?, ?, ?, ?)",
        rows,
    )


def rejects(conn: sqlite3.Connection, import_id: int) -> Iterator[sqlite3.Row]:
    """The rejected rows of a batch, streamed (a file of a million bad rows must not be
    loaded at once)."""
    yield from conn.execute(
        "SELECT row_number, reason, row_data FROM import_rejects WHERE import_id = ?"
        " ORDER BY row_number",
        (import_id,),
    )


def visible_contacts(conn: sqlite3.Connection, list_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        f"SELECT * FROM contacts WHERE list_id = ? AND {VISIBLE} ORDER BY id",  # noqa: S608
        (list_id,),
    ).fetchall()


def first_list_id(conn: sqlite3.Connection) -> int | None:
    """The list shown first (by name), as in :func:`lists_with_counts`."""
    row = conn.execute(
        "SELECT id FROM contact_lists ORDER BY name COLLATE NOCASE LIMIT 1"
    ).fetchone()
    return row[0] if row else None


def nth_with_address(conn: sqlite3.Connection, list_id: int, n: int) -> sqlite3.Row | None:
    """The ``n``-th (from 0) visible contact of a list that has an e-mail address (previews)."""
    return conn.execute(
        f"SELECT * FROM contacts WHERE list_id = ? AND {VISIBLE}"  # noqa: S608
        " AND email IS NOT NULL ORDER BY id LIMIT 1 OFFSET ?",
        (list_id, max(n, 0)),
    ).fetchone()


def contact_fields(
    conn: sqlite3.Connection, cipher, contact_id: int, names: Sequence[str]
) -> dict[str, str]:
    """Decrypted fields of one contact (staff only: the identity plane)."""
    row = conn.execute("SELECT * FROM contacts WHERE id = ?", (contact_id,)).fetchone()
    if row is None:
        return {}
    return {
        name: open_contact_field(cipher, name, row[name], contact_id)
        for name in names
        if row[name] is not None
    }


# ---- mapping presets ----------------------------------------------------------------------------


def save_preset(
    conn: sqlite3.Connection, name: str, headers: Sequence[str], targets: Sequence[str]
):
    conn.execute(
        "INSERT INTO mapping_presets (name, mapping, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT(name) DO UPDATE SET mapping = excluded.mapping",
        (name.strip(), json.dumps(dict(zip(headers, targets, strict=True))), iso(utcnow())),
    )


def presets(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    return {
        r["name"]: json.loads(r["mapping"])
        for r in conn.execute("SELECT name, mapping FROM mapping_presets ORDER BY name")
    }
