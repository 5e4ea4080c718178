"""SQL of settling older responses' segment values (``responses.upgrade_service``)."""

from __future__ import annotations

import sqlite3


def marked_surveys(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM surveys WHERE legacy_segments = 1")]


def report_segments(conn: sqlite3.Connection, survey_id: int) -> str | None:
    row = conn.execute("SELECT report_segments FROM surveys WHERE id = ?", (survey_id,)).fetchone()
    return row[0] if row else None


def unsettled_waves(conn: sqlite3.Connection, survey_id: int) -> list:
    """Campaign ids (None for invitations made alone) with invitations lacking fixed values."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT campaign_id FROM invitations WHERE survey_id = ? AND segments IS NULL",
            (survey_id,),
        )
    ]


def unsettled_invitations(conn: sqlite3.Connection, survey_id: int, wave) -> list[sqlite3.Row]:
    """(id, the contact's segments or None once erased, its language) in wave order."""
    return conn.execute(
        "SELECT i.id, c.segments, c.language FROM invitations i"
        " LEFT JOIN contacts c ON c.id = i.contact_id"
        " WHERE i.survey_id = ? AND i.segments IS NULL AND i.campaign_id IS ? ORDER BY i.id",
        (survey_id, wave),
    ).fetchall()


def fix_values(conn: sqlite3.Connection, rows: list[tuple[str, str, int]]) -> None:
    """Set (segments, group_key) of invitations given as (segments, group_key, id)."""
    conn.executemany("UPDATE invitations SET segments = ?, group_key = ? WHERE id = ?", rows)


def used_values(conn: sqlite3.Connection, survey_id: int) -> list[str]:
    """The fixed values of every used invitation of the survey (JSON texts)."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT segments FROM invitations WHERE survey_id = ? AND used = 1", (survey_id,)
        )
        if r[0]
    ]


def responses_to_settle(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT id, mode, language, segments FROM responses WHERE survey_id = ?"
        " AND (mode = 'invitation' OR segments != '{}')",
        (survey_id,),
    ).fetchall()


def set_response_values(conn: sqlite3.Connection, response_id: str, segments: str, language: str):
    conn.execute(
        "UPDATE responses SET segments = ?, language = ? WHERE id = ?",
        (segments, language, response_id),
    )


def mark_settled(conn: sqlite3.Connection, survey_id: int) -> None:
    conn.execute("UPDATE surveys SET legacy_segments = 0 WHERE id = ?", (survey_id,))
