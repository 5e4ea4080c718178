"""Migration 0019: a sealed value beside a stored setting (the SMTP password set in the
interface is kept encrypted with the field key, never as text)."""

from __future__ import annotations

import sqlite3

from appliance.migrations.early import run


def m0019_sealed_settings(conn: sqlite3.Connection) -> None:
    run(conn, "ALTER TABLE setting_overrides ADD COLUMN sealed BLOB")
