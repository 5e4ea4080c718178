"""The signed-in user's own credentials: enrolling and switching off two-factor login,
recovery codes and API tokens. Each change is one transaction with its audit entry; the reads
the account page needs pass through here, so views never depend on SQL."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

from appliance.auth import store, token_store, tokens, totp
from appliance.auth.service import Actor
from appliance.auth.store import User
from appliance.crypto import FieldCipher, KeyedHasher
from appliance.db import iso, transaction, utcnow


def pending_totp_secret(conn: sqlite3.Connection, cipher: FieldCipher, user_id: int) -> str:
    """The secret being enrolled: the stored one, or a new one stored (not yet enabled)."""
    secret = store.totp_secret(conn, cipher, user_id)
    if secret is None:
        secret = totp.new_secret()
        store.set_pending_totp(conn, cipher, user_id, secret)
    return secret


def enable_two_factor(
    conn: sqlite3.Connection,
    actor: Actor,
    hasher: KeyedHasher,
    user_id: int,
    secret: str,
    code: str,
) -> list[str] | None:
    """Switch TOTP on when ``code`` is the next unused code of ``secret``: in one transaction
    with new recovery codes and ``2fa.enabled``. Returns the recovery codes (shown once), or
    None for a wrong or replayed code (nothing written)."""
    step = totp.matching_step(secret, code)
    if step is None or not store.accept_totp_step(conn, user_id, step):
        return None
    codes = totp.new_recovery_codes()
    with transaction(conn):
        store.enable_totp(conn, user_id)
        store.replace_recovery_codes(conn, hasher, user_id, codes)
        actor.log(conn, "2fa.enabled", f"user:{user_id}")
    return codes


def disable_two_factor(conn: sqlite3.Connection, actor: Actor, user_id: int) -> None:
    """The user's own choice: TOTP off and its recovery codes gone, with ``2fa.disabled``."""
    with transaction(conn):
        store.clear_totp(conn, user_id)
        actor.log(conn, "2fa.disabled", f"user:{user_id}")


def renew_recovery_codes(
    conn: sqlite3.Connection, actor: Actor, hasher: KeyedHasher, user_id: int
) -> list[str]:
    """Replace the user's recovery codes; returns the new ones (shown once, stored hashed)."""
    codes = totp.new_recovery_codes()
    with transaction(conn):
        store.replace_recovery_codes(conn, hasher, user_id, codes)
        actor.log(conn, "2fa.recovery_codes_renewed", f"user:{user_id}")
    return codes


def create_api_token(
    conn: sqlite3.Connection,
    actor: Actor,
    user: User,
    name: str,
    scopes: frozenset[str],
    days: int,
    tz: ZoneInfo,
) -> tuple[str, datetime]:
    """A new API token of ``user`` for ``scopes`` lasting ``days`` (a researcher's ends with her
    access), audited with its name, scopes and end; returns the token (shown once) and its end.
    Raises ValueError for scopes the account cannot give or a bad number of days."""
    expires_at = tokens.ends(user, days, utcnow(), tz)
    with transaction(conn):
        token_id, raw = tokens.create_api_token(conn, user, name, scopes, expires_at)
        actor.log(
            conn,
            "api_token.created",
            f"api_token:{token_id}",
            name=name,
            scopes=sorted(scopes),
            expires_at=iso(expires_at),
        )
    return raw, expires_at


def revoke_api_token(conn: sqlite3.Connection, actor: Actor, user_id: int, token_id: int) -> bool:
    """Revoke one live token of ``user_id``; False (nothing logged) when there is none."""
    with transaction(conn):
        revoked = token_store.revoke_api_token(conn, user_id, token_id)
        if revoked:
            actor.log(conn, "api_token.revoked", f"api_token:{token_id}")
    return revoked


def unused_recovery_codes(conn: sqlite3.Connection, user_id: int) -> int:
    """How many of the account's recovery codes are still unused."""
    return store.unused_recovery_codes(conn, user_id)


def api_tokens(conn: sqlite3.Connection, user_id: int) -> list[sqlite3.Row]:
    """The account's API tokens, revoked ones included, newest first (never their hashes)."""
    return token_store.api_tokens(conn, user_id)
