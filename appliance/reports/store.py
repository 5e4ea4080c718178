"""SQL of the aggregate plane: the report counters, reportable segments and benchmarks.

Writers (the response plane) call :func:`count_response` in the transaction that stores or
excludes a response, so the counters always equal what a full recount (:func:`rebuild`) would
give; a test checks exactly that. Readers (the gate, on its own read-only connection) call the
``read_*`` functions. No Flask here.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from appliance.db import iso, utcnow
from appliance.reports.counters import MAX_REPORT_SEGMENTS, UNCOUNTED, Key, keys_for
from appliance.surveys.definition import TEXT_TYPES, Definition
from appliance.surveys.store import parse_definition

EXCLUDED = "#excluded"

_UPSERT = (
    "INSERT INTO report_counts (survey_id, question, dim1, val1, dim2, val2, answer, n)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n"
)


def _counting(conn: sqlite3.Connection, survey_id: int) -> tuple[Definition, list[str]]:
    """What counting a survey's responses depends on: its questionnaire and its reportable
    segments (sorted), read in the caller's transaction."""
    row = conn.execute(
        "SELECT definition, report_segments FROM surveys WHERE id = ?", (survey_id,)
    ).fetchone()
    return parse_definition(row[0]), sorted(json.loads(row[1]))


def add(conn: sqlite3.Connection, survey_id: int, keys: Mapping[Key, int], sign: int = 1) -> None:
    rows = [(survey_id, *key, sign * n) for key, n in keys.items()]
    conn.executemany(_UPSERT, rows)
    if sign < 0:
        conn.executemany(
            "DELETE FROM report_counts WHERE survey_id = ? AND question = ? AND dim1 = ?"
            " AND val1 = ? AND dim2 = ? AND val2 = ? AND answer = ? AND n <= 0",
            [r[:7] for r in rows],
        )


def count_response(
    conn: sqlite3.Connection,
    survey_id: int,
    *,
    mode: str,
    day: str,
    segments: Mapping[str, str],
    answers: Mapping[str, Any],
    sign: int = 1,
) -> None:
    """Add one response to the counters (``sign`` -1 takes it out, when it is excluded). Reads
    the survey's questionnaire and reportable segments inside the caller's transaction."""
    definition, segs = _counting(conn, survey_id)
    keys = keys_for(
        definition, mode=mode, day=day, segments=segments, answers=answers, reportable=segs
    )
    add(conn, survey_id, keys, sign)
    if sign > 0:
        _changed(conn, survey_id)


def set_excluded(conn: sqlite3.Connection, response: sqlite3.Row, excluded: bool) -> None:
    """Take a response out of every figure (or put it back) and count it as excluded."""
    sign = -1 if excluded else 1
    if excluded:
        _changed(conn, response["survey_id"])
    count_response(
        conn,
        response["survey_id"],
        mode=response["mode"],
        day=response["submitted_on"],
        segments=json.loads(response["segments"]),
        answers=json.loads(response["answers"]),
        sign=sign,
    )
    add(conn, response["survey_id"], {(EXCLUDED, "", "", "", "", ""): 1}, -sign)


def _kinds(definition: Definition) -> dict[str, str]:
    """Per counted question how :func:`rebuild` reads its answer (see counters.measures)."""
    kinds = {}
    for q in definition.questions.values():
        if q.type in UNCOUNTED:
            continue
        kinds[q.id] = (
            "t"
            if q.type in TEXT_TYPES
            else "x"
            if q.type == "matrix"
            else "m"
            if q.type == "multiple"
            else "v"
        )
    return kinds


# ISO week of a day in SQL: the week's Thursday decides year and number.
_WEEK = (
    "strftime('%Y', date(submitted_on, '-3 days', 'weekday 4')) || '-W' ||"
    " printf('%02d', (strftime('%j', date(submitted_on, '-3 days', 'weekday 4')) - 1) / 7 + 1)"
)


