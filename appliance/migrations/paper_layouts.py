"""Migration 0025: the geometry of every printed paper form, so a scan is read against the form
as it was printed (its QR code names the geometry by a digest), whatever changed since in the
questionnaire, its translations or the software. No personal data: where boxes are."""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0025_paper_layouts(db: Database) -> None:
    run(
        db,
        """CREATE TABLE paper_layouts (
            survey_id INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
            digest TEXT NOT NULL,
            version INTEGER NOT NULL,
            language TEXT NOT NULL,
            geometry TEXT NOT NULL,
            multiple TEXT NOT NULL DEFAULT '[]',
            printed_at TEXT NOT NULL,
            PRIMARY KEY (survey_id, digest)
        ) WITHOUT ROWID""",
    )
