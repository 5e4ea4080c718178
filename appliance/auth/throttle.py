"""Login throttling per account and per client address.

Failures are counted in a sliding window under keyed hashes of the account name (as typed, so
unknown names are throttled exactly like real ones: no enumeration) and of the client address.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass

from appliance.auth import store as accounts
from appliance.crypto import KeyedHasher

PRUNE_AFTER_SECONDS = 86400  # longer than any window the settings allow


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int
    window_seconds: int


def _keys(hasher: KeyedHasher, username: str, address: str) -> tuple[bytes, bytes]:
    return (
        hasher.digest("throttle", "account:" + username.strip().lower()),
        hasher.digest("throttle", "address:" + address),
    )


def blocked_for(
    conn: sqlite3.Connection,
    hasher: KeyedHasher,
    limits: Limits,
    username: str,
    address: str,
    now: float,
) -> int:
    """Minutes until the next attempt is allowed; 0 when not throttled."""
    since = now - limits.window_seconds
    wait = 0.0
    for key, limit in zip(
        _keys(hasher, username, address), (limits.per_account, limits.per_address), strict=True
    ):
        count, oldest = accounts.failures_since(conn, key, since)
        if count >= limit and oldest is not None:
            wait = max(wait, oldest + limits.window_seconds - now)
    return math.ceil(wait / 60) if wait > 0 else 0


def fail(conn: sqlite3.Connection, hasher: KeyedHasher, username: str, address: str, now: float):
    accounts.prune_failures(conn, now - PRUNE_AFTER_SECONDS)
    for key in _keys(hasher, username, address):
        accounts.record_failure(conn, key, now)


def succeed(conn: sqlite3.Connection, hasher: KeyedHasher, username: str, address: str) -> None:
    # Only the account's counter resets: an address guessing many accounts stays throttled.
    accounts.clear_failures(conn, _keys(hasher, username, address)[0])