def rebuild(conn: sqlite3.Connection, survey_id: int) -> None:
    """Recount every included response of a survey from scratch, inside the caller's write
    transaction: two passes over the responses (respondents, then answers with ``json_tree``)
    into a temporary table of the finest groups, then one small roll-up per dimension."""
    definition, segs = _counting(conn, survey_id)
    conn.execute("DELETE FROM report_counts WHERE survey_id = ?", (survey_id,))
    seg_cols = [f"s{i}" for i in range(len(segs))]
    seg_sql = "".join(f", coalesce(json_extract(segments, ?), '') AS {c}" for c in seg_cols)
    paths = [f'$."{name}"' for name in segs]
    cols = ", ".join(["mode", "week", *seg_cols])
    base = (
        f"SELECT mode, {_WEEK} AS week{seg_sql}, answers FROM responses"  # noqa: S608
        " WHERE survey_id = ? AND excluded_on IS NULL"
    )
    conn.execute("DROP TABLE IF EXISTS temp.fine")
    conn.execute(
        f"CREATE TEMP TABLE fine AS SELECT {cols}, '' AS measure, '' AS answer,"  # noqa: S608
        f" count(*) AS n FROM ({base}) GROUP BY {cols}",
        (*paths, survey_id),
    )
    conn.execute(
        f"""INSERT INTO temp.fine SELECT {cols}, measure, answer, count(*) FROM (
            SELECT {", ".join("b." + c for c in cols.split(", "))},
                CASE WHEN t.path = '$' THEN t.key WHEN k.value = 'm' THEN k.key
                     ELSE k.key || '.' || t.key END AS measure,
                CASE WHEN t.path != '$' THEN t.atom WHEN k.value = 't' THEN '*'
                     WHEN k.value = 'm' THEN '' ELSE t.atom END AS answer
            FROM ({base}) b, json_tree(b.answers) t
            JOIN json_each(?) k
                ON k.key = CASE WHEN t.path = '$' THEN t.key ELSE substr(t.path, 3) END
            WHERE t.key IS NOT NULL
              AND (t.path = '$' OR k.value IN ('m', 'x'))
              AND NOT (t.path = '$' AND k.value = 'x')
        ) GROUP BY {cols}, measure, answer""",  # noqa: S608 - names are generated, values bound
        (*paths, survey_id, json.dumps(_kinds(definition))),
    )
    # (dim1, column of val1, dim2, column of val2): dimension names are bound as values.
    rollups = [("", "''", "", "''"), ("mode", "mode", "", "''"), ("week", "week", "", "''")]
    for i, name in enumerate(segs):
        d = f"seg:{name}"
        rollups.append((d, f"s{i}", "", "''"))
        rollups.append((d, f"s{i}", "mode", "mode"))
        rollups.append((d, f"s{i}", "week", "week"))
        rollups.extend((d, f"s{i}", f"seg:{segs[j]}", f"s{j}") for j in range(i + 1, len(segs)))
    for d1, v1, d2, v2 in rollups:
        sql = (
            "INSERT INTO report_counts (survey_id, question, dim1, val1, dim2, val2, answer, n)"  # noqa: S608
            f" SELECT ?, measure, ?, {v1}, ?, {v2}, answer, sum(n) FROM temp.fine"
            f" GROUP BY measure, {v1}, {v2}, answer"
        )
        conn.execute(sql, (survey_id, d1, d2))  # columns generated above, values bound
    excluded = conn.execute(
        "SELECT count(*) FROM responses WHERE survey_id = ? AND excluded_on IS NOT NULL",
        (survey_id,),
    ).fetchone()[0]
    if excluded:
        add(conn, survey_id, {(EXCLUDED, "", "", "", "", ""): excluded})
    conn.execute("DROP TABLE temp.fine")


def set_reportable(conn: sqlite3.Connection, survey_id: int, names: Iterable[str]) -> list[str]:
    """Declare the reportable segment attributes of a survey and recount it."""
    chosen = sorted(set(names))[:MAX_REPORT_SEGMENTS]
    conn.execute(
        "UPDATE surveys SET report_segments = ? WHERE id = ?",
        (json.dumps(chosen, ensure_ascii=False), survey_id),
    )
    rebuild(conn, survey_id)
    return chosen


