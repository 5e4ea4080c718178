"""SQL for admin-editable settings (overrides of the config file's editable settings)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from appliance.db import iso, utcnow


def overrides(conn: sqlite3.Connection) -> dict[str, Any]:
    return {
        r["name"]: json.loads(r["value"])
        for r in conn.execute("SELECT name, value FROM setting_overrides")
    }


def effective(conn: sqlite3.Connection, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings with the admin's stored overrides applied (as the web pages see them)."""
    return {**settings, **overrides(conn)}


def set_override(conn: sqlite3.Connection, name: str, value: Any, user_id: int | None) -> None:
    conn.execute(
        "INSERT INTO setting_overrides (name, value, changed_at, changed_by) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(name) DO UPDATE SET value = excluded.value,"
        " changed_at = excluded.changed_at, changed_by = excluded.changed_by",
        (name, json.dumps(value), iso(utcnow()), user_id),
    )
