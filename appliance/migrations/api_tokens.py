"""Migration 0032: API tokens get scopes and an end.

``scopes`` holds the role actions a token may use, space-separated; a token can only narrow
its owner's role (the guard checks both). ``expires_at`` is the moment it stops working.
Tokens made before scopes existed could only import contacts and add suppressions, so they keep
exactly that (``contacts.manage``) and end a year after this migration ran.
"""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0032_api_tokens(db: Database) -> None:
    run(
        db,
        "ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'contacts.manage'",
        "ALTER TABLE api_tokens ADD COLUMN expires_at TEXT NOT NULL DEFAULT ''",
        "UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+365 days')",
    )