def segment_names(conn: sqlite3.Connection, survey_id: int) -> list[str]:
    """Segment attributes staff may declare reportable for the survey: those of the latest
    5,000 contacts imported (a sample keeps the page quick with a million contacts). Responses
    carry only attributes declared before their invitations were made, so the choice cannot
    come from them."""
    rows = conn.execute(
        "SELECT DISTINCT j.key FROM (SELECT segments FROM contacts"
        " ORDER BY id DESC LIMIT 5000) c, json_each(c.segments) j ORDER BY 1"
    )
    return [r[0] for r in rows]


def add_campaign_response(conn: sqlite3.Connection, invitation_hash: bytes) -> None:
    """Count a response against the campaign of its invitation (the response rate)."""
    conn.execute(
        "UPDATE campaigns SET responses = responses + 1 WHERE id ="
        " (SELECT campaign_id FROM invitations WHERE token_hash = ?)",
        (invitation_hash,),
    )


# ---- reading (the gate's connection) -----------------------------------------------------------


# The live counters, or the release the researcher sees (see :func:`release_due`).
_COUNTS = {False: "report_counts", True: "report_release_counts"}


def read_margins(
    conn: sqlite3.Connection, survey_id: int, released: bool = False
) -> list[sqlite3.Row]:
    """Every one-dimensional counter of a survey: (question, dim1, val1, answer, n)."""
    return conn.execute(
        f"SELECT question, dim1, val1, answer, n FROM {_COUNTS[released]}"  # noqa: S608
        " WHERE survey_id = ? AND dim2 = ''",
        (survey_id,),
    ).fetchall()


def read_cross(
    conn: sqlite3.Connection, survey_id: int, dim1: str, dim2: str, released: bool = False
):
    """The cross counters of two dimensions: (question, val1, val2, answer, n)."""
    return conn.execute(
        f"SELECT question, val1, val2, answer, n FROM {_COUNTS[released]}"  # noqa: S608
        " WHERE survey_id = ? AND dim1 = ? AND dim2 = ?",
        (survey_id, dim1, dim2),
    ).fetchall()


# The month an ISO week belongs to (that of its Thursday), in SQL; see report.month_of_week.
_MONTH_OF_WEEK = (
    "strftime('%Y-%m', date(substr(val2, 1, 4) || '-01-04', '-6 days', 'weekday 1',"
    " '+' || ((CAST(substr(val2, 7) AS INTEGER) - 1) * 7 + 3) || ' days'))"
)


def read_cross_months(conn: sqlite3.Connection, survey_id: int, dim1: str, released: bool = False):
    """The cross counters of a segment and the week, summed per month in SQL (a twelfth of
    the rows to read): (question, val1, month, answer, n)."""
    return conn.execute(
        f"SELECT question, val1, {_MONTH_OF_WEEK} AS month, answer, sum(n)"  # noqa: S608
        f" FROM {_COUNTS[released]}"
        " WHERE survey_id = ? AND dim1 = ? AND dim2 = 'week'"
        " GROUP BY question, val1, month, answer",
        (survey_id, dim1),
    ).fetchall()


def campaign_counts(
    conn: sqlite3.Connection, survey_id: int, released: bool = False
) -> list[sqlite3.Row]:
    """Campaigns that sent invitations: (id, recipients, responses, started_at), never the
    name staff typed (the gate may not read it); as live, or as in the release."""
    if released:
        return conn.execute(
            "SELECT id, recipients, responses, started_at FROM report_release_waves"
            " WHERE survey_id = ? ORDER BY started_at, id",
            (survey_id,),
        ).fetchall()
    return conn.execute(
        "SELECT id, recipients, responses, started_at FROM campaigns"
        " WHERE survey_id = ? AND waves_built > 0 ORDER BY started_at, id",
        (survey_id,),
    ).fetchall()


def offer_values(
    conn: sqlite3.Connection, survey_id: int, pairs: Iterable[tuple[str, str]]
) -> None:
    """Record (attribute, value) pairs the survey's invitations carry: what reports offer."""
    conn.executemany(
        "INSERT OR IGNORE INTO report_segment_values (survey_id, attribute, value)"
        " VALUES (?, ?, ?)",
        sorted((survey_id, a, v) for a, v in pairs),
    )


