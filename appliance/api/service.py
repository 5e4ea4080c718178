"""The API area's service: what an API call writes, together with its audit entry."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from appliance.auth import token_store
from appliance.auth.service import Actor
from appliance.crypto import KeyedHasher
from appliance.db import transaction
from appliance.privacy import suppression


def add_suppressions(
    conn: sqlite3.Connection, actor: Actor, hasher: KeyedHasher, addresses: Iterable[str]
) -> tuple[int, int, int]:
    """Put the addresses on the suppression list (as staff, via the API) in one transaction
    with ``suppression.added``; returns (added, already listed, invalid)."""
    with transaction(conn):
        added, already, invalid = suppression.add_addresses(conn, hasher, addresses, "staff")
        actor.log(
            conn, "suppression.added", "suppressions", added=added, invalid=invalid, via="api"
        )
    return added, already, invalid


def record_call(
    conn: sqlite3.Connection, actor: Actor, token_id: int, method: str, path: str, status: int
) -> None:
    """One audit entry per API call: which token, what (``path`` as the route shows it, see
    ``appliance.api.calls``) and how it ended; the token's last use in the same write."""
    with transaction(conn):
        token_store.touch_api_token(conn, token_id)
        actor.log(
            conn, "api.called", f"api_token:{token_id}", method=method, path=path, status=status
        )
