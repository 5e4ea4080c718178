"""Migrations of the aggregate plane (issue 6)."""

from __future__ import annotations

import sqlite3

from appliance.migrations.early import run


def m0014_report_counts(conn: sqlite3.Connection) -> None:
    run(
        conn,
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
    from appliance.reports import store

    for (survey_id,) in conn.execute("SELECT id FROM surveys").fetchall():
        store.rebuild(conn, survey_id)
