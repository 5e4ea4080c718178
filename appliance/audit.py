"""The append-only, hash-chained audit log.

Each entry's ``hash`` is SHA-256 over the previous entry's hash and this entry's fields, in a fixed
canonical form, so editing, inserting or deleting any row breaks every later link; :func:`verify`
reports the first broken one. Triggers refuse UPDATE and DELETE from inside the application.

What goes in: who (user id and username, or 'cli' / 'system'), what (a dotted action name), on what
(a target such as ``user:7``), counts and parameters. Never contact data and never secrets: callers
pass only ids, usernames of accounts, counts and settings values.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from appliance.csvsafe import csv_rows
from appliance.db import iso, transaction, utcnow

GENESIS = "0" * 64
_FIELDS = ("at", "actor_id", "actor", "action", "target", "details", "address")


def _link(prev_hash: str, entry: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        [prev_hash] + [entry[name] for name in _FIELDS], ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(
    conn: sqlite3.Connection,
    action: str,
    *,
    actor_id: int | None = None,
    actor: str = "system",
    target: str = "",
    details: Mapping[str, Any] | None = None,
    address: str = "",
) -> int:
    """Append one entry and return its id. Joins the caller's transaction when one is open."""
    entry = {
        "at": iso(utcnow()),
        "actor_id": actor_id,
        "actor": actor,
        "action": action,
        "target": target,
        "details": json.dumps(dict(details or {}), sort_keys=True, ensure_ascii=False),
        "address": address,
    }
    if conn.in_transaction:
        return _append(conn, entry)
    with transaction(conn):
        return _append(conn, entry)


def _append(conn: sqlite3.Connection, entry: dict[str, Any]) -> int:
    last = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    prev_hash = last["hash"] if last else GENESIS
    cur = conn.execute(
        "INSERT INTO audit_log (at, actor_id, actor, action, target, details, address,"
        " prev_hash, hash) VALUES (:at, :actor_id, :actor, :action, :target, :details, :address,"
        " :prev_hash, :hash)",
        {**entry, "prev_hash": prev_hash, "hash": _link(prev_hash, entry)},
    )
    return cur.lastrowid


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


def verify(conn: sqlite3.Connection) -> Verification:
    """Walk the chain from the first entry; stop at the first entry whose link does not hold."""
    prev_hash = GENESIS
    checked = 0
    for row in conn.execute("SELECT * FROM audit_log ORDER BY id"):
        if row["prev_hash"] != prev_hash:
            return Verification(False, checked, row["id"], "previous entry missing or changed")
        if _link(prev_hash, row) != row["hash"]:
            return Verification(False, checked, row["id"], "entry content changed")
        prev_hash = row["hash"]
        checked += 1
    return Verification(True, checked)


@dataclass(frozen=True)
class Filter:
    """``since`` and ``until`` are UTC timestamps (``until`` exclusive); the view turns the
    local days a user picks into these bounds."""

    action: str = ""
    actor: str = ""
    since: str = ""
    until: str = ""

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = [], []
        if self.action:
            clauses.append("action LIKE ? ESCAPE '\\'")
            params.append(_like_prefix(self.action))
        if self.actor:
            clauses.append("actor = ? COLLATE NOCASE")
            params.append(self.actor)
        if self.since:
            clauses.append("at >= ?")
            params.append(self.since)
        if self.until:
            clauses.append("at < ?")
            params.append(self.until)
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def search(
    conn: sqlite3.Connection, flt: Filter, *, limit: int = 100, before_id: int | None = None
) -> list[sqlite3.Row]:
    """Newest first; ``before_id`` pages backwards."""
    where, params = flt.where()
    if before_id is not None:
        where += (" AND " if where else " WHERE ") + "id < ?"
        params.append(before_id)
    return conn.execute(
        f"SELECT * FROM audit_log{where} ORDER BY id DESC LIMIT ?",  # noqa: S608 - clauses are fixed
        [*params, limit],
    ).fetchall()


def actions(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT DISTINCT action FROM audit_log ORDER BY action")]


def iter_all(conn: sqlite3.Connection, flt: Filter) -> Iterator[sqlite3.Row]:
    where, params = flt.where()
    yield from conn.execute(f"SELECT * FROM audit_log{where} ORDER BY id", params)  # noqa: S608


def to_csv(rows: Iterable[sqlite3.Row]) -> Iterator[str]:
    """Stream the log as formula-safe CSV, header first."""
    columns = ("id", "at", "actor", "action", "target", "details", "address", "hash")
    yield from csv_rows(itertools.chain([columns], ([row[c] for c in columns] for row in rows)))


def by_actors(
    conn: sqlite3.Connection, actor_ids: Iterable[int], *, limit: int = 500
) -> list[sqlite3.Row]:
    """Everything the given accounts did, newest first."""
    ids = list(actor_ids)
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    return conn.execute(
        f"SELECT * FROM audit_log WHERE actor_id IN ({marks}) ORDER BY id DESC LIMIT ?",  # noqa: S608
        [*ids, limit],
    ).fetchall()
