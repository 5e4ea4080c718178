"""SQL of the register of data-subject requests (``register`` holds its rules). No Flask here;
every function joins the caller's transaction."""

from __future__ import annotations

import sqlite3

_SELECT = (
    "SELECT r.*, u.username AS handled_by_name FROM privacy_requests r"
    " LEFT JOIN users u ON u.id = r.handled_by"
)


def insert(
    conn: sqlite3.Connection,
    received_on: str,
    kind: str,
    reference: str,
    deadline: str,
    user_id: int | None,
    created_at: str,
) -> int:
    cur = conn.execute(
        "INSERT INTO privacy_requests (received_on, kind, reference, deadline, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (received_on, kind, reference, deadline, user_id, created_at),
    )
    return cur.lastrowid


def get(conn: sqlite3.Connection, request_id: int) -> sqlite3.Row | None:
    return conn.execute(f"{_SELECT} WHERE r.id = ?", (request_id,)).fetchone()  # noqa: S608


def all_requests(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Open requests first, nearest deadline first; then the closed ones, latest first."""
    return conn.execute(
        f"{_SELECT} ORDER BY r.status != 'open', CASE WHEN r.status = 'open'"  # noqa: S608
        " THEN r.deadline END, r.handled_on DESC, r.id DESC"
    ).fetchall()


def open_requests(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        f"{_SELECT} WHERE r.status = 'open' ORDER BY r.deadline, r.id"  # noqa: S608
    ).fetchall()


def append_outcome(conn: sqlite3.Connection, request_id: int, line: str, limit: int) -> None:
    """Add a line to the outcome of an open request, cut off at ``limit`` characters."""
    conn.execute(
        "UPDATE privacy_requests SET outcome = substr(trim(outcome || char(10) || ?,"
        " char(10)), 1, ?) WHERE id = ? AND status = 'open'",
        (line, limit, request_id),
    )


def close(
    conn: sqlite3.Connection,
    request_id: int,
    status: str,
    outcome: str,
    user_id: int | None,
    handled_on: str,
    limit: int,
) -> bool:
    """Close an open request, adding ``outcome`` (cut off at ``limit`` characters); False when
    it is not open."""
    cur = conn.execute(
        "UPDATE privacy_requests SET status = ?, handled_by = ?, handled_on = ?,"
        " outcome = substr(trim(outcome || char(10) || ?, char(10)), 1, ?)"
        " WHERE id = ? AND status = 'open'",
        (status, user_id, handled_on, outcome, limit, request_id),
    )
    return cur.rowcount == 1


def open_due_by(conn: sqlite3.Connection, day: str) -> int:
    """Open requests whose deadline is ``day`` or earlier."""
    return conn.execute(
        "SELECT count(*) FROM privacy_requests WHERE status = 'open' AND deadline <= ?", (day,)
    ).fetchone()[0]


def open_due_before(conn: sqlite3.Connection, day: str) -> int:
    """Open requests whose deadline is before ``day``."""
    return conn.execute(
        "SELECT count(*) FROM privacy_requests WHERE status = 'open' AND deadline < ?", (day,)
    ).fetchone()[0]
