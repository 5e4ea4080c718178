"""Login throttling per account and per client address.

Failures are counted in a sliding window under keyed hashes of the account name (as typed, so
unknown names are throttled exactly like real ones: no enumeration) and of the client address.
Wrong second-factor codes and wrong current passwords count as failures of the account too.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass

from appliance.auth import store
from appliance.crypto import KeyedHasher

PRUNE_AFTER_SECONDS = 86400  # longer than any window the settings allow


@dataclass(frozen=True)
class Limits:
    per_account: int
    per_address: int
    window_seconds: int


@dataclass(frozen=True)
class Throttle:
    """Throttle state for one moment. ``username`` None means: count the address only (setup)."""

    conn: sqlite3.Connection
    hasher: KeyedHasher
    limits: Limits
    now: float

    def _keys(self, username: str | None, address: str) -> list[tuple[bytes, int]]:
        keys = [(self.hasher.digest("throttle", "address:" + address), self.limits.per_address)]
        if username is not None:
            account = self.hasher.digest("throttle", "account:" + username.strip().lower())
            keys.insert(0, (account, self.limits.per_account))
        return keys

    def blocked_for(self, username: str | None, address: str) -> int:
        """Minutes until the next attempt is allowed; 0 when not throttled."""
        since = self.now - self.limits.window_seconds
        wait = 0.0
        for key, limit in self._keys(username, address):
            count, oldest = store.failures_since(self.conn, key, since)
            if count >= limit and oldest is not None:
                wait = max(wait, oldest + self.limits.window_seconds - self.now)
        return math.ceil(wait / 60) if wait > 0 else 0

    def fail(self, username: str | None, address: str) -> None:
        store.prune_failures(self.conn, self.now - PRUNE_AFTER_SECONDS)
        for key, _limit in self._keys(username, address):
            store.record_failure(self.conn, key, self.now)

    def succeed(self, username: str) -> None:
        """Reset the account's counter; an address guessing many accounts stays throttled."""
        store.clear_failures(self.conn, self._keys(username, "")[0][0])

    def first_refusal(self, username: str | None, address: str) -> bool:
        """True once per window for this account and address: refusals are logged only then, so
        a flood of throttled requests cannot grow the append-only audit log."""
        marker = self.hasher.digest("throttle-logged", f"{username}\x1f{address}")
        count, _oldest = store.failures_since(
            self.conn, marker, self.now - self.limits.window_seconds
        )
        if count:
            return False
        store.record_failure(self.conn, marker, self.now)
        return True
