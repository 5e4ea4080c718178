"""SQL for per-user API tokens (the HTTP API of the identity plane). No Flask here."""

from __future__ import annotations

import sqlite3

from appliance import crypto
from appliance.auth.store import User, get_user
from appliance.db import iso, utcnow

TOKEN_PREFIX = "apl_"  # noqa: S105 - a marker that helps secret scanners, not a secret


def create_api_token(conn: sqlite3.Connection, user_id: int, name: str) -> tuple[int, str]:
    """Return (id, token); the token (256 bits) is shown once, only its SHA-256 is kept."""
    raw = TOKEN_PREFIX + crypto.token(32)
    cur = conn.execute(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
        (user_id, name.strip(), crypto.sha256(raw), iso(utcnow())),
    )
    return cur.lastrowid, raw


def user_for_api_token(conn: sqlite3.Connection, raw: str) -> tuple[int, User] | None:
    """(token id, user) for a live token of an enabled account, else None."""
    row = conn.execute(
        "SELECT id, user_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        (crypto.sha256(raw),),
    ).fetchone()
    if row is None:
        return None
    user = get_user(conn, row["user_id"])
    if user is None or user.disabled:
        return None
    return row["id"], user


def touch_api_token(conn: sqlite3.Connection, token_id: int) -> None:
    conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (iso(utcnow()), token_id))


def api_tokens(conn: sqlite3.Connection, user_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens"
        " WHERE user_id = ? ORDER BY id DESC",
        (user_id,),
    ).fetchall()


def revoke_api_token(conn: sqlite3.Connection, user_id: int, token_id: int) -> bool:
    cur = conn.execute(
        "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
        (iso(utcnow()), token_id, user_id),
    )
    return cur.rowcount == 1
