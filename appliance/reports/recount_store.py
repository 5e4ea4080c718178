"""SQL of recounting a survey's report counters without holding the write lock for long.

Contract: ranges of responses (by id) are read without the write lock, each on its own short
snapshot, and add into the temporary tables of ``reports.fold_store`` (:func:`count_range`);
:func:`swap` replaces the survey's counters and reportable segments with them in one short
write transaction. While a recount is marked (:func:`mark_recount`), the fold leaves the survey
alone, so the states it counts from stay put; a direct change of the counters (an erased
answer) raises the survey's generation (:func:`bump_generation`), and :func:`swap` refuses a
recount begun before it. A recount of a large survey may wait for the jobs of ``serve``
(:func:`queue_recount`).

All names in the generated SQL are made in ``reports.fold_store``; values are bound. No Flask.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from appliance.reports.fold_store import EXCLUDED, RECOUNT_STALE_S, add_fine


def response_count(conn: sqlite3.Connection, survey_id: int) -> int:
    return conn.execute(
        "SELECT count(*) FROM responses WHERE survey_id = ?", (survey_id,)
    ).fetchone()[0]


def queue_recount(conn: sqlite3.Connection, survey_id: int, segments: Sequence[str]) -> None:
    """Inside a write transaction: ask the background jobs to recount the survey with
    ``segments`` as its reportable segments (a later choice replaces an earlier one)."""
    conn.execute(
        "INSERT INTO report_folds (survey_id, pending_segments) VALUES (?, ?)"
        " ON CONFLICT (survey_id) DO UPDATE SET pending_segments = excluded.pending_segments",
        (survey_id, json.dumps(list(segments), ensure_ascii=False)),
    )


def queued_recounts(conn: sqlite3.Connection) -> list[tuple[int, list[str]]]:
    """(survey, segments) of every recount waiting for the jobs."""
    return [
        (r[0], json.loads(r[1]))
        for r in conn.execute(
            "SELECT survey_id, pending_segments FROM report_folds"
            " WHERE pending_segments IS NOT NULL ORDER BY survey_id"
        )
    ]


def mark_recount(conn: sqlite3.Connection, survey_id: int, now_s: int) -> int | None:
    """Inside a write transaction: mark the survey as being recounted (the fold leaves it alone)
    and return its generation; None when another live recount holds it."""
    row = conn.execute(
        "SELECT recounting, generation FROM report_folds WHERE survey_id = ?", (survey_id,)
    ).fetchone()
    if row and row[0] > now_s - RECOUNT_STALE_S:
        return None
    conn.execute(
        "INSERT INTO report_folds (survey_id, recounting) VALUES (?, ?)"
        " ON CONFLICT (survey_id) DO UPDATE SET recounting = excluded.recounting",
        (survey_id, now_s),
    )
    return row[1] if row else 0


def renew_recount(conn: sqlite3.Connection, survey_id: int, now_s: int) -> None:
    conn.execute(
        "UPDATE report_folds SET recounting = ? WHERE survey_id = ? AND recounting != 0",
        (now_s, survey_id),
    )


def unmark_recount(conn: sqlite3.Connection, survey_id: int) -> None:
    conn.execute("UPDATE report_folds SET recounting = 0 WHERE survey_id = ?", (survey_id,))


def bump_generation(conn: sqlite3.Connection, survey_id: int) -> None:
    """Inside a write transaction: the survey's counters were changed directly."""
    conn.execute(
        "INSERT INTO report_folds (survey_id, generation) VALUES (?, 1)"
        " ON CONFLICT (survey_id) DO UPDATE SET generation = generation + 1",
        (survey_id,),
    )


def id_ranges(conn: sqlite3.Connection, survey_id: int, per_range: int) -> list[tuple[str, str]]:
    """Ranges [low, high) of response ids that split the survey's responses into pieces of
    about ``per_range`` (ids are random hex, so prefixes split them evenly)."""
    total = conn.execute(
        "SELECT count(*) FROM responses WHERE survey_id = ?", (survey_id,)
    ).fetchone()[0]
    pieces = 1
    while pieces < 4096 and total / pieces > per_range:
        pieces *= 16
    if pieces == 1:
        return [("", "g")]
    width = len(f"{pieces - 1:x}")
    bounds = ["", *(f"{i:0{width}x}" for i in range(1, pieces)), "g"]
    return list(zip(bounds, bounds[1:], strict=False))


def count_range(
    conn: sqlite3.Connection,
    survey_id: int,
    segments: Sequence[str],
    kinds_json: str,
    low: str,
    high: str,
) -> int:
    """Add the survey's responses with ids in [low, high) to ``temp.fold_fine`` as the
    counters hold them (state 1 only); returns how many of them count as excluded (state 2).
    Each statement reads on its own snapshot and writes only the temporary tables."""
    # ``+survey_id``: walk the primary key by id range, not the survey's index end to end.
    where = "+survey_id = ? AND id >= ? AND id < ?"
    add_fine(
        conn,
        segments,
        kinds_json,
        "SELECT mode, submitted_on, segments, answers, 1 AS w FROM responses"  # noqa: S608
        f" WHERE {where} AND folded = 1",
        (survey_id, low, high),
    )
    return conn.execute(
        f"SELECT count(*) FROM responses WHERE {where} AND folded = 2",  # noqa: S608
        (survey_id, low, high),
    ).fetchone()[0]


def swap(
    conn: sqlite3.Connection,
    survey_id: int,
    segments: Sequence[str],
    excluded: int,
    generation: int | None,
) -> bool:
    """Inside a write transaction: make ``temp.fold_delta`` (with ``excluded``) the survey's
    counters and ``segments`` its reportable segments, and end the recount mark. False, with
    nothing changed, when the counters were changed directly since ``generation`` (None: do not
    check)."""
    if generation is not None:
        now = conn.execute(
            "SELECT generation FROM report_folds WHERE survey_id = ?", (survey_id,)
        ).fetchone()
        if (now[0] if now else 0) != generation:
            return False
    conn.execute("DELETE FROM report_counts WHERE survey_id = ?", (survey_id,))
    conn.execute(
        "INSERT INTO report_counts (survey_id, question, dim1, val1, dim2, val2, answer, n)"
        " SELECT ?, question, dim1, val1, dim2, val2, answer, n FROM temp.fold_delta",
        (survey_id,),
    )
    if excluded:
        conn.execute(
            "INSERT INTO report_counts VALUES (?, ?, '', '', '', '', '', ?)",
            (survey_id, EXCLUDED, excluded),
        )
    conn.execute(
        "UPDATE surveys SET report_segments = ? WHERE id = ?",
        (json.dumps(list(segments), ensure_ascii=False), survey_id),
    )
    unmark_recount(conn, survey_id)
    # Done what the jobs were asked; a choice made since stays asked.
    conn.execute(
        "UPDATE report_folds SET pending_segments = NULL"
        " WHERE survey_id = ? AND pending_segments = ?",
        (survey_id, json.dumps(list(segments), ensure_ascii=False)),
    )
    # A fold prepared before the swap counted for the old counters: it must prepare again.
    bump_generation(conn, survey_id)
    return True
