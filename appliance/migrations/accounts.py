"""Migrations of the account table after the foundation."""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0018_first_password(db: Database) -> None:
    run(
        db,
        # Set when an admin gives an account its password (new account, reset); cleared when
        # its owner sets one of their own. While set, every page leads to the password change.
        "ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0",
    )
