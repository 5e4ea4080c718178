"""SQL of the interviewer figures: counters per survey, interviewer and day (migration 0030).
No Flask here; writers run inside the caller's write transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def add_attempt(
    conn: sqlite3.Connection, survey_id: int, user_id: int, day: str, at: float
) -> None:
    """One attempt at epoch ``at`` on ``day``: widens the day's first and last activity."""
    conn.execute(
        "INSERT INTO interviewer_days (survey_id, user_id, day, first_at, last_at, attempts)"
        " VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT DO UPDATE SET"
        " first_at = min(coalesce(first_at, excluded.first_at), excluded.first_at),"
        " last_at = max(coalesce(last_at, excluded.last_at), excluded.last_at),"
        " attempts = attempts + 1",
        (survey_id, user_id, day, at, at),
    )


def add_interview(
    conn: sqlite3.Connection,
    survey_id: int,
    user_id: int,
    day: str,
    seconds: int | None,
    scores: Iterable[tuple[str, float]],
) -> None:
    """One stored interview of ``day``, its length (None: unknown) and its (question, score)
    pairs. Only the count and the sum of the scores are kept: the page needs no more, and a sum
    of squares beside the sum would give the scores of a day with two interviews."""
    timed = 0 if seconds is None else 1
    conn.execute(
        "INSERT INTO interviewer_days (survey_id, user_id, day, interviews, interview_seconds,"
        " timed) VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT DO UPDATE SET"
        " interviews = interviews + 1,"
        " interview_seconds = interview_seconds + excluded.interview_seconds,"
        " timed = timed + excluded.timed",
        (survey_id, user_id, day, seconds or 0, timed),
    )
    conn.executemany(
        "INSERT INTO interviewer_scores (survey_id, user_id, day, question_id, n, total)"
        " VALUES (?, ?, ?, ?, 1, ?) ON CONFLICT DO UPDATE SET n = n + 1,"
        " total = total + excluded.total",
        [(survey_id, user_id, day, q, value) for q, value in scores],
    )


def days_before(conn: sqlite3.Connection, survey_id: int, day: str) -> list[sqlite3.Row]:
    """Per interviewer of the survey, summed over the days before ``day``: user_id, name
    (display name or user name), interviews, timed, interview_seconds and worked_seconds (each
    day from its first to its last activity, plus that day's mean interview length for the
    last activity, whose end is not recorded). Ordered by name."""
    return conn.execute(
        "SELECT d.user_id, coalesce(nullif(u.display_name, ''), u.username) AS name,"
        " sum(d.interviews) AS interviews, sum(d.timed) AS timed,"
        " sum(d.interview_seconds) AS interview_seconds,"
        " sum(coalesce(d.last_at - d.first_at, 0)"
        "     + CASE WHEN d.timed > 0 THEN d.interview_seconds * 1.0 / d.timed ELSE 0 END)"
        "   AS worked_seconds"
        " FROM interviewer_days d JOIN users u ON u.id = d.user_id"
        " WHERE d.survey_id = ? AND d.day < ? GROUP BY d.user_id ORDER BY name, d.user_id",
        (survey_id, day),
    ).fetchall()


def scores_before(conn: sqlite3.Connection, survey_id: int, day: str) -> list[sqlite3.Row]:
    """Per interviewer and score question, summed over the days before ``day``: user_id,
    question_id, n, total."""
    return conn.execute(
        "SELECT user_id, question_id, sum(n) AS n, sum(total) AS total FROM interviewer_scores"
        " WHERE survey_id = ? AND day < ? GROUP BY user_id, question_id",
        (survey_id, day),
    ).fetchall()
