"""SQL of publication: staff's choices, the snapshot the public reads, moderation. No Flask.

Contract of :func:`snapshot`: the population is the survey's counted responses (``folded`` 1:
in the report counters and not excluded), which is exactly what a release cut in the same
transaction holds. The scope is the publication's modes (all when none are chosen) from the
Monday of the week of its start date (months are whole ISO weeks, as in the reports, so a
published month never splits a week the researcher sees). Counts are kept for the published
questions per month and for the whole scope (month ''), with measure '' counting respondents;
``publication_months`` holds per month the responses in the scope and the counted ones outside
it. A review is a response in the scope whose respondent was told before answering
(``publication_notice``) and answered yes to the survey's consent question; reviews whose
response left the population (excluded, erased, out of the scope) go, moderation kept for the
rest. A review's public text is stored already redacted (:data:`REDACTED` marks a cut), so no
reader of the table can see what staff removed.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

# Where staff redacted text: the public pages show it as "[verwijderd]" in their language.
REDACTED = "\x1f"
REASONS = ("personal_data", "offensive", "off_topic", "spam")
SETTINGS = (
    "show_averages",
    "show_reviews",
    "score_question",
    "rating_questions",
    "text_question",
    "title_question",
    "name_question",
    "from_date",
    "modes",
)
REVIEW_COLUMNS = (
    "id",
    "survey_id",
    "response_id",
    "day",
    "month",
    "score",
    "title",
    "body",
    "name",
    "verified",
    "redactions",
    "reply",
    "replied_on",
)
# The month of a day as the reports count it: the month of its ISO week's Thursday.
MONTH_SQL = (
    "strftime('%Y-%m', date(submitted_on, printf('%+d days',"
    " 3 - (CAST(strftime('%w', submitted_on) AS INTEGER) + 6) % 7)))"
)
_PATH = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week: where a published scope starts."""
    return day - timedelta(days=day.weekday())


# ---- staff's choices ----------------------------------------------------------------------------


