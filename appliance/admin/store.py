"""SQL for admin-editable settings (overrides of the config file's editable settings).

A secret setting (the SMTP password) is stored sealed with the field key in ``sealed``; its
``value`` only says whether one is set (``true``) or was cleared in the interface (``false``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from typing import Any

from appliance.crypto import FieldCipher
from appliance.db import iso, utcnow
from appliance.settings import BY_NAME


def _secret(name: str) -> bool:
    setting = BY_NAME.get(name)
    return setting is not None and setting.secret


def overrides(conn: sqlite3.Connection) -> dict[str, Any]:
    """The stored plain values (secrets are left out: see :func:`effective`)."""
    return {
        r["name"]: json.loads(r["value"])
        for r in conn.execute("SELECT name, value FROM setting_overrides")
        if not _secret(r["name"])
    }


def effective(
    conn: sqlite3.Connection, settings: Mapping[str, Any], cipher: FieldCipher | None = None
) -> dict[str, Any]:
    """The settings with the admin's stored overrides applied (as the web pages see them).
    With ``cipher``, stored secrets are unsealed too (what the mailer needs); without it a
    secret keeps the config file's value."""
    values = {**settings, **overrides(conn)}
    if cipher is not None:
        for row in conn.execute("SELECT name, value, sealed FROM setting_overrides"):
            if _secret(row["name"]):
                values[row["name"]] = (
                    cipher.decrypt(row["sealed"], "setting_overrides", "sealed", row["name"])
                    if json.loads(row["value"]) and row["sealed"] is not None
                    else ""
                )
    return values


def secret_stored(conn: sqlite3.Connection, name: str) -> bool | None:
    """True: a value is stored; False: it was cleared in the interface; None: the config
    file's value applies."""
    row = conn.execute("SELECT value FROM setting_overrides WHERE name = ?", (name,)).fetchone()
    return None if row is None else bool(json.loads(row["value"]))


def set_override(conn: sqlite3.Connection, name: str, value: Any, user_id: int | None) -> None:
    conn.execute(
        "INSERT INTO setting_overrides (name, value, changed_at, changed_by) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(name) DO UPDATE SET value = excluded.value,"
        " changed_at = excluded.changed_at, changed_by = excluded.changed_by",
        (name, json.dumps(value), iso(utcnow()), user_id),
    )


def set_secret(
    conn: sqlite3.Connection, cipher: FieldCipher, name: str, value: str, user_id: int | None
) -> None:
    """Store a secret sealed (an empty ``value`` clears it: no secret, whatever the file says)."""
    sealed = cipher.encrypt(value, "setting_overrides", "sealed", name) if value else None
    conn.execute(
        "INSERT INTO setting_overrides (name, value, sealed, changed_at, changed_by)"
        " VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(name) DO UPDATE SET value = excluded.value, sealed = excluded.sealed,"
        " changed_at = excluded.changed_at, changed_by = excluded.changed_by",
        (name, json.dumps(bool(value)), sealed, iso(utcnow()), user_id),
    )
