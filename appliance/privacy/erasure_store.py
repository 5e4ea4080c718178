"""SQL of physical erasure (``erasure`` holds the rules): deleting and counting a person's rows,
the erasure ledger, and compacting the database file. No Flask here; every function joins the
caller's transaction unless it says otherwise.

Lists of ids are bound in chunks of :data:`CHUNK` (SQLite's parameter limit is 32,766), one
statement per chunk.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

CHUNK = 5_000

# Rows of a person beside the contact rows, removed by an erasure on request and counted by its
# preview with the same conditions: (count, table, rows of the person). Deleted in this order.
PERSON_ROWS = (
    ("contact_requests", "contact_requests", "contact_id IN ({marks})"),
    ("response_links", "response_contacts", "contact_id IN ({marks})"),
    # Scanned forms waiting for verification that came back with one of the person's codes
    # (handwriting; before the invitations, which say which codes are the person's).
    (
        "paper_forms",
        "paper_scan_forms",
        "code_hash IN (SELECT code_hash FROM invitations"
        " WHERE code_hash IS NOT NULL AND contact_id IN ({marks}))",
    ),
    ("invitations", "invitations", "contact_id IN ({marks})"),
)


def _chunks(ids: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def _run_in(conn: sqlite3.Connection, sql: str, ids: Sequence[Any]) -> int:
    """Run ``sql`` (with ``{marks}`` placeholder lists) over ``ids`` in chunks; rows changed."""
    total = 0
    for part in _chunks(list(ids)):
        marks = ",".join("?" * len(part))
        # Each ``{marks}`` in the statement takes the chunk once.
        params = tuple(part) * sql.count("{marks}")
        total += conn.execute(sql.format(marks=marks), params).rowcount
    return total


def _count_in(conn: sqlite3.Connection, table: str, where: str, ids: Sequence[Any]) -> int:
    """Rows of ``table`` matching ``where`` (one ``{marks}`` list) for ``ids``, in chunks; exact
    as long as a row matches through one id only (each row has one contact or response id)."""
    return sum(
        conn.execute(
            f"SELECT count(*) FROM {table} WHERE {where.format(marks=','.join('?' * len(part)))}",  # noqa: S608 - fixed names
            tuple(part),
        ).fetchone()[0]
        for part in _chunks(list(ids))
    )


# ---- a person's rows ---------------------------------------------------------------------------


def blank_outbox_errors(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> int:
    """Blank the delivery errors (which may quote the address) of the contacts' messages."""
    return _run_in(
        conn,
        "UPDATE outbox SET error = '' WHERE error != '' AND invitation_id IN"
        " (SELECT id FROM invitations WHERE contact_id IN ({marks}))",
        contact_ids,
    )


