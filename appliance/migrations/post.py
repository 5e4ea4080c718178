"""Migration 0023: invitations by post (paper campaigns)."""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0023_post(db: Database) -> None:
    run(
        db,
        # How a campaign reaches its contacts: by e-mail (the outbox) or by post (letters that
        # staff download and print; the sender never picks these up).
        "ALTER TABLE campaigns ADD COLUMN channel TEXT NOT NULL DEFAULT 'email'"
        " CHECK (channel IN ('email', 'post'))",
        # The keyed hash of a post invitation's short code (typed from the letter); the code
        # itself is derived again from the link seed when a letter is printed.
        "ALTER TABLE invitations ADD COLUMN code_hash BLOB",
        "CREATE UNIQUE INDEX invitations_code ON invitations(code_hash)"
        " WHERE code_hash IS NOT NULL",
        # Letters produced (downloaded to print): one row per download, per wave. Not "sent":
        # the appliance cannot know whether they were posted.
        """CREATE TABLE letter_runs (
            id INTEGER PRIMARY KEY,
            campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
            wave INTEGER NOT NULL,
            letters INTEGER NOT NULL,
            produced_at TEXT NOT NULL,
            produced_by INTEGER REFERENCES users(id) ON DELETE SET NULL
        )""",
        "CREATE INDEX letter_runs_campaign ON letter_runs(campaign_id, wave)",
    )
