"""The register of data-subject requests: what was asked, when, by when it must be answered, and
what was done. It never holds the person's address or name: staff give a reference of their own
(a ticket number, "letter of 3 May").

The deadline is one calendar month after receipt (GDPR art. 12(3)): the same day of the next
month, or that month's last day when it has no such day (31 January -> 28 or 29 February). It is
stored with the request. An open request within :data:`DUE_SOON_DAYS` of its deadline is "due
soon"; after it, "overdue".
"""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta

from appliance.db import iso, utcnow
from appliance.i18n import N_
from appliance.privacy.retention import add_months

KINDS = {
    "access": N_("access"),
    "rectification": N_("rectification"),
    "erasure": N_("erasure"),
    "restriction": N_("restriction"),
    "objection": N_("objection"),
    "other": N_("other"),
}
STATUSES = {"open": N_("open"), "done": N_("done"), "refused": N_("refused")}
CLOSED = ("done", "refused")
DUE_SOON_DAYS = 7
MAX_OUTCOME = 4000


def deadline_for(received: date) -> date:
    """One calendar month after ``received``, clamped to the last day of that month."""
    return add_months(received, 1)


def warning(row: sqlite3.Row, today: date) -> str:
    """'overdue', 'due_soon' or '' for one request."""
    if row["status"] != "open":
        return ""
    deadline = date.fromisoformat(row["deadline"])
    if today > deadline:
        return "overdue"
    if deadline - today <= timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return ""


def add(
    conn: sqlite3.Connection, received: date, kind: str, reference: str, user_id: int | None
) -> int:
    if kind not in KINDS:
        raise ValueError(kind)
    cur = conn.execute(
        "INSERT INTO privacy_requests (received_on, kind, reference, deadline, created_by,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            received.isoformat(),
            kind,
            reference.strip(),
            deadline_for(received).isoformat(),
            user_id,
            iso(utcnow()),
        ),
    )
    return cur.lastrowid


_SELECT = (
    "SELECT r.*, u.username AS handled_by_name FROM privacy_requests r"
    " LEFT JOIN users u ON u.id = r.handled_by"
)


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


def note(conn: sqlite3.Connection, request_id: int, today: date, text: str) -> None:
    """Append a line (what was done for the request, never a value of the person) to the
    outcome of an open request."""
    conn.execute(
        "UPDATE privacy_requests SET outcome = substr(trim(outcome || char(10) || ?,"
        " char(10)), 1, ?) WHERE id = ? AND status = 'open'",
        (f"{today.isoformat()} {text.strip()}", MAX_OUTCOME, request_id),
    )


def close(
    conn: sqlite3.Connection,
    request_id: int,
    status: str,
    outcome: str,
    user_id: int | None,
    today: date,
) -> bool:
    """Mark an open request done or refused; the outcome text is added to what was noted.
    False when the request is not open (closed meanwhile, or unknown)."""
    if status not in CLOSED:
        raise ValueError(status)
    cur = conn.execute(
        "UPDATE privacy_requests SET status = ?, handled_by = ?, handled_on = ?,"
        " outcome = substr(trim(outcome || char(10) || ?, char(10)), 1, ?)"
        " WHERE id = ? AND status = 'open'",
        (status, user_id, today.isoformat(), outcome.strip(), MAX_OUTCOME, request_id),
    )
    return cur.rowcount == 1


def due_soon_count(conn: sqlite3.Connection, today: date) -> int:
    """Open requests whose deadline is at most :data:`DUE_SOON_DAYS` away or has passed (for a
    banner: each of them needs attention now)."""
    limit = (today + timedelta(days=DUE_SOON_DAYS)).isoformat()
    return conn.execute(
        "SELECT count(*) FROM privacy_requests WHERE status = 'open' AND deadline <= ?", (limit,)
    ).fetchone()[0]


def overdue_count(conn: sqlite3.Connection, today: date) -> int:
    return conn.execute(
        "SELECT count(*) FROM privacy_requests WHERE status = 'open' AND deadline < ?",
        (today.isoformat(),),
    ).fetchone()[0]