def delete_person_rows(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> dict[str, int]:
    """Delete the rows of :data:`PERSON_ROWS`; count -> rows deleted."""
    return {
        key: _run_in(conn, f"DELETE FROM {table} WHERE {where}", contact_ids)  # noqa: S608
        for key, table, where in PERSON_ROWS
    }


def count_person_rows(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> dict[str, int]:
    """What :func:`delete_person_rows` would delete now, per count."""
    return {key: _count_in(conn, table, where, contact_ids) for key, table, where in PERSON_ROWS}


def delete_contacts(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> int:
    """Delete contact rows; rows that replaced one of them keep their data but lose the
    pointer. Returns how many contact rows went."""
    _run_in(
        conn, "UPDATE contacts SET replaces_id = NULL WHERE replaces_id IN ({marks})", contact_ids
    )
    return _run_in(conn, "DELETE FROM contacts WHERE id IN ({marks})", contact_ids)


def count_contacts(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> int:
    return _count_in(conn, "contacts", "id IN ({marks})", contact_ids)


def linked_response_ids(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> set[str]:
    """Ids of responses with a non-anonymous link or a contact request to these contacts."""
    found: set[str] = set()
    for part in _chunks(list(contact_ids)):
        marks = ",".join("?" * len(part))
        found.update(
            r[0]
            for r in conn.execute(
                f"SELECT response_id FROM response_contacts WHERE contact_id IN ({marks})"  # noqa: S608
                f" UNION SELECT response_id FROM contact_requests WHERE contact_id IN ({marks})",
                (*part, *part),
            )
        )
    return found


def responses_with_definitions(
    conn: sqlite3.Connection, response_ids: Sequence[str]
) -> Iterator[sqlite3.Row]:
    """The responses (what the counters and the answers need) with their survey's definition,
    by id within each chunk."""
    for part in _chunks(list(response_ids)):
        yield from conn.execute(
            "SELECT r.id, r.survey_id, r.mode, r.submitted_on, r.segments, r.answers,"  # noqa: S608
            " r.excluded_on, r.folded, s.definition"
            " FROM responses r JOIN surveys s ON s.id = r.survey_id"
            f" WHERE r.id IN ({','.join('?' * len(part))}) ORDER BY r.id",
            tuple(part),
        )


def set_answers(conn: sqlite3.Connection, response_id: str, answers_json: str) -> None:
    conn.execute("UPDATE responses SET answers = ? WHERE id = ?", (answers_json, response_id))


def delete_open_text_hashes(
    conn: sqlite3.Connection, entries: Iterable[tuple[int, str, bytes]]
) -> None:
    """Delete (survey id, question id, digest) entries of the copied-text check."""
    conn.executemany(
        "DELETE FROM open_text_hashes WHERE survey_id = ? AND question_id = ? AND digest = ?",
        entries,
    )


def delete_name_answers(conn: sqlite3.Connection, response_ids: Sequence[str]) -> int:
    return _run_in(conn, "DELETE FROM name_answers WHERE response_id IN ({marks})", response_ids)


def count_name_answers(conn: sqlite3.Connection, response_ids: Sequence[str]) -> int:
    return _count_in(conn, "name_answers", "response_id IN ({marks})", response_ids)


# ---- rows that name a person elsewhere -----------------------------------------------------


def contacts_with_phones(conn: sqlite3.Connection) -> Iterator[sqlite3.Row]:
    """(id, sealed phone, when its import was made) of every contact with a number."""
    return conn.execute(
        "SELECT c.id, c.phone, i.created_at FROM contacts c"
        " JOIN contact_imports i ON i.id = c.import_id WHERE c.phone IS NOT NULL"
    )


def import_rejects(conn: sqlite3.Connection) -> Iterator[sqlite3.Row]:
    """Every row an import rejected (sealed) with when its import was made."""
    return conn.execute(
        "SELECT r.id, r.import_id, r.row_number, r.reason, r.row_data, i.created_at"
        " FROM import_rejects r JOIN contact_imports i ON i.id = r.import_id"
    )


def delete_rejects(conn: sqlite3.Connection, reject_ids: Sequence[int]) -> int:
    return _run_in(conn, "DELETE FROM import_rejects WHERE id IN ({marks})", reject_ids)


# ---- the erasure ledger ------------------------------------------------------------------------


def replace_erasures(conn: sqlite3.Connection, entries: Iterable[tuple[str, bytes, str]]) -> None:
    """Note (kind, digest, erased_at) entries; a digest noted before takes the new time."""
    conn.executemany(
        "INSERT OR REPLACE INTO privacy_erasures (kind, digest, erased_at) VALUES (?, ?, ?)",
        entries,
    )


def merge_erasures(conn: sqlite3.Connection, entries: Iterable[tuple[str, bytes, str]]) -> None:
    """Add (kind, digest, erased_at) entries; of a digest noted twice the later time counts."""
    conn.executemany(
        "INSERT INTO privacy_erasures (kind, digest, erased_at) VALUES (?, ?, ?)"
        " ON CONFLICT (kind, digest)"
        " DO UPDATE SET erased_at = max(erased_at, excluded.erased_at)",
        entries,
    )


def erased_entries(conn: sqlite3.Connection) -> list[tuple[str, bytes, str]]:
    return [
        (r[0], bytes(r[1]), r[2])
        for r in conn.execute("SELECT kind, digest, erased_at FROM privacy_erasures")
    ]


def phone_ledger(conn: sqlite3.Connection) -> dict[bytes, str]:
    """Digest -> erased_at of the phone numbers in the ledger."""
    return {
        bytes(r[0]): r[1]
        for r in conn.execute("SELECT digest, erased_at FROM privacy_erasures WHERE kind = 'phone'")
    }


def contacts_erased_since_import(conn: sqlite3.Connection) -> list[int]:
    """Contacts whose address hash is in the ledger and whose import predates that erasure."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT c.id FROM contacts c"
            " JOIN privacy_erasures e ON e.kind = 'email' AND e.digest = c.email_hash"
            " JOIN contact_imports i ON i.id = c.import_id"
            " WHERE i.created_at <= e.erased_at"
        )
    ]


# ---- the file (outside any transaction) --------------------------------------------------------


def vacuum(conn: sqlite3.Connection) -> None:
    conn.execute("VACUUM")


def passive_checkpoint(conn: sqlite3.Connection) -> None:
    """Copy what it can of the write-ahead log into the file without taking the write lock
    and without waiting for anyone."""
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()


def set_autocheckpoint(conn: sqlite3.Connection, pages: int) -> int:
    """Set the connection's automatic checkpoint (0: off); returns the setting it had."""
    before = conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]
    conn.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}").fetchone()
    return before


def free_share(conn: sqlite3.Connection) -> float:
    """The share of the file's pages that are free."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0] or 1
    return conn.execute("PRAGMA freelist_count").fetchone()[0] / pages
