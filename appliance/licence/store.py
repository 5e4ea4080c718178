"""SQL of the licence: the one ``licence_state`` row and the account counts limits apply to."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    trial_started: str
    body: bytes | None
    installed_at: int | None
    installed_by: int | None
    checked_at: int | None
    problem: str | None
    state: str | None


def load(conn: sqlite3.Connection) -> Row:
    row = conn.execute(
        "SELECT trial_started, body, installed_at, installed_by, checked_at, problem, state"
        " FROM licence_state WHERE id = 1"
    ).fetchone()
    return Row(*row)


def save_body(conn: sqlite3.Connection, body: bytes, at: int, by: int | None) -> None:
    conn.execute(
        "UPDATE licence_state SET body = ?, installed_at = ?, installed_by = ?, checked_at = ?,"
        " problem = NULL WHERE id = 1",
        (body, at, by, at),
    )


def save_check(conn: sqlite3.Connection, at: int, problem: str | None, state: str) -> None:
    conn.execute(
        "UPDATE licence_state SET checked_at = ?, problem = ?, state = ? WHERE id = 1",
        (at, problem, state),
    )


def active_accounts(conn: sqlite3.Connection, role: str, today: str) -> int:
    """Accounts of ``role`` that can sign in now or later: not disabled, not past their end."""
    return conn.execute(
        "SELECT count(*) FROM users WHERE role = ? AND disabled_at IS NULL"
        " AND (valid_until IS NULL OR valid_until >= ?)",
        (role, today),
    ).fetchone()[0]
