"""Migration 0028: the call list of telephone campaigns (identity plane)."""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0028_calls(db: Database) -> None:
    run(db)
