"""Changes to the organisation's settings that are written together with their audit entry."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from appliance.admin import store
from appliance.auth.accounts import Actor
from appliance.crypto import FieldCipher
from appliance.db import transaction

PASSWORD = "smtp_password"  # noqa: S105 - the name of the setting


def change_relay(
    conn: sqlite3.Connection,
    actor: Actor,
    cipher: FieldCipher,
    changes: Mapping[str, tuple[Any, Any]],
    password: str | None,
) -> None:
    """Store the changed relay settings (name -> (old, new)) and, unless ``password`` is None,
    the password sealed ("" clears it). The audit entry names the password's change, never
    the password."""
    if not changes and password is None:
        return
    details: dict[str, Any] = {k: [old, new] for k, (old, new) in changes.items()}
    with transaction(conn):
        for name, (_old, new) in changes.items():
            store.set_override(conn, name, new, actor.id)
        if password is not None:
            store.set_secret(conn, cipher, PASSWORD, password, actor.id)
            details[PASSWORD] = "set" if password else "cleared"
        actor.log(conn, "settings.changed", "settings", changes=details)
