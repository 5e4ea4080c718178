"""SQL of what interviewers read out beside the questions (``interview_scripts``) and of a
survey's rule for broken-off interviews (``interview_settings``)."""

from __future__ import annotations

import sqlite3

# (keep a broken-off interview as a partial response, from this % of the applicable questions)
NO_RULE = (False, 50)


def scripts_of(conn: sqlite3.Connection, survey_id: int) -> dict[str, sqlite3.Row]:
    """The survey's scripts by language (``intro``, ``closing``, ``consent``)."""
    rows = conn.execute(
        "SELECT language, intro, closing, consent FROM interview_scripts WHERE survey_id = ?",
        (survey_id,),
    )
    return {r["language"]: r for r in rows}


def set_script(
    conn: sqlite3.Connection, survey_id: int, language: str, intro: str, closing: str, consent: str
) -> None:
    conn.execute(
        "INSERT INTO interview_scripts (survey_id, language, intro, closing, consent)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (survey_id, language) DO UPDATE SET"
        " intro = excluded.intro, closing = excluded.closing, consent = excluded.consent",
        (survey_id, language, intro, closing, consent),
    )


def partial_rule(conn: sqlite3.Connection, survey_id: int) -> tuple[bool, int]:
    row = conn.execute(
        "SELECT keep_partial, partial_percent FROM interview_settings WHERE survey_id = ?",
        (survey_id,),
    ).fetchone()
    return (bool(row[0]), int(row[1])) if row else NO_RULE


def set_partial_rule(conn: sqlite3.Connection, survey_id: int, keep: bool, percent: int) -> None:
    conn.execute(
        "INSERT INTO interview_settings (survey_id, keep_partial, partial_percent)"
        " VALUES (?, ?, ?) ON CONFLICT (survey_id) DO UPDATE SET"
        " keep_partial = excluded.keep_partial, partial_percent = excluded.partial_percent",
        (survey_id, int(keep), percent),
    )
