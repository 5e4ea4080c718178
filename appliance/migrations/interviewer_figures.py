"""Migration 0030: staff-only figures per interviewer, kept as counters apart from the responses,
and the response-rate figures of a survey.

``interviewer_days`` holds per survey, interviewer and day (ISO date) the first and last moment
of activity (epoch seconds of call attempts and interview starts), the number of attempts, of
stored interviews, and their total length (``timed`` of them had a length).
``interviewer_scores`` holds per survey, interviewer, day and score question the number of
scores and their sum (no sum of squares: beside the sum it gives both scores of a day of two
interviews). Neither names a response or a contact: they are the only place where an
interviewer and answers meet, as sums, and are for staff only (system plane, out of the gate's
reach).

``survey_rate_settings`` holds the eligibility estimate e staff chose for a survey's response
rates (NULL: the proportional estimate). ``report_dispositions`` holds, per survey, the
disposition counts per mode (email, post, phone) and outcome code as they were at the survey's
last report release: what the researcher's gate reads instead of the calls and invitations.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0030_interviewer_figures(db: Database) -> None:
    run(
        db,
        """CREATE TABLE interviewer_days (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            day TEXT NOT NULL,
            first_at REAL,
            last_at REAL,
            attempts INTEGER NOT NULL DEFAULT 0,
            interviews INTEGER NOT NULL DEFAULT 0,
            interview_seconds INTEGER NOT NULL DEFAULT 0,
            timed INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (survey_id, user_id, day)
        ) WITHOUT ROWID""",
        """CREATE TABLE interviewer_scores (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            day TEXT NOT NULL,
            question_id TEXT NOT NULL,
            n INTEGER NOT NULL DEFAULT 0,
            total REAL NOT NULL DEFAULT 0,
            PRIMARY KEY (survey_id, user_id, day, question_id)
        ) WITHOUT ROWID""",
        """CREATE TABLE survey_rate_settings (
            survey_id INTEGER PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
            e REAL CHECK (e IS NULL OR (e >= 0 AND e <= 1)),
            changed_at TEXT NOT NULL,
            changed_by INTEGER REFERENCES users(id) ON DELETE SET NULL
        )""",
        """CREATE TABLE report_dispositions (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            mode TEXT NOT NULL CHECK (mode IN ('email', 'post', 'phone')),
            code TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (survey_id, mode, code)
        ) WITHOUT ROWID""",
        # A released wave's channel: its responses are those of its channel's response mode,
        # and are protected against that mode's count (``reports.assemble``).
        "ALTER TABLE report_release_waves ADD COLUMN channel TEXT NOT NULL DEFAULT 'email'",
        "UPDATE report_release_waves SET channel = (SELECT c.channel FROM campaigns c"
        " WHERE c.id = report_release_waves.id)"
        " WHERE EXISTS (SELECT 1 FROM campaigns c WHERE c.id = report_release_waves.id)",
    )
