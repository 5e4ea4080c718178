"""SQL of the data-quality flags (``appliance.responses.quality``): survey durations through the
(survey, duration) index, and the keyed hashes of open answers already given."""

from __future__ import annotations

import sqlite3


def timed_responses(conn: sqlite3.Connection, survey_id: int) -> int:
    """How many of the survey's responses have a duration."""
    return conn.execute(
        "SELECT count(*) FROM responses WHERE survey_id = ? AND duration_s IS NOT NULL",
        (survey_id,),
    ).fetchone()[0]


def durations_from(conn: sqlite3.Connection, survey_id: int, offset: int, n: int) -> list[int]:
    """The survey's durations from position ``offset`` (0 is the shortest), at most ``n``."""
    rows = conn.execute(
        "SELECT duration_s FROM responses WHERE survey_id = ? AND duration_s IS NOT NULL"
        " ORDER BY duration_s LIMIT ? OFFSET ?",
        (survey_id, n, offset),
    ).fetchall()
    return [r[0] for r in rows]


def note_open_text(
    conn: sqlite3.Connection, survey_id: int, question_id: str, digest: bytes
) -> bool:
    """Keep an open answer's keyed hash; False when the survey had it already (a duplicate).
    Inside the transaction that stores the response."""
    return bool(
        conn.execute(
            "INSERT OR IGNORE INTO open_text_hashes (survey_id, question_id, digest)"
            " VALUES (?, ?, ?)",
            (survey_id, question_id, digest),
        ).rowcount
    )
