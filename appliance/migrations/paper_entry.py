"""Migration 0024: returned paper forms entered by staff.

``paper_entry_settings`` holds a survey's choice of double entry: ``off``, a ``sample`` of
``sample_percent`` % of the forms, or ``all`` of them (no row: off).

``paper_pending`` holds a first entry waiting for its second (double entry): the answers as
typed, the form's language, the form key the response will be stored under, who entered it and
when. It belongs to the identity plane: for a coded form it names the invitation
(``invitation_id``), so it links answers to a person until the second entry decides them; the row
is deleted (``secure_delete`` overwrites it) in the transaction that stores the response, and
goes with its invitation or survey when either is erased (the foreign keys). An anonymous form
has no invitation: its first entry gets a random ``batch`` code instead, written on the paper so
the second person enters the same sheet. One pending entry per invitation and per batch code.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0024_paper_entry(db: Database) -> None:
    run(
        db,
        """CREATE TABLE paper_entry_settings (
            survey_id INTEGER PRIMARY KEY REFERENCES surveys(id) ON DELETE CASCADE,
            double_entry TEXT NOT NULL DEFAULT 'off'
                CHECK (double_entry IN ('off', 'sample', 'all')),
            sample_percent INTEGER NOT NULL DEFAULT 10
                CHECK (sample_percent BETWEEN 1 AND 100)
        )""",
        """CREATE TABLE paper_pending (
            id TEXT PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            invitation_id INTEGER UNIQUE REFERENCES invitations(id) ON DELETE CASCADE,
            batch TEXT UNIQUE,
            language TEXT NOT NULL,
            answers TEXT NOT NULL,
            form_key TEXT NOT NULL,
            entered_by INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            entered_at TEXT NOT NULL,
            CHECK ((invitation_id IS NULL) != (batch IS NULL))
        ) WITHOUT ROWID""",
        "CREATE INDEX paper_pending_survey ON paper_pending(survey_id, entered_at)",
    )
