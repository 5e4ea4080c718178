"""SQL of moderation and of the static exports' record. No Flask.

A review lives in ``published_reviews`` or, withheld, in ``withheld_reviews`` (same columns, same
id); moving it is a delete and an insert. The moderation log names the review by id only.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from appliance.publication.store import REVIEW_COLUMNS, check_table


def delete_reviews_of(conn: sqlite3.Connection, response_id: str) -> None:
    """The review of a response goes, and the response can never become one again."""
    conn.execute("UPDATE responses SET publication_notice = 0 WHERE id = ?", (response_id,))
    for table in ("published_reviews", "withheld_reviews"):
        conn.execute(f"DELETE FROM {table} WHERE response_id = ?", (response_id,))  # noqa: S608


# ---- moderation ---------------------------------------------------------------------------------


def find_review(conn: sqlite3.Connection, survey_id: int, review_id: int) -> tuple[str, Any]:
    """(table, row) of a review of this survey, or ('', None)."""
    for table in ("published_reviews", "withheld_reviews"):
        row = conn.execute(
            f"SELECT * FROM {table} WHERE id = ? AND survey_id = ?",  # noqa: S608
            (review_id, survey_id),
        ).fetchone()
        if row is not None:
            return table, row
    return "", None


def move_review(
    conn: sqlite3.Connection,
    row: sqlite3.Row,
    target: str,
    name: bytes | None,
    reason: str | None = None,
    on: str | None = None,
) -> None:
    """Move a review to ``target`` (its name sealed anew for that table by the caller)."""
    check_table(target)
    source = "withheld_reviews" if target == "published_reviews" else "published_reviews"
    values = [row[c] for c in REVIEW_COLUMNS]
    values[REVIEW_COLUMNS.index("name")] = name
    columns = list(REVIEW_COLUMNS)
    if target == "withheld_reviews":
        columns += ["reason", "withheld_on"]
        values += [reason, on]
    conn.execute(f"DELETE FROM {source} WHERE id = ?", (row["id"],))  # noqa: S608
    conn.execute(
        f"INSERT INTO {target} ({', '.join(columns)})"  # noqa: S608
        f" VALUES ({', '.join('?' * len(columns))})",
        values,
    )


def set_text(
    conn: sqlite3.Connection,
    table: str,
    review_id: int,
    redactions: list[str],
    title: str | None,
    body: str | None,
    score: int | None,
) -> None:
    check_table(table)
    conn.execute(
        f"UPDATE {table} SET redactions = ?, title = ?, body = ?, score = ? WHERE id = ?",  # noqa: S608
        (json.dumps(redactions, ensure_ascii=False), title, body, score, review_id),
    )


def set_reply(
    conn: sqlite3.Connection, table: str, review_id: int, text: str | None, on: str | None
) -> None:
    check_table(table)
    conn.execute(
        f"UPDATE {table} SET reply = ?, replied_on = ? WHERE id = ?",  # noqa: S608
        (text, on, review_id),
    )


def log(
    conn: sqlite3.Connection,
    survey_id: int,
    review_id: int,
    action: str,
    reason: str | None,
    at: str,
    user_id: int | None,
) -> None:
    conn.execute(
        "INSERT INTO publication_moderation (survey_id, review_id, action, reason, at, user_id)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (survey_id, review_id, action, reason, at, user_id),
    )


def moderation_log(conn: sqlite3.Connection, survey_id: int, limit: int = 200) -> list:
    return conn.execute(
        "SELECT m.*, u.username FROM publication_moderation m"
        " LEFT JOIN users u ON u.id = m.user_id WHERE m.survey_id = ? ORDER BY m.id DESC LIMIT ?",
        (survey_id, limit),
    ).fetchall()


def staff_reviews(
    conn: sqlite3.Connection, survey_id: int, withheld: bool, offset: int, limit: int
) -> list[sqlite3.Row]:
    """A page of reviews for moderation, newest first (the response id included: staff may
    open the response)."""
    table = "withheld_reviews" if withheld else "published_reviews"
    return conn.execute(
        f"SELECT * FROM {table} WHERE survey_id = ?"  # noqa: S608
        " ORDER BY day DESC, id DESC LIMIT ? OFFSET ?",
        (survey_id, limit, offset),
    ).fetchall()


def review_totals(conn: sqlite3.Connection, survey_id: int) -> dict[str, int]:
    shown = conn.execute(
        "SELECT count(*) FROM published_reviews WHERE survey_id = ?", (survey_id,)
    ).fetchone()[0]
    withheld = conn.execute(
        "SELECT count(*) FROM withheld_reviews WHERE survey_id = ?", (survey_id,)
    ).fetchone()[0]
    return {"shown": shown, "withheld": withheld}


def response_texts(conn: sqlite3.Connection, response_id: str) -> sqlite3.Row | None:
    return conn.execute("SELECT answers FROM responses WHERE id = ?", (response_id,)).fetchone()


# ---- static exports -----------------------------------------------------------------------------


def record_export(conn: sqlite3.Connection, survey_id: int, at: str, user_id: int | None) -> int:
    return conn.execute(
        "INSERT INTO publication_exports (survey_id, made_at, user_id) VALUES (?, ?, ?)",
        (survey_id, at, user_id),
    ).lastrowid


def exports(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM publication_exports WHERE survey_id = ? ORDER BY id DESC", (survey_id,)
    ).fetchall()


def stale_exports(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """Static exports that show something no longer published (newest first)."""
    return conn.execute(
        "SELECT e.*, s.title, p.slug FROM publication_exports e"
        " JOIN surveys s ON s.id = e.survey_id"
        " LEFT JOIN publications p ON p.survey_id = e.survey_id"
        " WHERE e.stale_since IS NOT NULL ORDER BY e.stale_since DESC, e.id DESC"
    ).fetchall()


def refreshed_export(conn: sqlite3.Connection, survey_id: int) -> None:
    """A new export replaces the earlier ones: they no longer need a refresh."""
    conn.execute(
        "DELETE FROM publication_exports WHERE survey_id = ? AND stale_since IS NOT NULL",
        (survey_id,),
    )
