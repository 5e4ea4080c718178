"""SQL the interview screen needs beyond the services of other planes: the invitation a call
belongs to, and whether a form key has stored a response already."""

from __future__ import annotations

import sqlite3


def invitation_by_id(conn: sqlite3.Connection, invitation_id: int) -> sqlite3.Row | None:
    """The invitation's ``token_hash``, ``survey_id``, ``used`` and fixed ``segments``."""
    return conn.execute(
        "SELECT token_hash, survey_id, used, segments FROM invitations WHERE id = ?",
        (invitation_id,),
    ).fetchone()


def form_key_used(conn: sqlite3.Connection, key_hash: bytes) -> bool:
    """Whether a response was stored under the form key with this keyed hash."""
    return (
        conn.execute("SELECT 1 FROM submissions WHERE key_hash = ?", (key_hash,)).fetchone()
        is not None
    )


def has_phone_campaign(conn: sqlite3.Connection, survey_id: int) -> bool:
    """Whether the survey has a telephone campaign."""
    return (
        conn.execute(
            "SELECT 1 FROM campaigns WHERE survey_id = ? AND channel = 'phone' LIMIT 1",
            (survey_id,),
        ).fetchone()
        is not None
    )
