"""SQL of publication: staff's choices, the snapshot the public reads, moderation. No Flask.

The snapshot's population is the survey's released responses (``responses.released`` 1: in the
researcher's last release, whatever happened to them since), so it can be read at any moment
in single statements outside the write lock (``read_*``) and written in short transactions
(``write_counts``, ``delete_reviews``, ``insert_reviews``). The scope is the publication's
modes (all when none are chosen) from the Monday of the week of its start date (months are
whole ISO weeks, as in the reports, so a published month never splits a week the researcher
sees). Counts are kept for the published questions per month and for the whole scope (month
''), with question '' counting respondents; ``publication_months`` holds per month the
responses in the scope and the released ones outside it. A review is a released response in
the scope whose respondent was told before answering (``publication_notice``), answered yes
to the survey's consent question and wrote something in the review text. A review's public
text is stored already redacted (:data:`REDACTED` marks a cut), so no reader of the table can
see what staff removed.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from appliance.db import iso, utcnow
from appliance.planes import PUBLIC_COLUMNS

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
# What a review row holds: what the public gate may read of it, and the response it came from.
REVIEW_COLUMNS = ("response_id", *sorted(PUBLIC_COLUMNS["published_reviews"]))
_PATH = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week: where a published scope starts."""
    return day - timedelta(days=day.weekday())


# ---- staff's choices ----------------------------------------------------------------------------


def publication(conn: sqlite3.Connection, survey_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM publications WHERE survey_id = ?", (survey_id,)).fetchone()


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
            (iso(utcnow()), survey_id),
        )


def clear_counts(conn: sqlite3.Connection, survey_id: int) -> None:
    """No published figures until the next snapshot."""
    conn.execute("DELETE FROM publication_counts WHERE survey_id = ?", (survey_id,))
    conn.execute("DELETE FROM publication_months WHERE survey_id = ?", (survey_id,))


def release_of(conn: sqlite3.Connection, survey_id: int) -> str | None:
    """Which release of the survey is the last (None: never released)."""
    row = conn.execute(
        "SELECT generation, released_at FROM report_releases WHERE survey_id = ?", (survey_id,)
    ).fetchone()
    return f"{row[0]}" if row and row[1] else None


def stale_snapshots(conn: sqlite3.Connection) -> list[int]:
    """Published surveys whose snapshot is older than their release."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT p.survey_id FROM publications p"
            " JOIN report_releases r ON r.survey_id = p.survey_id"
            " WHERE p.published = 1 AND r.released_at IS NOT NULL"
            " AND (p.snapshot_release IS NULL OR p.snapshot_release != CAST(r.generation AS TEXT))"
        )
    ]


# ---- the snapshot -------------------------------------------------------------------------------
# Read in single statements (each its own short snapshot of the file), outside the write lock:
# the released responses change only when a release is cut, which the caller checks.


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


def month_of(day: str, cache: dict[str, str]) -> str:
    """The month a day counts in, as in the reports: that of its ISO week's Thursday."""
    month = cache.get(day)
    if month is None:
        when = date.fromisoformat(day)
        month = (when + timedelta(days=3 - when.weekday())).strftime("%Y-%m")
        cache[day] = month
    return month


def read_counts(
    conn: sqlite3.Connection, survey_id: int, pub: sqlite3.Row
) -> tuple[list[tuple], list[tuple]]:
    """The published counts (question, month, answer, n; month '' for the scope, question ''
    for respondents) and months (month, n in the scope, n outside it) of the released
    responses."""
    scope, params = _scope(pub)
    questions = published_questions(pub)
    extracts = "".join(", json_extract(answers, ?)" for _ in questions)
    counts: Counter = Counter()
    months: Counter = Counter()
    cache: dict[str, str] = {}
    rows = conn.execute(
        f"SELECT submitted_on, {scope}{extracts} FROM responses"  # noqa: S608 - fixed SQL
        " WHERE survey_id = ? AND released = 1",
        (*params, *(_json_path(q) for q in questions), survey_id),
    )
    for row in rows:
        month = month_of(row[0], cache)
        if not row[1]:
            months[(month, False)] += 1
            continue
        months[(month, True)] += 1
        counts[("", month, "")] += 1
        for question, value in zip(questions, row[2:], strict=True):
            if value not in (None, ""):
                counts[(question, month, str(value))] += 1
    totals: Counter = Counter()
    for (question, _month, answer), n in counts.items():
        totals[(question, "", answer)] += n
    month_rows = [
        (m, months[(m, True)], months[(m, False)]) for m in sorted({m for m, _ in months})
    ]
    month_rows.append(("", sum(r[1] for r in month_rows), sum(r[2] for r in month_rows)))
    return [(*key, n) for key, n in (counts + totals).items()], month_rows


def write_counts(
    conn: sqlite3.Connection, survey_id: int, counts: list[tuple], months: list[tuple]
) -> None:
    clear_counts(conn, survey_id)
    conn.executemany(
        "INSERT INTO publication_counts (survey_id, question, month, answer, n)"
        " VALUES (?, ?, ?, ?, ?)",
        [(survey_id, *row) for row in counts],
    )
    conn.executemany(
        "INSERT INTO publication_months (survey_id, month, n, outside) VALUES (?, ?, ?, ?)",
        [(survey_id, *row) for row in months],
    )


