"""SQL for per-user API tokens (the HTTP API of the identity plane). No Flask here.

Only a token's SHA-256 is stored; :mod:`appliance.auth.tokens` makes the tokens and hashes them.
"""

from __future__ import annotations

import sqlite3

from appliance.db import iso, utcnow


def insert_token(conn: sqlite3.Connection, user_id: int, name: str, token_hash: bytes) -> int:
    """Store a new live token of ``user_id``; returns its id."""
    cur = conn.execute(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
        (user_id, name, token_hash, iso(utcnow())),
    )
    return cur.lastrowid


def live_token(conn: sqlite3.Connection, token_hash: bytes) -> sqlite3.Row | None:
    """``id`` and ``user_id`` of the token with this hash unless it was revoked, else None."""
    return conn.execute(
        "SELECT id, user_id FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        (token_hash,),
    ).fetchone()


def touch_api_token(conn: sqlite3.Connection, token_id: int) -> None:
    conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (iso(utcnow()), token_id))


def api_tokens(conn: sqlite3.Connection, user_id: int) -> list[sqlite3.Row]:
    """The user's tokens, revoked ones included, newest first (never their hashes)."""
    return conn.execute(
        "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens"
        " WHERE user_id = ? ORDER BY id DESC",
        (user_id,),
    ).fetchall()


def revoke_api_token(conn: sqlite3.Connection, user_id: int, token_id: int) -> bool:
    """Revoke one live token of ``user_id``; False when there is none with that id."""
    cur = conn.execute(
        "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
        (iso(utcnow()), token_id, user_id),
    )
    return cur.rowcount == 1
