"""SQL of paper form entry: the double-entry setting per survey, the pending first entries
(identity plane, see migration 0024), and finding a post invitation by its code's keyed hash.

Call the writing functions inside a transaction (``appliance.paper.entry_service`` holds them).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

DOUBLE_ENTRY = ("off", "sample", "all")


def settings_of(conn: sqlite3.Connection, survey_id: int) -> tuple[str, int]:
    """(double entry: off, sample or all; the sample's percentage); off without a row."""
    row = conn.execute(
        "SELECT double_entry, sample_percent FROM paper_entry_settings WHERE survey_id = ?",
        (survey_id,),
    ).fetchone()
    return (row[0], row[1]) if row else ("off", 10)


def set_settings(conn: sqlite3.Connection, survey_id: int, mode: str, percent: int) -> None:
    conn.execute(
        "INSERT INTO paper_entry_settings (survey_id, double_entry, sample_percent)"
        " VALUES (?, ?, ?) ON CONFLICT (survey_id) DO UPDATE SET"
        " double_entry = excluded.double_entry, sample_percent = excluded.sample_percent",
        (survey_id, mode, percent),
    )


_INVITATION = "SELECT id, survey_id, used, segments, token_hash FROM invitations"


def invitation_by_code(conn: sqlite3.Connection, code_hash: bytes) -> sqlite3.Row | None:
    """The invitation whose code has this keyed hash (``id``, ``survey_id``, ``used``,
    ``segments``, ``token_hash``), or None."""
    return conn.execute(f"{_INVITATION} WHERE code_hash = ?", (code_hash,)).fetchone()  # noqa: S608


def invitation_by_id(conn: sqlite3.Connection, invitation_id: int) -> sqlite3.Row | None:
    return conn.execute(f"{_INVITATION} WHERE id = ?", (invitation_id,)).fetchone()  # noqa: S608


_PENDING = (
    "SELECT p.id, p.survey_id, p.invitation_id, p.batch, p.language, p.answers, p.form_key,"
    " p.entered_by, p.entered_at,"
    " coalesce(nullif(u.display_name, ''), u.username) AS entered_by_name"
    " FROM paper_pending p JOIN users u ON u.id = p.entered_by"
)


def pending_by_id(conn: sqlite3.Connection, survey_id: int, pending_id: str) -> sqlite3.Row | None:
    return conn.execute(
        f"{_PENDING} WHERE p.survey_id = ? AND p.id = ?",  # noqa: S608
        (survey_id, pending_id),
    ).fetchone()


def pending_for_invitation(conn: sqlite3.Connection, invitation_id: int) -> sqlite3.Row | None:
    return conn.execute(
        f"{_PENDING} WHERE p.invitation_id = ?",  # noqa: S608
        (invitation_id,),
    ).fetchone()


def pending_of(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    """The survey's pending first entries, oldest first."""
    return conn.execute(
        f"{_PENDING} WHERE p.survey_id = ? ORDER BY p.entered_at, p.id",  # noqa: S608
        (survey_id,),
    ).fetchall()


def add_pending(conn: sqlite3.Connection, **row: Any) -> None:
    """Hold a first entry (``id``, ``survey_id``, ``invitation_id`` or ``batch``, ``language``,
    ``answers`` as a dict, ``form_key``, ``entered_by``, ``entered_at``). Raises
    sqlite3.IntegrityError when the invitation or batch code already has one."""
    conn.execute(
        "INSERT INTO paper_pending (id, survey_id, invitation_id, batch, language, answers,"
        " form_key, entered_by, entered_at) VALUES (:id, :survey_id, :invitation_id, :batch,"
        " :language, :answers, :form_key, :entered_by, :entered_at)",
        {**row, "answers": json.dumps(row["answers"], ensure_ascii=False, sort_keys=True)},
    )


def delete_pending(conn: sqlite3.Connection, pending_id: str) -> bool:
    """Erase a pending entry (``secure_delete`` overwrites its answers); False if gone."""
    return conn.execute("DELETE FROM paper_pending WHERE id = ?", (pending_id,)).rowcount > 0
