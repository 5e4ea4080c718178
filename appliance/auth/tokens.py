"""Per-user API tokens: making one, and finding the account and scopes a presented token
carries. Their SQL is in :mod:`appliance.auth.token_store`. No Flask here.

A token acts as its owner, for its scopes only: role actions it was given, each of which the
owner's role must hold (now and at every call, so a role change narrows live tokens too). It
ends at ``expires_at``; a researcher's token ends with her access period at the latest, and
works only inside it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from appliance import crypto
from appliance.auth import token_store
from appliance.auth.roles import ROLES
from appliance.auth.store import User, get_user
from appliance.db import iso, parse_iso

TOKEN_PREFIX = "apl_"  # noqa: S105 - a marker that helps secret scanners, not a secret
MAX_DAYS = 365
# Tokens work for programs: the account's own password, second factor and tokens stay with
# the person, so no token can carry the action that manages them.
NOT_FOR_TOKENS = frozenset({"account.self"})


@dataclass(frozen=True)
class Presented:
    """A live token: its id, its owner and the actions it may use."""

    token_id: int
    user: User
    scopes: frozenset[str]


def grantable(role: str) -> frozenset[str]:
    """The actions a token of an account with ``role`` may be given."""
    return ROLES.get(role, frozenset()) - NOT_FOR_TOKENS


def ends(user: User, days: int, now: datetime, tz: ZoneInfo) -> datetime:
    """When a token made ``now`` for ``days`` (1..MAX_DAYS) ends: never after a researcher's
    last day of access (the end of that day, local time)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"a token lasts 1 to {MAX_DAYS} days")
    end = now + timedelta(days=days)
    if user.role == "researcher" and user.valid_until:
        last = datetime.fromisoformat(user.valid_until).date() + timedelta(days=1)
        end = min(end, datetime.combine(last, time(), tz))
    return end


def create_api_token(
    conn: sqlite3.Connection,
    user: User,
    name: str,
    scopes: frozenset[str],
    expires_at: datetime,
) -> tuple[int, str]:
    """Return (id, token); the token (256 bits) is shown once, only its SHA-256 is kept.
    Raises ValueError when a scope is not the owner's to give, or none is given."""
    if not scopes:
        raise ValueError("a token needs at least one scope")
    extra = scopes - grantable(user.role)
    if extra:
        raise ValueError(f"not the account's to give: {', '.join(sorted(extra))}")
    raw = TOKEN_PREFIX + crypto.token(32)
    token_id = token_store.insert_token(
        conn, user.id, name.strip(), crypto.sha256(raw), " ".join(sorted(scopes)), iso(expires_at)
    )
    return token_id, raw


def present(conn: sqlite3.Connection, raw: str, now: datetime, tz: ZoneInfo) -> Presented | None:
    """The live token ``raw`` names: not revoked, not expired, of an enabled account inside its
    access period; else None."""
    row = token_store.live_token(conn, crypto.sha256(raw))
    if row is None or not row["expires_at"] or parse_iso(row["expires_at"]) <= now:
        return None
    user = get_user(conn, row["user_id"])
    if user is None or user.disabled or not user.window_open(now, tz):
        return None
    scopes = frozenset(row["scopes"].split()) & grantable(user.role)
    return Presented(row["id"], user, scopes)
