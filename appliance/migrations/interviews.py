"""Migration 0029: interview scripts, read-out texts and face-to-face locations."""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0029_interviews(db: Database) -> None:
    run(db)
