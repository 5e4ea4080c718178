"""SQL of the suppression (unsubscribe) list: keyed address hashes with when and how each came
on it. No Flask here; every function joins the caller's transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

# SQLite's parameter limit is 32,766; one look-up query asks for at most this many hashes.
CHUNK = 10_000


def is_empty(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM suppressions LIMIT 1").fetchone() is None


def present(conn: sqlite3.Connection, hashes: Sequence[bytes]) -> set[bytes]:
    """Which of ``hashes`` are on the list, asked :data:`CHUNK` at a time."""
    found: set[bytes] = set()
    for start in range(0, len(hashes), CHUNK):
        part = tuple(hashes[start : start + CHUNK])
        marks = ",".join("?" * len(part))
        rows = conn.execute(
            f"SELECT email_hash FROM suppressions WHERE email_hash IN ({marks})",  # noqa: S608
            part,
        )
        found.update(bytes(r[0]) for r in rows)
    return found


def insert(conn: sqlite3.Connection, entries: Iterable[tuple[bytes, str, str]]) -> int:
    """Add (hash, created_at, source) entries, keeping those already present as they are;
    returns how many were new."""
    return conn.executemany(
        "INSERT OR IGNORE INTO suppressions (email_hash, created_at, source) VALUES (?, ?, ?)",
        entries,
    ).rowcount


def entries(conn: sqlite3.Connection) -> list[tuple[bytes, str, str]]:
    """Every (hash, created_at, source)."""
    return [
        (bytes(r[0]), r[1], r[2])
        for r in conn.execute("SELECT email_hash, created_at, source FROM suppressions")
    ]


def count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM suppressions").fetchone()[0]