def publication(conn: sqlite3.Connection, survey_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM publications WHERE survey_id = ?", (survey_id,)).fetchone()


def by_slug(conn: sqlite3.Connection, slug: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM publications WHERE slug = ?", (slug,)).fetchone()


def slug_taken(conn: sqlite3.Connection, slug: str, survey_id: int) -> bool:
    row = conn.execute(
        "SELECT 1 FROM publications WHERE slug = ? AND survey_id != ?", (slug, survey_id)
    ).fetchone()
    return row is not None


def save(conn: sqlite3.Connection, survey_id: int, slug: str, choices: dict[str, Any]) -> None:
    """Insert or replace the choices (keys of :data:`SETTINGS`; lists stored as JSON)."""
    values = [
        json.dumps(choices[name]) if isinstance(choices[name], list) else choices[name]
        for name in SETTINGS
    ]
    columns = ", ".join(("survey_id", "slug", *SETTINGS))
    marks = ", ".join("?" * (len(SETTINGS) + 2))
    updates = ", ".join(f"{name} = excluded.{name}" for name in ("slug", *SETTINGS))
    conn.execute(
        f"INSERT INTO publications ({columns}) VALUES ({marks})"  # noqa: S608 - fixed names
        f" ON CONFLICT (survey_id) DO UPDATE SET {updates}",
        (survey_id, slug, *values),
    )


def set_published(conn: sqlite3.Connection, survey_id: int, at: str | None) -> None:
    """Published since ``at``, or withdrawn (None): the public snapshot goes with it."""
    conn.execute(
        "UPDATE publications SET published = ?, published_at = ? WHERE survey_id = ?",
        (int(at is not None), at, survey_id),
    )
    if at is None:
        clear_counts(conn, survey_id)
        conn.execute(
            "UPDATE publication_exports SET stale_since = ?, stale_reason = 'withdrawn'"
            " WHERE survey_id = ? AND stale_since IS NULL",
            (at_or_now(conn), survey_id),
        )


def clear_counts(conn: sqlite3.Connection, survey_id: int) -> None:
    """No published figures until the next snapshot."""
    conn.execute("DELETE FROM publication_counts WHERE survey_id = ?", (survey_id,))
    conn.execute("DELETE FROM publication_months WHERE survey_id = ?", (survey_id,))


def at_or_now(conn: sqlite3.Connection) -> str:
    return conn.execute("SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now')").fetchone()[0]


def published_surveys(conn: sqlite3.Connection) -> list[int]:
    return [r[0] for r in conn.execute("SELECT survey_id FROM publications WHERE published = 1")]


def changes_since_release(conn: sqlite3.Connection, survey_id: int) -> int:
    """How many responses changed since the researcher's release (none: never released
    and nothing counted since is 0 too)."""
    row = conn.execute(
        "SELECT changes FROM report_releases WHERE survey_id = ?", (survey_id,)
    ).fetchone()
    return row[0] if row else 0


# ---- the snapshot -------------------------------------------------------------------------------


def _scope(pub: sqlite3.Row) -> tuple[str, list[Any]]:
    """SQL condition on ``responses`` for the publication's scope, and its parameters."""
    parts, params = [], []
    modes = json.loads(pub["modes"])
    if modes:
        parts.append(f"mode IN ({', '.join('?' * len(modes))})")
        params.extend(modes)
    if pub["from_date"]:
        parts.append("submitted_on >= ?")
        params.append(week_start(date.fromisoformat(pub["from_date"])).isoformat())
    return (" AND ".join(parts) or "1"), params


def _json_path(question: str) -> str:
    if not _PATH.match(question):
        raise ValueError(f"not a question id: {question!r}")
    return f"$.{question}"


def published_questions(pub: sqlite3.Row) -> list[str]:
    """The scale questions whose averages are published: the score first."""
    out = [pub["score_question"]] if pub["score_question"] else []
    return out + [q for q in json.loads(pub["rating_questions"]) if q not in out]


def snapshot_counts(conn: sqlite3.Connection, survey_id: int, pub: sqlite3.Row) -> None:
    """Replace the published counts and months (see the module docstring)."""
    scope, params = _scope(pub)
    clear_counts(conn, survey_id)
    base = f"FROM responses WHERE survey_id = ? AND folded = 1 AND {scope}"  # noqa: S608
    for question in ["", *published_questions(pub)]:
        answer = "''" if not question else "json_extract(answers, ?)"
        extra = [] if not question else [_json_path(question)]
        # One pass per question: per month and answer, then the scope's total from those rows.
        conn.execute(
            "INSERT INTO publication_counts (survey_id, question, month, answer, n)"  # noqa: S608 - fixed names and SQL of this module
            f" SELECT ?, ?, month, answer, count(*) FROM (SELECT {MONTH_SQL} AS month,"  # noqa: S608
            f" CAST({answer} AS TEXT) AS answer {base})"
            " WHERE answer IS NOT NULL AND answer != '' OR ? = ''"
            " GROUP BY month, answer",
            (survey_id, question, *extra, survey_id, *params, question),
        )
        conn.execute(
            "INSERT INTO publication_counts (survey_id, question, month, answer, n)"
            " SELECT survey_id, question, '', answer, sum(n) FROM publication_counts"
            " WHERE survey_id = ? AND question = ? AND month != '' GROUP BY answer",
            (survey_id, question),
        )
    conn.execute(
        "INSERT INTO publication_months (survey_id, month, n, outside)"  # noqa: S608 - fixed names and SQL of this module
        f" SELECT ?, {MONTH_SQL} AS month, sum({scope}), sum(NOT ({scope}))"  # noqa: S608
        " FROM responses WHERE survey_id = ? AND folded = 1 GROUP BY month",
        (survey_id, *params, *params, survey_id),
    )
    conn.execute(
        "INSERT INTO publication_months (survey_id, month, n, outside)"
        " SELECT survey_id, '', coalesce(sum(n), 0), coalesce(sum(outside), 0)"
        " FROM publication_months WHERE survey_id = ?",
        (survey_id,),
    )


def _candidates(pub: sqlite3.Row, consent: str) -> tuple[str, list[Any]]:
    scope, params = _scope(pub)
    return (
        "SELECT id FROM responses WHERE survey_id = ? AND folded = 1"  # noqa: S608
        " AND publication_notice = 1 AND json_extract(answers, ?) = 'yes' AND " + scope,
        [pub["survey_id"], _json_path(consent), *params],
    )


def _text(question: str | None) -> tuple[str, list[str]]:
    if not question:
        return "NULL", []
    return "nullif(replace(json_extract(answers, ?), char(31), ''), '')", [_json_path(question)]


def snapshot_reviews(
    conn: sqlite3.Connection, survey_id: int, pub: sqlite3.Row, consent: str | None
) -> list[int]:
    """Drop the reviews whose response left (withheld ones too) and add the new ones, in
    random order within the snapshot (ids never follow the order responses came in); returns
    the new reviews' ids. Their names are added by the caller (:func:`set_name`)."""
    if consent is None:
        for table in ("published_reviews", "withheld_reviews"):
            conn.execute(f"DELETE FROM {table} WHERE survey_id = ?", (survey_id,))  # noqa: S608
        return []
    candidates, params = _candidates(pub, consent)
    for table in ("published_reviews", "withheld_reviews"):
        conn.execute(
            f"DELETE FROM {table} WHERE survey_id = ? AND response_id NOT IN ({candidates})",  # noqa: S608
            (survey_id, *params),
        )
    score = pub["score_question"]
    title_sql, title_params = _text(pub["title_question"])
    body_sql, body_params = _text(pub["text_question"])
    score_sql = "NULL" if not score else "CAST(nullif(json_extract(answers, ?), 'na') AS INTEGER)"
    score_params = [] if not score else [_json_path(score)]
    top = next_review_id(conn) - 1
    conn.execute(
        "INSERT INTO published_reviews (id, survey_id, response_id, day, month, score, title,"  # noqa: S608 - fixed names and SQL of this module
        " body, verified)"
        f" SELECT ? + row_number() OVER (ORDER BY random()), survey_id, id, submitted_on,"  # noqa: S608
        f" {MONTH_SQL}, {score_sql}, {title_sql}, {body_sql}, mode = 'invitation'"
        f" FROM responses WHERE id IN ({candidates})"
        " AND id NOT IN (SELECT response_id FROM published_reviews WHERE survey_id = ?)"
        " AND id NOT IN (SELECT response_id FROM withheld_reviews WHERE survey_id = ?)",
        (top, *score_params, *title_params, *body_params, *params, survey_id, survey_id),
    )
    return [
        r[0]
        for r in conn.execute(
            "SELECT id FROM published_reviews WHERE survey_id = ? AND id > ?", (survey_id, top)
        )
    ]


def next_review_id(conn: sqlite3.Connection) -> int:
    """Ids are shared by both tables, so a review keeps its id when withheld and restored."""
    row = conn.execute(
        "SELECT max(coalesce((SELECT max(id) FROM published_reviews), 0),"
        " coalesce((SELECT max(id) FROM withheld_reviews), 0))"
    ).fetchone()
    return row[0] + 1


def typed_names(
    conn: sqlite3.Connection, review_ids: Sequence[int], question: str
) -> list[tuple[int, str, bytes]]:
    """(review id, response id, sealed name) of those reviews whose respondent typed a name
    into ``question``."""
    out = []
    for chunk in _chunks(review_ids):
        marks = ", ".join("?" * len(chunk))
        out.extend(
            (r[0], r[1], r[2])
            for r in conn.execute(
                "SELECT p.id, p.response_id, n.value FROM published_reviews p"  # noqa: S608 - fixed names and SQL of this module
                " JOIN name_answers n ON n.response_id = p.response_id"
                f" WHERE p.id IN ({marks}) AND n.question_id = ?",  # noqa: S608
                (*chunk, question),
            )
        )
    return out


def set_name(conn: sqlite3.Connection, table: str, review_id: int, sealed: bytes | None) -> None:
    _check_table(table)
    conn.execute(f"UPDATE {table} SET name = ? WHERE id = ?", (sealed, review_id))  # noqa: S608


def set_snapshot(conn: sqlite3.Connection, survey_id: int, at: str, pending: bool) -> None:
    conn.execute(
        "UPDATE publications SET snapshot_at = ?, aggregates_pending = ? WHERE survey_id = ?",
        (at, int(pending), survey_id),
    )


def reviews_of_survey(conn: sqlite3.Connection, survey_id: int) -> list[tuple[str, int, str]]:
    """(table, review id, response id) of every review of a survey, both tables."""
    return [
        (table, r[0], r[1])
        for table in ("published_reviews", "withheld_reviews")
        for r in conn.execute(
            f"SELECT id, response_id FROM {table} WHERE survey_id = ?",  # noqa: S608
            (survey_id,),
        )
    ]


def reviews_of_response(conn: sqlite3.Connection, response_id: str) -> list[tuple[str, Any]]:
    """(table, row) of the review taken from a response: none or one."""
    out = []
    for table in ("published_reviews", "withheld_reviews"):
        row = conn.execute(
            f"SELECT * FROM {table} WHERE response_id = ?",  # noqa: S608 - fixed names
            (response_id,),
        ).fetchone()
        if row is not None:
            out.append((table, row))
    return out


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
    _check_table(target)
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
    _check_table(table)
    conn.execute(
        f"UPDATE {table} SET redactions = ?, title = ?, body = ?, score = ? WHERE id = ?",  # noqa: S608
        (json.dumps(redactions, ensure_ascii=False), title, body, score, review_id),
    )


def set_reply(
    conn: sqlite3.Connection, table: str, review_id: int, text: str | None, on: str | None
) -> None:
    _check_table(table)
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


def _check_table(table: str) -> None:
    if table not in ("published_reviews", "withheld_reviews"):
        raise ValueError(f"not a review table: {table!r}")


def _chunks(values: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
