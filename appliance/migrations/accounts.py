"""Migrations of the account table after the foundation (issue 15)."""

from __future__ import annotations

import sqlite3

from appliance.migrations.early import run


def m0018_first_password(conn: sqlite3.Connection) -> None:
    run(
        conn,
        # Set when an admin gives an account its password (new account, reset); cleared when
        # its owner sets one of their own. While set, every page leads to the password change.
        "ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0",
    )