def read_candidates(conn: sqlite3.Connection, pub: sqlite3.Row, consent: str) -> set[str]:
    """The released responses in the scope that may be reviews: told, consenting, and with
    something written in the review text (a score alone counts in the averages only)."""
    scope, params = _scope(pub)
    if not pub["text_question"]:
        return set()
    return {
        r[0]
        for r in conn.execute(
            "SELECT id FROM responses WHERE survey_id = ? AND released = 1"  # noqa: S608
            " AND publication_notice = 1 AND json_extract(answers, ?) = 'yes'"
            f" AND trim(coalesce(json_extract(answers, ?), '')) != '' AND {scope}",
            (pub["survey_id"], _json_path(consent), _json_path(pub["text_question"]), *params),
        )
    }


def review_responses(conn: sqlite3.Connection, survey_id: int) -> dict[str, tuple[str, int]]:
    """Response id -> (table, review id) of every review of the survey, withheld or not."""
    out = {}
    for table in ("published_reviews", "withheld_reviews"):
        for r in conn.execute(
            f"SELECT response_id, id FROM {table} WHERE survey_id = ?",  # noqa: S608
            (survey_id,),
        ):
            out[r[0]] = (table, r[1])
    return out


def read_reviews(
    conn: sqlite3.Connection, pub: sqlite3.Row, response_ids: Sequence[str]
) -> list[tuple]:
    """(response id, day, month, score, title, body, verified) of new reviews."""
    score, title, body = pub["score_question"], pub["title_question"], pub["text_question"]
    paths = [_json_path(q) if q else "$.__none__" for q in (score, title, body)]
    cache: dict[str, str] = {}
    out = []
    for chunk in _chunks(response_ids):
        marks = ", ".join("?" * len(chunk))
        for r in conn.execute(
            "SELECT id, submitted_on, json_extract(answers, ?), json_extract(answers, ?),"  # noqa: S608
            " json_extract(answers, ?), mode = 'invitation' FROM responses"
            f" WHERE id IN ({marks})",
            (*paths, *chunk),
        ):
            raw = r[2]
            out.append(
                (
                    r[0],
                    r[1],
                    month_of(r[1], cache),
                    int(raw) if isinstance(raw, str) and raw.isdigit() else None,
                    _public_text(r[3]),
                    _public_text(r[4]),
                    r[5],
                )
            )
    return out


def _public_text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.replace(REDACTED, "")


def delete_reviews(conn: sqlite3.Connection, reviews: Sequence[tuple[str, int]]) -> None:
    for table, review_id in reviews:
        check_table(table)
        conn.execute(f"DELETE FROM {table} WHERE id = ?", (review_id,))  # noqa: S608


def insert_reviews(
    conn: sqlite3.Connection, survey_id: int, rows: Sequence[tuple], first_id: int
) -> list[tuple[int, str]]:
    """Insert new reviews (rows of :func:`read_reviews`) with ids from ``first_id``, those
    whose response is still released, told and without a review; returns (id, response id)
    of those inserted."""
    done = []
    for offset, row in enumerate(rows):
        review_id = first_id + offset
        cursor = conn.execute(
            "INSERT INTO published_reviews (id, survey_id, response_id, day, month, score,"
            " title, body, verified) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS"
            " (SELECT 1 FROM responses WHERE id = ? AND released = 1 AND publication_notice = 1)"
            " AND NOT EXISTS (SELECT 1 FROM published_reviews WHERE response_id = ?)"
            " AND NOT EXISTS (SELECT 1 FROM withheld_reviews WHERE response_id = ?)",
            (review_id, survey_id, *row, row[0], row[0], row[0]),
        )
        if cursor.rowcount:
            done.append((review_id, row[0]))
    return done


def next_review_id(conn: sqlite3.Connection) -> int:
    """Ids are shared by both tables, so a review keeps its id when withheld and restored."""
    row = conn.execute(
        "SELECT max(coalesce((SELECT max(id) FROM published_reviews), 0),"
        " coalesce((SELECT max(id) FROM withheld_reviews), 0))"
    ).fetchone()
    return row[0] + 1


def typed_names(
    conn: sqlite3.Connection, response_ids: Sequence[str], question: str
) -> dict[str, bytes]:
    """Response id -> sealed name typed into ``question``, for those that have one."""
    out = {}
    for chunk in _chunks(response_ids):
        marks = ", ".join("?" * len(chunk))
        for r in conn.execute(
            "SELECT response_id, value FROM name_answers"  # noqa: S608 - marks only
            f" WHERE response_id IN ({marks}) AND question_id = ?",
            (*chunk, question),
        ):
            out[r[0]] = r[1]
    return out


def set_name(conn: sqlite3.Connection, table: str, review_id: int, sealed: bytes | None) -> None:
    check_table(table)
    conn.execute(f"UPDATE {table} SET name = ? WHERE id = ?", (sealed, review_id))  # noqa: S608


def set_snapshot(
    conn: sqlite3.Connection, survey_id: int, at: str, release: str | None, pending: bool
) -> None:
    conn.execute(
        "UPDATE publications SET snapshot_at = ?, snapshot_release = ?, aggregates_pending = ?"
        " WHERE survey_id = ?",
        (at, release, int(pending), survey_id),
    )


def check_table(table: str) -> None:
    if table not in ("published_reviews", "withheld_reviews"):
        raise ValueError(f"not a review table: {table!r}")


def _chunks(values: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
