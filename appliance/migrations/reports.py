"""Migration 0014, the aggregate plane: report counters, reportable segments, benchmarks.

The counting of the responses stored before it is frozen here as SQL: at this point no survey
has reportable segments yet, so the counters are the respondents and answers per everyone, mode
and ISO week (what ``appliance.reports.store.rebuild`` gave when 0014 shipped; a test compares
them), whatever the live counting code becomes later.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0014_report_counts(db: Database) -> None:
    run(
        db,
        # Counters kept up to date as responses arrive, in the same transaction, so a report
        # reads a few thousand rows instead of scanning every response. ``question`` is a
        # question id, ``q.item`` for a matrix item, '' for respondents and '#excluded' for the
        # count of excluded responses. ``dim1``/``val1`` is '' (everyone), 'mode', 'week' or
        # 'seg:<attribute>'; ``dim2``/``val2`` a second dimension for cross tables (dim1 is then
        # a segment). ``answer`` is the value given ('*' for an open text, never the text).
        """CREATE TABLE report_counts (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            dim1 TEXT NOT NULL,
            val1 TEXT NOT NULL,
            dim2 TEXT NOT NULL,
            val2 TEXT NOT NULL,
            answer TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (survey_id, dim1, dim2, question, val1, val2, answer)
        ) WITHOUT ROWID""",
        # Segment attributes staff declared reportable (a JSON list); only these are counted,
        # filtered on and broken down by.
        "ALTER TABLE surveys ADD COLUMN report_segments TEXT NOT NULL DEFAULT '[]'",
        # Responses that came through a campaign's invitations: the response rate per campaign.
        "ALTER TABLE campaigns ADD COLUMN responses INTEGER NOT NULL DEFAULT 0",
        # Reference averages per question (national benchmark), imported by staff.
        """CREATE TABLE report_benchmarks (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            question TEXT NOT NULL,
            mean REAL,
            nps REAL,
            top2 REAL,
            source TEXT NOT NULL,
            imported_at TEXT NOT NULL,
            PRIMARY KEY (survey_id, question)
        ) WITHOUT ROWID""",
    )
    # Responses stored before this migration: count them now.
    for (survey_id,) in db.execute("SELECT id FROM surveys").fetchall():
        _count_survey(db, survey_id)


# Per counted question how its answer is read: 't' text (counted as '*'), 'x' matrix (one
# measure per item), 'm' multiple choice (answered at all, then each value), 'v' one value.
# Names and the contact opt-in are never counted.
_KINDS = """SELECT json_group_object(json_extract(q.value, '$.id'),
        CASE json_extract(q.value, '$.type')
            WHEN 'text_short' THEN 't' WHEN 'text_long' THEN 't'
            WHEN 'matrix' THEN 'x' WHEN 'multiple' THEN 'm' ELSE 'v' END)
    FROM surveys s, json_each(s.definition, '$.pages') p, json_each(p.value, '$.questions') q
    WHERE s.id = ? AND json_extract(q.value, '$.type') NOT IN ('name', 'contact_optin')"""
# The finest groups of one survey's included responses: per mode and ISO week (the week's
# Thursday decides year and number), first the respondents, then each measure and answer.
_FINE_RESPONDENTS = """CREATE TEMP TABLE m0014_fine AS
    SELECT mode, week, '' AS measure, '' AS answer, count(*) AS n FROM (
        SELECT mode,
            strftime('%Y', date(submitted_on, '-3 days', 'weekday 4')) || '-W' ||
            printf('%02d', (strftime('%j', date(submitted_on, '-3 days', 'weekday 4')) - 1) / 7
                + 1) AS week
        FROM responses WHERE survey_id = ? AND excluded_on IS NULL
    ) GROUP BY mode, week"""
_FINE_ANSWERS = """INSERT INTO temp.m0014_fine
    SELECT mode, week, measure, answer, count(*) FROM (
        SELECT b.mode, b.week,
            CASE WHEN t.path = '$' THEN t.key WHEN k.value = 'm' THEN k.key
                 ELSE k.key || '.' || t.key END AS measure,
            CASE WHEN t.path != '$' THEN t.atom WHEN k.value = 't' THEN '*'
                 WHEN k.value = 'm' THEN '' ELSE t.atom END AS answer
        FROM (
            SELECT mode,
                strftime('%Y', date(submitted_on, '-3 days', 'weekday 4')) || '-W' ||
                printf('%02d', (strftime('%j', date(submitted_on, '-3 days', 'weekday 4')) - 1)
                    / 7 + 1) AS week,
                answers
            FROM responses WHERE survey_id = ? AND excluded_on IS NULL
        ) b, json_tree(b.answers) t
        JOIN json_each(?) k
            ON k.key = CASE WHEN t.path = '$' THEN t.key ELSE substr(t.path, 3) END
        WHERE t.key IS NOT NULL
          AND (t.path = '$' OR k.value IN ('m', 'x'))
          AND NOT (t.path = '$' AND k.value = 'x')
    ) GROUP BY mode, week, measure, answer"""
_ROLLUPS = (
    """INSERT INTO report_counts (survey_id, question, dim1, val1, dim2, val2, answer, n)
    SELECT ?, measure, '', '', '', '', answer, sum(n) FROM temp.m0014_fine
    GROUP BY measure, answer""",
    """INSERT INTO report_counts (survey_id, question, dim1, val1, dim2, val2, answer, n)
    SELECT ?, measure, 'mode', mode, '', '', answer, sum(n) FROM temp.m0014_fine
    GROUP BY measure, mode, answer""",
    """INSERT INTO report_counts (survey_id, question, dim1, val1, dim2, val2, answer, n)
    SELECT ?, measure, 'week', week, '', '', answer, sum(n) FROM temp.m0014_fine
    GROUP BY measure, week, answer""",
)
_EXCLUDED = """INSERT INTO report_counts (survey_id, question, dim1, val1, dim2, val2, answer, n)
    SELECT survey_id, '#excluded', '', '', '', '', '', count(*) FROM responses
    WHERE survey_id = ? AND excluded_on IS NOT NULL GROUP BY survey_id"""


def _count_survey(db: Database, survey_id: int) -> None:
    kinds = db.execute(_KINDS, (survey_id,)).fetchone()[0] or "{}"
    db.execute("DROP TABLE IF EXISTS temp.m0014_fine")
    db.execute(_FINE_RESPONDENTS, (survey_id,))
    db.execute(_FINE_ANSWERS, (survey_id, kinds))
    for rollup in _ROLLUPS:
        db.execute(rollup, (survey_id,))
    db.execute(_EXCLUDED, (survey_id,))
    db.execute("DROP TABLE temp.m0014_fine")
