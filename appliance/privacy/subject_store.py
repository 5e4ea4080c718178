"""SQL of data-subject requests (``subjects`` finds and collects, ``subject_changes`` rectifies
and erases): a person's contact rows and everything that points at them. No Flask here; every
function joins the caller's transaction. Values come back sealed, as stored.

Lists of ids are bound in chunks of :data:`CHUNK`, one statement per chunk.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

CHUNK = 500


def _rows_in(conn: sqlite3.Connection, sql: str, ids: Sequence[Any]) -> list[sqlite3.Row]:
    """``sql`` with one ``{marks}`` list, run over ``ids`` in chunks."""
    out: list[sqlite3.Row] = []
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        out.extend(conn.execute(sql.format(marks=",".join("?" * len(part))), part))
    return out


# ---- finding the person ------------------------------------------------------------------------


def ids_with_email_hash(conn: sqlite3.Connection, email_hash: bytes) -> list[int]:
    """Contact rows with this keyed address hash, in every list."""
    return [
        r[0] for r in conn.execute("SELECT id FROM contacts WHERE email_hash = ?", (email_hash,))
    ]


def existing_ids(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> list[int]:
    """Those of ``contact_ids`` that still exist."""
    return [
        r[0] for r in _rows_in(conn, "SELECT id FROM contacts WHERE id IN ({marks})", contact_ids)
    ]


# ---- everything held ---------------------------------------------------------------------------


def suppressions_of(conn: sqlite3.Connection, email_hashes: Sequence[bytes]) -> list[sqlite3.Row]:
    """(created_at, source) of the unsubscribe entries of these hashes, oldest first."""
    return _rows_in(
        conn,
        "SELECT created_at, source FROM suppressions WHERE email_hash IN ({marks})"
        " ORDER BY created_at",
        email_hashes,
    )


def contacts(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> list[sqlite3.Row]:
    """The contact rows with their list's name and their import's date, basis and purpose."""
    return _rows_in(
        conn,
        "SELECT c.*, l.name AS list_name, i.created_at AS imported_at, i.basis, i.purpose,"
        " i.status AS import_status FROM contacts c JOIN contact_lists l ON l.id = c.list_id"
        " JOIN contact_imports i ON i.id = c.import_id WHERE c.id IN ({marks}) ORDER BY c.id",
        contact_ids,
    )


def invitations(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> list[sqlite3.Row]:
    """The contacts' invitations with their survey's title and campaign's name."""
    return _rows_in(
        conn,
        "SELECT i.id, i.contact_id, i.used, s.title AS survey, c.name AS campaign"
        " FROM invitations i JOIN surveys s ON s.id = i.survey_id"
        " LEFT JOIN campaigns c ON c.id = i.campaign_id WHERE i.contact_id IN ({marks})"
        " ORDER BY i.id",
        contact_ids,
    )


def messages(conn: sqlite3.Connection, invitation_ids: Sequence[int]) -> list[sqlite3.Row]:
    """The outbox rows of these invitations, by wave."""
    return _rows_in(
        conn,
        "SELECT invitation_id, wave, state, sent_at FROM outbox WHERE invitation_id IN ({marks})"
        " ORDER BY wave, id",
        invitation_ids,
    )


def contact_requests(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> list[sqlite3.Row]:
    """The contacts' requests to be contacted, with their survey's title, oldest first."""
    return _rows_in(
        conn,
        "SELECT r.*, s.title FROM contact_requests r JOIN surveys s ON s.id = r.survey_id"
        " WHERE r.contact_id IN ({marks}) ORDER BY r.created_at",
        contact_ids,
    )


def erased_at(conn: sqlite3.Connection, kind: str, digests: Sequence[bytes]) -> list[sqlite3.Row]:
    """When these digests of ``kind`` ('email' or 'phone') were erased before."""
    if kind not in ("email", "phone"):
        raise ValueError(kind)
    return _rows_in(
        conn,
        f"SELECT erased_at FROM privacy_erasures WHERE kind = '{kind}'"  # noqa: S608
        " AND digest IN ({marks})",
        digests,
    )


def non_anonymous_links(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> list[sqlite3.Row]:
    """(response_id, contact_id) of responses in surveys announced as non-anonymous."""
    return _rows_in(
        conn,
        "SELECT response_id, contact_id FROM response_contacts WHERE contact_id IN ({marks})",
        contact_ids,
    )


def request_links(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> list[sqlite3.Row]:
    """(response_id, contact_id) of responses whose respondent asked to be contacted."""
    return _rows_in(
        conn,
        "SELECT response_id, contact_id FROM contact_requests WHERE contact_id IN ({marks})",
        contact_ids,
    )


def responses(conn: sqlite3.Connection, response_ids: Sequence[str]) -> list[sqlite3.Row]:
    """The responses with their survey's title and definition, in order of submission."""
    return _rows_in(
        conn,
        "SELECT r.id, r.submitted_on, r.mode, r.language, r.answers, s.title, s.definition"
        " FROM responses r JOIN surveys s ON s.id = r.survey_id WHERE r.id IN ({marks})"
        " ORDER BY r.submitted_on, r.id",
        response_ids,
    )


# ---- changes -----------------------------------------------------------------------------------


def contact(conn: sqlite3.Connection, contact_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM contacts WHERE id = ?", (contact_id,)).fetchone()


def hash_taken_in_list(conn: sqlite3.Connection, email_hash: bytes, contact_id: int) -> bool:
    """Another row of the contact's list has this keyed address hash."""
    return (
        conn.execute(
            "SELECT 1 FROM contacts WHERE email_hash = ? AND id != ? AND list_id ="
            " (SELECT list_id FROM contacts WHERE id = ?) LIMIT 1",
            (email_hash, contact_id, contact_id),
        ).fetchone()
        is not None
    )


def update_contact(conn: sqlite3.Connection, contact_id: int, values: Mapping[str, Any]) -> None:
    """Set columns of a contact row. The column names are the caller's own (checked against
    ``contacts.fields``), never input."""
    if values:
        conn.execute(
            f"UPDATE contacts SET {', '.join(f'{name} = ?' for name in values)}"  # noqa: S608
            " WHERE id = ?",
            (*values.values(), contact_id),
        )


def hashes_and_phones(conn: sqlite3.Connection, contact_ids: Sequence[int]) -> list[sqlite3.Row]:
    """(id, email_hash, sealed phone) of the contact rows."""
    return _rows_in(
        conn, "SELECT id, email_hash, phone FROM contacts WHERE id IN ({marks})", contact_ids
    )


def delete_bounce_marks(conn: sqlite3.Connection, email_hashes: Sequence[bytes]) -> int:
    """Forget the hard bounces counted against these addresses (keyed hashes, each beside the
    campaign it bounced in): an erased person's address is no longer tied to those campaigns.
    An address already made undeliverable stays on the suppression list, like an unsubscribe."""
    return sum(
        conn.execute("DELETE FROM bounce_marks WHERE email_hash = ?", (h,)).rowcount
        for h in email_hashes
    )
