"""Migration 0031: the appliance's licence.

``licence_state`` is one row: the day the trial started (the day this migration ran, so an
installation made before licences existed gets its trial from its upgrade), the licence file as
installed (the signed bytes, re-checked against the vendor key at start-up and daily; NULL while
none is installed), when it was installed and by whom, and the outcome and state of the last
check (so the daily check audits a change of state once). No personal data: the licensee is an
organisation.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0031_licence(db: Database) -> None:
    run(
        db,
        """CREATE TABLE licence_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            trial_started TEXT NOT NULL,
            body BLOB,
            installed_at INTEGER,
            installed_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
            checked_at INTEGER,
            problem TEXT,
            state TEXT
        )""",
        "INSERT INTO licence_state (id, trial_started) VALUES (1, date('now', 'localtime'))",
    )
