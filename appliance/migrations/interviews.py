"""Migration 0029: interview scripts, the partial-interview rule and face-to-face locations.

``interview_scripts`` holds per survey and language what the interviewer reads out apart from
the questions: the ``intro`` of a telephone interview (may hold ``{salutation}``), the
``closing`` text, and the ``consent`` line read out face to face. No row: nothing to read.

``interview_settings`` holds a survey's rule for a broken-off interview: whether it is kept as
a partial response (``keep_partial``), and from which share of the questions that applied
(``partial_percent``) on. No row: nothing is kept.

``survey_locations`` lists the places (branch, shop, station) where face-to-face interviews
are held. A location is never deleted while its survey exists: a retired one (``retired``)
takes no new interviews but stays for the reports, whose responses carry its name as the
segment value ``location``.

The read-out text of a question lives in the survey's definition (``read_out``), not here.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0029_interviews(db: Database) -> None:
    run(
        db,
        """CREATE TABLE interview_scripts (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            language TEXT NOT NULL,
            intro TEXT NOT NULL DEFAULT '',
            closing TEXT NOT NULL DEFAULT '',
            consent TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (survey_id, language)
        ) WITHOUT ROWID""",
        """CREATE TABLE interview_settings (
            survey_id INTEGER PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
            keep_partial INTEGER NOT NULL DEFAULT 0 CHECK (keep_partial IN (0, 1)),
            partial_percent INTEGER NOT NULL DEFAULT 50
                CHECK (partial_percent BETWEEN 1 AND 100)
        )""",
        """CREATE TABLE survey_locations (
            id INTEGER PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
            retired INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
            UNIQUE (survey_id, name)
        )""",
    )
