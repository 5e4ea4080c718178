"""SQL for per-user API tokens (the HTTP API of the identity plane). No Flask here.

Only a token's SHA-256 is stored; :mod:`appliance.auth.tokens` makes the tokens and hashes them.
"""

from __future__ import annotations

import sqlite3

from appliance.db import iso, utcnow


def insert_token(
    conn: sqlite3.Connection,
    user_id: int,
    name: str,
    token_hash: bytes,
    scopes: str,
    expires_at: str,
) -> int:
    """Store a new live token of ``user_id``; returns its id."""
    cur = conn.execute(
        "INSERT INTO api_tokens (user_id, name, token_hash, created_at, scopes, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (user_id, name, token_hash, iso(utcnow()), scopes, expires_at),
    )
    return cur.lastrowid


def live_token(conn: sqlite3.Connection, token_hash: bytes) -> sqlite3.Row | None:
    """``id``, ``user_id``, ``scopes`` and ``expires_at`` of the token with this hash unless it
    was revoked, else None."""
    return conn.execute(
        "SELECT id, user_id, scopes, expires_at FROM api_tokens"
        " WHERE token_hash = ? AND revoked_at IS NULL",
        (token_hash,),
    ).fetchone()


def touch_api_token(conn: sqlite3.Connection, token_id: int) -> None:
    conn.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", (iso(utcnow()), token_id))


def api_tokens(conn: sqlite3.Connection, user_id: int) -> list[sqlite3.Row]:
    """The user's tokens, revoked ones included, newest first (never their hashes)."""
    return conn.execute(
        "SELECT id, name, created_at, last_used_at, revoked_at, scopes, expires_at"
        " FROM api_tokens"
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


def revoke_all(conn: sqlite3.Connection, user_id: int) -> int:
    """Revoke every live token of ``user_id``; returns how many."""
    cur = conn.execute(
        "UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
        (iso(utcnow()), user_id),
    )
    return cur.rowcount