def offered_values(conn: sqlite3.Connection, survey_id: int) -> dict[str, list[str]]:
    """Per segment attribute the values reports offer: those the survey's invitations carry,
    each held by at least k invited contacts (``responses.segments``), never taken from who
    answered."""
    out: dict[str, list[str]] = {}
    for attribute, value in conn.execute(
        "SELECT attribute, value FROM report_segment_values WHERE survey_id = ?"
        " ORDER BY attribute, value",
        (survey_id,),
    ):
        out.setdefault(attribute, []).append(value)
    return out


def benchmarks(conn: sqlite3.Connection, survey_id: int) -> dict[str, sqlite3.Row]:
    return {
        r["question"]: r
        for r in conn.execute(
            "SELECT question, mean, nps, top2, source FROM report_benchmarks WHERE survey_id = ?",
            (survey_id,),
        )
    }


def replace_benchmarks(
    conn: sqlite3.Connection, survey_id: int, source: str, rows: Iterable[Mapping[str, Any]]
) -> int:
    conn.execute("DELETE FROM report_benchmarks WHERE survey_id = ?", (survey_id,))
    now = iso(utcnow())
    values = [
        (survey_id, r["question"], r.get("mean"), r.get("nps"), r.get("top2"), source, now)
        for r in rows
    ]
    conn.executemany(
        "INSERT INTO report_benchmarks (survey_id, question, mean, nps, top2, source,"
        " imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        values,
    )
    return len(values)


def counts_of(conn: sqlite3.Connection, survey_id: int) -> Counter:
    """All counters of a survey as a Counter of keys (for tests and checks)."""
    return Counter(
        {
            tuple(r[:6]): r[6]
            for r in conn.execute(
                "SELECT question, dim1, val1, dim2, val2, answer, n FROM report_counts"
                " WHERE survey_id = ?",
                (survey_id,),
            )
        }
    )


# ---- releases: what the researcher sees ---------------------------------------------------------


def _changed(conn: sqlite3.Connection, survey_id: int) -> None:
    """One response of the survey was added, excluded, included again or rewritten."""
    conn.execute(
        "INSERT INTO report_releases (survey_id, changes) VALUES (?, 1)"
        " ON CONFLICT (survey_id) DO UPDATE SET changes = changes + 1",
        (survey_id,),
    )


def due_releases(conn: sqlite3.Connection, k: int) -> list[int]:
    """Surveys whose live counters have had at least ``k`` changes since their release."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT survey_id FROM report_releases WHERE changes >= ? ORDER BY survey_id", (k,)
        )
    ]


def release(conn: sqlite3.Connection, survey_id: int) -> None:
    """Inside a write transaction: the survey's live counters and waves become its release."""
    conn.execute("DELETE FROM report_release_counts WHERE survey_id = ?", (survey_id,))
    conn.execute(
        "INSERT INTO report_release_counts SELECT * FROM report_counts WHERE survey_id = ?",
        (survey_id,),
    )
    conn.execute("DELETE FROM report_release_waves WHERE survey_id = ?", (survey_id,))
    conn.execute(
        "INSERT INTO report_release_waves (survey_id, id, recipients, responses, started_at)"
        " SELECT survey_id, id, recipients, responses, started_at FROM campaigns"
        " WHERE survey_id = ? AND waves_built > 0",
        (survey_id,),
    )
    conn.execute(
        "INSERT INTO report_releases (survey_id, released_at, changes) VALUES (?, ?, 0)"
        " ON CONFLICT (survey_id) DO UPDATE SET released_at = excluded.released_at,"
        " changes = 0",
        (survey_id, iso(utcnow())),
    )


def released_at(conn: sqlite3.Connection, survey_id: int) -> str | None:
    row = conn.execute(
        "SELECT released_at FROM report_releases WHERE survey_id = ?", (survey_id,)
    ).fetchone()
    return row[0] if row else None
