"""Per-user API tokens (the HTTP API of the identity plane): making one, and finding the account
a presented token belongs to. Their SQL is in :mod:`appliance.auth.token_store`. No Flask here."""

from __future__ import annotations

import sqlite3

from appliance import crypto
from appliance.auth import token_store
from appliance.auth.store import User, get_user

TOKEN_PREFIX = "apl_"  # noqa: S105 - a marker that helps secret scanners, not a secret


def create_api_token(conn: sqlite3.Connection, user_id: int, name: str) -> tuple[int, str]:
    """Return (id, token); the token (256 bits) is shown once, only its SHA-256 is kept."""
    raw = TOKEN_PREFIX + crypto.token(32)
    return token_store.insert_token(conn, user_id, name.strip(), crypto.sha256(raw)), raw


def user_for_api_token(conn: sqlite3.Connection, raw: str) -> tuple[int, User] | None:
    """(token id, user) for a live token of an enabled account, else None."""
    row = token_store.live_token(conn, crypto.sha256(raw))
    if row is None:
        return None
    user = get_user(conn, row["user_id"])
    if user is None or user.disabled:
        return None
    return row["id"], user
