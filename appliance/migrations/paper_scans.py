"""Migration 0026: scanned paper forms waiting for a person (``appliance.paper.scan_service``).

``paper_scan_forms`` holds one form of an upload that the reader could not store on its own:
the survey, the printed form's digest (NULL when the page was not identified), the keyed hash
of its code (NULL for an anonymous form), the answers read with certainty (JSON), the doubtful
questions and the written areas to type (JSON), the reason it waits (``problem``), when and by
whom it was uploaded. It belongs to the identity plane: the code's hash links the answers to an
invitation until the form is verified.

``paper_scan_pages`` holds the form's page images (an aligned page, or the page as scanned when
it could not be aligned), sealed with the field key: a scan shows handwriting. Both rows are
deleted (``secure_delete`` overwrites them) when the form is confirmed or discarded, and go with
their survey.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0026_paper_scans(db: Database) -> None:
    run(
        db,
        """CREATE TABLE paper_scan_forms (
            id TEXT PRIMARY KEY,
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            digest TEXT,
            code_hash BLOB,
            answers TEXT NOT NULL DEFAULT '{}',
            doubtful TEXT NOT NULL DEFAULT '[]',
            written TEXT NOT NULL DEFAULT '[]',
            problem TEXT NOT NULL DEFAULT '',
            uploaded_at TEXT NOT NULL,
            uploaded_by INTEGER REFERENCES users(id) ON DELETE SET NULL
        ) WITHOUT ROWID""",
        "CREATE INDEX paper_scan_forms_survey ON paper_scan_forms(survey_id, uploaded_at)",
        """CREATE TABLE paper_scan_pages (
            form_id TEXT NOT NULL REFERENCES paper_scan_forms(id) ON DELETE CASCADE,
            page INTEGER NOT NULL,
            image BLOB NOT NULL,
            PRIMARY KEY (form_id, page)
        ) WITHOUT ROWID""",
    )
