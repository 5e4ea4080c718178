"""SQL of the aggregate plane: the report counters, reportable segments and benchmarks.

The counters are kept by the fold (``reports.fold_store``): a submission touches none of them.
A direct change (:func:`rewrite_answers`) is only for rewritten answers. Readers (the gate, on
its own read-only connection) call the ``read_*`` functions. No Flask here.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from appliance.db import iso, utcnow
from appliance.reports import fold_store, recount_store
from appliance.reports.counters import MAX_REPORT_SEGMENTS, Key, keys_for
from appliance.surveys.store import parse_definition

_UPSERT = (
    "INSERT INTO report_counts (survey_id, question, dim1, val1, dim2, val2, answer, n)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n"
)


def add(conn: sqlite3.Connection, survey_id: int, keys: Mapping[Key, int], sign: int = 1) -> None:
    rows = [(survey_id, *key, sign * n) for key, n in keys.items()]
    conn.executemany(_UPSERT, rows)
    if sign < 0:
        conn.executemany(
            "DELETE FROM report_counts WHERE survey_id = ? AND question = ? AND dim1 = ?"
            " AND val1 = ? AND dim2 = ? AND val2 = ? AND answer = ? AND n <= 0",
            [r[:7] for r in rows],
        )


def rewrite_answers(
    conn: sqlite3.Connection, response: sqlite3.Row, answers: Mapping[str, Any]
) -> None:
    """Inside the caller's write transaction, before the response's answers are rewritten to
    ``answers``: keep the counters equal to a recount. A response they hold (``folded`` 1) is
    counted out with its old answers and in with the new ones, and the survey's generation is
    raised so that a fold or recount prepared before is made again; one they do not hold yet,
    or hold as excluded, is left to the fold. ``response`` needs ``survey_id``, ``mode``,
    ``submitted_on``, ``segments``, ``answers`` and ``folded``."""
    if response["folded"] != 1:
        return
    survey_id = response["survey_id"]
    row = conn.execute(
        "SELECT definition, report_segments FROM surveys WHERE id = ?", (survey_id,)
    ).fetchone()
    definition, reportable = parse_definition(row[0]), json.loads(row[1])
    fixed = {
        "mode": response["mode"],
        "day": response["submitted_on"],
        "segments": json.loads(response["segments"]),
        "reportable": reportable,
    }
    add(conn, survey_id, keys_for(definition, answers=json.loads(response["answers"]), **fixed), -1)
    add(conn, survey_id, keys_for(definition, answers=answers, **fixed))
    recount_store.bump_generation(conn, survey_id)
    _changed(conn, survey_id)


def rebuild(
    conn: sqlite3.Connection, survey_id: int, segments: Iterable[str] | None = None
) -> None:
    """Recount the survey's counters from scratch inside the caller's write transaction, with
    ``segments`` as its reportable segments (default: those it has), from the state each
    response is held in (``responses.folded``). Holds the write lock for the whole count: for
    tests, the demo and small surveys; staff recounts go through ``fold_service.recount``."""
    kinds_json, current = fold_store.counting(conn, survey_id)
    segs = sorted(set(segments)) if segments is not None else current
    fold_store.start(conn, segs)
    try:
        excluded = recount_store.count_range(conn, survey_id, segs, kinds_json, "", "g")
        fold_store.roll_up(conn, segs)
        recount_store.swap(conn, survey_id, segs, excluded, None)
    finally:
        fold_store.finish(conn)


def set_reportable(conn: sqlite3.Connection, survey_id: int, names: Iterable[str]) -> list[str]:
    """Inside a write transaction: declare the reportable segment attributes of a survey and
    recount it at once (see :func:`rebuild`)."""
    chosen = sorted(set(names))[:MAX_REPORT_SEGMENTS]
    rebuild(conn, survey_id, chosen)
    return chosen


def segment_names(conn: sqlite3.Connection, survey_id: int) -> list[str]:
    """Segment attributes staff may declare reportable for the survey: those of the latest
    5,000 contacts imported (a sample keeps the page quick with a million contacts). Responses
    carry only attributes declared before their invitations were made, so the choice cannot
    come from them. A survey with face-to-face locations offers ``location`` too: the place
    of an on-site interview, a value staff listed, not one taken from who answered."""
    rows = conn.execute(
        "SELECT DISTINCT j.key FROM (SELECT segments FROM contacts"
        " ORDER BY id DESC LIMIT 5000) c, json_each(c.segments) j"
        " UNION SELECT 'location' FROM survey_locations WHERE survey_id = ? ORDER BY 1",
        (survey_id,),
    )
    return [r[0] for r in rows]


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
    """Campaigns that sent invitations: (id, recipients, responses, started_at, channel),
    never the name staff typed (the gate may not read it); as live, or as in the release."""
    if released:
        return conn.execute(
            "SELECT id, recipients, responses, started_at, channel FROM report_release_waves"
            " WHERE survey_id = ? ORDER BY started_at, id",
            (survey_id,),
        ).fetchall()
    return conn.execute(
        "SELECT id, recipients, responses, started_at, channel FROM campaigns"
        " WHERE survey_id = ? AND waves_built > 0 ORDER BY started_at, id",
        (survey_id,),
    ).fetchall()


def released_dispositions(conn: sqlite3.Connection, survey_id: int) -> dict[str, dict[str, int]]:
    """The cases per sampled mode and outcome code as copied at the survey's last release
    (``interviews.rates_service.release_dispositions``): mode -> code -> n."""
    out: dict[str, dict[str, int]] = {}
    for mode, code, n in conn.execute(
        "SELECT mode, code, n FROM report_dispositions WHERE survey_id = ?", (survey_id,)
    ):
        out.setdefault(mode, {})[code] = n
    return out


def chosen_e(conn: sqlite3.Connection, survey_id: int) -> float | None:
    """The eligibility estimate staff fixed for the survey's response rates, or None."""
    row = conn.execute(
        "SELECT e FROM survey_rate_settings WHERE survey_id = ?", (survey_id,)
    ).fetchone()
    return row[0] if row else None


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
    # The responses in the release are marked, so the public snapshot reads the same ones.
    conn.execute(
        "UPDATE responses SET released = folded WHERE survey_id = ? AND released != folded",
        (survey_id,),
    )
    conn.execute("DELETE FROM report_release_waves WHERE survey_id = ?", (survey_id,))
    conn.execute(
        "INSERT INTO report_release_waves (survey_id, id, recipients, responses, started_at,"
        " channel) SELECT survey_id, id, recipients, responses, started_at, channel"
        " FROM campaigns"
        " WHERE survey_id = ? AND waves_built > 0",
        (survey_id,),
    )
    conn.execute(
        "INSERT INTO report_releases (survey_id, released_at, changes, generation)"
        " VALUES (?, ?, 0, 1) ON CONFLICT (survey_id) DO UPDATE SET"
        " released_at = excluded.released_at, changes = 0, generation = generation + 1",
        (survey_id, iso(utcnow())),
    )


def released_at(conn: sqlite3.Connection, survey_id: int) -> str | None:
    row = conn.execute(
        "SELECT released_at FROM report_releases WHERE survey_id = ?", (survey_id,)
    ).fetchone()
    return row[0] if row else None
