"""Migration 0019: a sealed value beside a stored setting (the SMTP password set in the
interface is kept encrypted with the field key, never as text)."""

from __future__ import annotations

from sqlite_utils import Database

from appliance.migrations.foundation import run


def m0019_sealed_settings(db: Database) -> None:
    run(db, "ALTER TABLE setting_overrides ADD COLUMN sealed BLOB")
