"""SQL of the counters' upkeep: folding new responses in, and recounting a survey.

Contract: at every commit a survey's counters (``report_counts``) equal the sum over its
responses of what each adds in the state its ``folded`` column records: 0 nothing, 1 its keys
(``counters.keys_for``), 2 one ``#excluded``. A submission stores its response with 0 and
touches no counter.

- :func:`prepare_batch` takes up to ``limit`` responses of one survey whose state is behind
  what it should be (``1 + excluded``) and computes, with a handful of set-based statements and
  without the write lock, what bringing them there changes; :func:`apply_batch` writes that in
  the caller's short write transaction after checking nothing it was made from changed. All of
  a batch or none of it counts, so a crash never counts a response twice.
- The finest groups (:func:`add_fine`) and their roll-up into counter changes (:func:`roll_up`)
  serve the recount too (``reports.recount_store``): a survey marked as being recounted is left
  alone by the fold, and a batch prepared before a recount's swap is refused.

All names in the generated SQL are made here; values are bound. No Flask.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from appliance.reports.counters import UNCOUNTED
from appliance.surveys.definition import TEXT_TYPES, Definition
from appliance.surveys.store import parse_definition

EXCLUDED = "#excluded"
# The partial index ``responses_unfolded`` holds exactly the rows of this condition.
UNFOLDED = "folded != 1 + (excluded_on IS NOT NULL)"
# A recount marks its survey and renews the mark as it goes; a mark this old was left by a
# recount that died, and the fold takes the survey back.
RECOUNT_STALE_S = 120

# ISO week of a day in SQL: the week's Thursday decides year and number.
_WEEK = (
    "strftime('%Y', date(submitted_on, '-3 days', 'weekday 4')) || '-W' ||"
    " printf('%02d', (strftime('%j', date(submitted_on, '-3 days', 'weekday 4')) - 1) / 7 + 1)"
)


def counting(conn: sqlite3.Connection, survey_id: int) -> tuple[str, list[str]]:
    """What counting a survey's responses depends on: the kind of each counted question (JSON,
    see :func:`kinds`) and the reportable segments (sorted)."""
    row = conn.execute(
        "SELECT definition, report_segments FROM surveys WHERE id = ?", (survey_id,)
    ).fetchone()
    return json.dumps(kinds(parse_definition(row[0]))), sorted(json.loads(row[1]))


def kinds(definition: Definition) -> dict[str, str]:
    """Per counted question how its answer is read (see ``counters.measures``): 't' an open
    text (counted as '*'), 'x' a matrix (one measure per item), 'm' multiple choice (answered at
    all, then each value), 'v' one value."""
    out = {}
    for q in definition.questions.values():
        if q.type in UNCOUNTED:
            continue
        out[q.id] = (
            "t"
            if q.type in TEXT_TYPES
            else "x"
            if q.type == "matrix"
            else "m"
            if q.type == "multiple"
            else "v"
        )
    return out


# ---- the finest groups, and what they add up to -------------------------------------------------


def start(conn: sqlite3.Connection, segments: Sequence[str]) -> None:
    """Empty temporary tables for one fold or recount: the finest groups (mode, week, one
    column per reportable segment, measure, answer) and the counter changes they add up to."""
    seg_cols = "".join(f", s{i} TEXT NOT NULL" for i in range(len(segments)))
    seg_key = "".join(f", s{i}" for i in range(len(segments)))
    conn.execute("DROP TABLE IF EXISTS temp.fold_fine")
    conn.execute("DROP TABLE IF EXISTS temp.fold_delta")
    conn.execute(
        "CREATE TEMP TABLE fold_fine (mode TEXT NOT NULL, week TEXT NOT NULL"  # noqa: S608
        f"{seg_cols}, measure TEXT NOT NULL, answer TEXT NOT NULL, n INTEGER NOT NULL,"
        f" PRIMARY KEY (mode, week{seg_key}, measure, answer)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TEMP TABLE fold_delta (question TEXT NOT NULL, dim1 TEXT NOT NULL,"
        " val1 TEXT NOT NULL, dim2 TEXT NOT NULL, val2 TEXT NOT NULL, answer TEXT NOT NULL,"
        " n INTEGER NOT NULL)"
    )


def finish(conn: sqlite3.Connection) -> None:
    """Drop the temporary tables of a fold or recount."""
    conn.execute("DROP TABLE IF EXISTS temp.fold_batch")
    conn.execute("DROP TABLE IF EXISTS temp.fold_rows")
    conn.execute("DROP TABLE IF EXISTS temp.fold_kinds")
    conn.execute("DROP TABLE IF EXISTS temp.fold_fine")
    conn.execute("DROP TABLE IF EXISTS temp.fold_delta")


def add_fine(
    conn: sqlite3.Connection,
    segments: Sequence[str],
    kinds_json: str,
    source: str,
    params: Sequence,
) -> None:
    """Add the finest groups of the rows of ``source`` (columns mode, submitted_on, segments,
    answers and a weight ``w``) to ``temp.fold_fine``, each row counting ``w`` times: two
    passes, respondents and then answers (``json_tree``)."""
    seg_cols = [f"s{i}" for i in range(len(segments))]
    seg_sql = "".join(f", coalesce(json_extract(segments, ?), '') AS {c}" for c in seg_cols)
    paths = [f'$."{name}"' for name in segments]
    cols = ", ".join(["mode", "week", *seg_cols])
    # Each row's week and segment values once, into a table of its own: left as a subquery,
    # SQLite works them out again for every answer of the row (ten times the work).
    conn.execute("DROP TABLE IF EXISTS temp.fold_rows")
    conn.execute(
        f"CREATE TEMP TABLE fold_rows AS SELECT mode, {_WEEK} AS week{seg_sql},"  # noqa: S608
        f" answers, w FROM ({source}) WHERE w != 0",
        (*paths, *params),
    )
    # The kinds as a keyed table: joined as json_each(?), they are parsed again for every
    # answer.
    conn.execute("DROP TABLE IF EXISTS temp.fold_kinds")
    conn.execute(
        "CREATE TEMP TABLE fold_kinds (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"
    )
    conn.execute("INSERT INTO temp.fold_kinds SELECT key, value FROM json_each(?)", (kinds_json,))
    conn.execute(
        f"INSERT INTO temp.fold_fine ({cols}, measure, answer, n)"  # noqa: S608
        f" SELECT {cols}, '', '', sum(w) FROM temp.fold_rows WHERE true GROUP BY {cols}"
        " ON CONFLICT DO UPDATE SET n = n + excluded.n"
    )
    conn.execute(
        f"""INSERT INTO temp.fold_fine ({cols}, measure, answer, n)
            SELECT {cols}, measure, answer, sum(w) FROM (
            SELECT {", ".join("b." + c for c in cols.split(", "))}, b.w,
                CASE WHEN t.path = '$' THEN t.key WHEN k.value = 'm' THEN k.key
                     ELSE k.key || '.' || t.key END AS measure,
                CASE WHEN t.path != '$' THEN t.atom WHEN k.value = 't' THEN '*'
                     WHEN k.value = 'm' THEN '' ELSE t.atom END AS answer
            FROM temp.fold_rows b, json_tree(b.answers) t
            JOIN temp.fold_kinds k
                ON k.key = CASE WHEN t.path = '$' THEN t.key ELSE substr(t.path, 3) END
            WHERE t.key IS NOT NULL
              AND (t.path = '$' OR k.value IN ('m', 'x'))
              AND NOT (t.path = '$' AND k.value = 'x')
        ) WHERE true GROUP BY {cols}, measure, answer
        ON CONFLICT DO UPDATE SET n = n + excluded.n"""  # noqa: S608 - names generated, values bound
    )
    conn.execute("DROP TABLE temp.fold_rows")
    conn.execute("DROP TABLE temp.fold_kinds")


def roll_up(conn: sqlite3.Connection, segments: Sequence[str]) -> None:
    """Sum ``temp.fold_fine`` into ``temp.fold_delta``: one roll-up per counter dimension
    (everyone, mode, week, each segment alone, with mode, with week and with each later
    segment); sums of zero are left out."""
    # (dim1, column of val1, dim2, column of val2): dimension names are bound as values.
    rollups = [("", "''", "", "''"), ("mode", "mode", "", "''"), ("week", "week", "", "''")]
    for i, name in enumerate(segments):
        d = f"seg:{name}"
        rollups.append((d, f"s{i}", "", "''"))
        rollups.append((d, f"s{i}", "mode", "mode"))
        rollups.append((d, f"s{i}", "week", "week"))
        rollups.extend(
            (d, f"s{i}", f"seg:{segments[j]}", f"s{j}") for j in range(i + 1, len(segments))
        )
    for d1, v1, d2, v2 in rollups:
        conn.execute(
            "INSERT INTO temp.fold_delta (question, dim1, val1, dim2, val2, answer, n)"  # noqa: S608
            f" SELECT measure, ?, {v1}, ?, {v2}, answer, sum(n) FROM temp.fold_fine"
            f" GROUP BY measure, {v1}, {v2}, answer HAVING sum(n) != 0",
            (d1, d2),
        )


# ---- the fold ------------------------------------------------------------------------------------


def unfolded_surveys(conn: sqlite3.Connection) -> list[int]:
    """Surveys with responses the counters do not hold as they should."""
    return [
        r[0]
        for r in conn.execute(
            f"SELECT DISTINCT survey_id FROM responses WHERE {UNFOLDED} ORDER BY survey_id"  # noqa: S608
        )
    ]


def prepare_batch(
    conn: sqlite3.Connection, survey_id: int, limit: int, now_s: int
) -> tuple[int, int] | None:
    """Without the write lock (reads, and writes to temporary tables only): take up to
    ``limit`` responses of the survey whose counted state is behind, with the state they are in
    and should be in (``temp.fold_batch``), and what bringing them there changes in the counters
    (``temp.fold_delta``). Returns (responses taken, the survey's generation), or None when a
    live recount holds the survey. :func:`apply_batch` then writes it, or the caller drops it
    (:func:`finish`)."""
    marked = conn.execute(
        "SELECT recounting, generation FROM report_folds WHERE survey_id = ?", (survey_id,)
    ).fetchone()
    if marked and marked[0] > now_s - RECOUNT_STALE_S:
        return None
    generation = marked[1] if marked else 0
    conn.execute("DROP TABLE IF EXISTS temp.fold_batch")
    conn.execute(
        "CREATE TEMP TABLE fold_batch (id TEXT PRIMARY KEY, folded INTEGER, target INTEGER)"
        " WITHOUT ROWID"
    )
    conn.execute(
        "INSERT INTO temp.fold_batch (id, folded, target)"  # noqa: S608
        " SELECT id, folded, 1 + (excluded_on IS NOT NULL) FROM responses"
        f" WHERE survey_id = ? AND {UNFOLDED} LIMIT ?",
        (survey_id, limit),
    )
    taken, excluded = conn.execute(
        "SELECT count(*), coalesce(sum(target = 2) - sum(folded = 2), 0) FROM temp.fold_batch"
    ).fetchone()
    kinds_json, segments = counting(conn, survey_id)
    start(conn, segments)
    if taken:
        # Weights from the states taken above: a later exclusion makes apply_batch refuse.
        add_fine(
            conn,
            segments,
            kinds_json,
            "SELECT r.mode, r.submitted_on, r.segments, r.answers,"
            " (b.target = 1) - (b.folded = 1) AS w"
            " FROM temp.fold_batch b CROSS JOIN responses r ON r.id = b.id",
            (),
        )
        roll_up(conn, segments)
        if excluded:
            conn.execute(
                "INSERT INTO temp.fold_delta VALUES (?, '', '', '', '', '', ?)",
                (EXCLUDED, excluded),
            )
    return taken, generation


def apply_batch(conn: sqlite3.Connection, survey_id: int, generation: int, now_s: int) -> bool:
    """Inside a write transaction: add the batch :func:`prepare_batch` made to the counters,
    mark its responses folded and count them as changes towards the next release. False, with
    nothing written, when anything it was made from changed in between (a response excluded or
    included, a recount, answers rewritten): the caller prepares again."""
    marked = conn.execute(
        "SELECT recounting, generation FROM report_folds WHERE survey_id = ?", (survey_id,)
    ).fetchone()
    if marked and (marked[0] > now_s - RECOUNT_STALE_S or marked[1] != generation):
        return False
    if not marked and generation:
        return False
    taken, same = conn.execute(
        "SELECT count(*), count(r.id) FROM temp.fold_batch b LEFT JOIN responses r"
        " ON r.id = b.id AND r.folded = b.folded AND 1 + (r.excluded_on IS NOT NULL) = b.target"
    ).fetchone()
    if taken != same:
        return False
    if not taken:
        return True
    _apply_delta(conn, survey_id)
    conn.execute(
        "UPDATE responses SET folded = 1 + (excluded_on IS NOT NULL)"
        " WHERE id IN (SELECT id FROM temp.fold_batch)"
    )
    # Every response added, excluded or included again is one change towards a release.
    conn.execute(
        "INSERT INTO report_releases (survey_id, changes) VALUES (?, ?)"
        " ON CONFLICT (survey_id) DO UPDATE SET changes = changes + excluded.changes",
        (survey_id, taken),
    )
    return True


def _apply_delta(conn: sqlite3.Connection, survey_id: int) -> None:
    """Add ``temp.fold_delta`` to the survey's counters; a counter that reaches zero goes."""
    conn.execute(
        "INSERT INTO report_counts (survey_id, question, dim1, val1, dim2, val2, answer, n)"
        " SELECT ?, question, dim1, val1, dim2, val2, answer, n FROM temp.fold_delta"
        # In the counters' key order: each page of them is visited once.
        " WHERE true ORDER BY dim1, dim2, question, val1, val2, answer"
        " ON CONFLICT DO UPDATE SET n = n + excluded.n",
        (survey_id,),
    )
    lowered = conn.execute(
        "SELECT question, dim1, val1, dim2, val2, answer FROM temp.fold_delta WHERE n < 0"
    ).fetchall()
    conn.executemany(
        "DELETE FROM report_counts WHERE survey_id = ? AND question = ? AND dim1 = ?"
        " AND val1 = ? AND dim2 = ? AND val2 = ? AND answer = ? AND n <= 0",
        [(survey_id, *r) for r in lowered],
    )


def set_folded_until(conn: sqlite3.Connection, survey_id: int, moment: str) -> None:
    """Inside a write transaction: every response of the survey stored before ``moment`` is in
    its counters."""
    conn.execute(
        "INSERT INTO report_folds (survey_id, folded_until) VALUES (?, ?)"
        " ON CONFLICT (survey_id) DO UPDATE SET folded_until = excluded.folded_until",
        (survey_id, moment),
    )


def pending(conn: sqlite3.Connection, survey_id: int) -> int:
    """How many responses of the survey the counters do not yet hold as they should."""
    return conn.execute(
        f"SELECT count(*) FROM responses WHERE survey_id = ? AND {UNFOLDED}",  # noqa: S608
        (survey_id,),
    ).fetchone()[0]


def folded_until(conn: sqlite3.Connection, survey_id: int) -> sqlite3.Row | None:
    """The survey's ``folded_until`` (ISO UTC, or None), ``recounting`` mark and
    ``pending_segments`` (a recount waiting for the jobs), if any."""
    return conn.execute(
        "SELECT folded_until, recounting, pending_segments FROM report_folds WHERE survey_id = ?",
        (survey_id,),
    ).fetchone()
