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
from appliance.privacy import register_store
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
    return register_store.insert(
        conn,
        received.isoformat(),
        kind,
        reference.strip(),
        deadline_for(received).isoformat(),
        user_id,
        iso(utcnow()),
    )


def get(conn: sqlite3.Connection, request_id: int) -> sqlite3.Row | None:
    return register_store.get(conn, request_id)


def all_requests(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Open requests first, nearest deadline first; then the closed ones, latest first."""
    return register_store.all_requests(conn)


def open_requests(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return register_store.open_requests(conn)


def note(conn: sqlite3.Connection, request_id: int, today: date, text: str) -> None:
    """Append a line (what was done for the request, never a value of the person) to the
    outcome of an open request."""
    line = f"{today.isoformat()} {text.strip()}"
    register_store.append_outcome(conn, request_id, line, MAX_OUTCOME)


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
    return register_store.close(
        conn, request_id, status, outcome.strip(), user_id, today.isoformat(), MAX_OUTCOME
    )


def due_soon_count(conn: sqlite3.Connection, today: date) -> int:
    """Open requests whose deadline is at most :data:`DUE_SOON_DAYS` away or has passed (for a
    banner: each of them needs attention now)."""
    return register_store.open_due_by(conn, (today + timedelta(days=DUE_SOON_DAYS)).isoformat())


def overdue_count(conn: sqlite3.Connection, today: date) -> int:
    return register_store.open_due_before(conn, today.isoformat())
