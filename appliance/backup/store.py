"""SQL of backups, restore and key rotation. No Flask here.

What the web pages show about backups (the results recorded in the audit log); what a backup's
manifest says about its snapshot; the key rotation's checks, and the statements that re-seal and
re-hash the key-dependent columns that :mod:`appliance.backup.sealed` lists.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from appliance import schema

RESULTS = ("backup.written", "backup.failed")


def recent_results(conn: sqlite3.Connection, limit: int = 10) -> list[sqlite3.Row]:
    """The latest backups written or failed (nightly and manual), newest first."""
    return conn.execute(
        "SELECT id, at, action, actor, details FROM audit_log WHERE action IN (?, ?)"
        " ORDER BY id DESC LIMIT ?",
        (*RESULTS, limit),
    ).fetchall()


def first_entry_at(conn: sqlite3.Connection) -> str | None:
    """When the appliance began keeping its log (its installation, for practical purposes);
    the log's oldest entries may have been summarised, so the summaries count too."""
    row = conn.execute(
        "SELECT min(at) FROM (SELECT min(at) AS at FROM audit_log"
        " UNION ALL SELECT min(first_at) FROM audit_summaries)"
    ).fetchone()
    return row[0]


def vacuum_into(conn: sqlite3.Connection, target: Path) -> None:
    """Write the whole database anew into ``target``, in one read transaction of ``conn``."""
    conn.execute("VACUUM INTO ?", (str(target),))


def table_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows per table (SQLite's own tables left out), by table name in name order."""
    database = schema.utils_db(conn)
    # Names beginning with "sqlite_" (in any case) are reserved to SQLite's own tables.
    ours = sorted(t for t in database.table_names() if not t.lower().startswith("sqlite_"))
    return {t: database.table(t).count for t in ours}


def applied_migrations(conn: sqlite3.Connection) -> list[str]:
    """Names of the applied schema migrations, in name order (a manifest's ``migrations``)."""
    return sorted(schema.applied(conn))


def audit_tail(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """(id, hash) of the audit log's newest entry; None when it has none."""
    return conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()


def integrity_check(conn: sqlite3.Connection) -> list[str]:
    """SQLite's own check of the whole file: ``["ok"]``, or the problems it found."""
    return [r[0] for r in conn.execute("PRAGMA integrity_check")]


def checkpoint(conn: sqlite3.Connection) -> None:
    """Move the write-ahead log into the database file and empty it."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def set_cache_size(conn: sqlite3.Connection, kib: int) -> None:
    """Let ``conn`` keep up to ``kib`` KiB of pages in memory."""
    conn.execute(f"PRAGMA cache_size = -{kib}")


def live_imports(conn: sqlite3.Connection, alive_since: float) -> int:
    """Imports that are writing right now (they seal and hash with the keys they started with)."""
    return conn.execute(
        "SELECT count(*) FROM contact_imports WHERE status = 'running' AND heartbeat >= ?",
        (alive_since,),
    ).fetchone()[0]


def rotations(conn: sqlite3.Connection, limit: int = 20) -> list[str]:
    """Details (JSON) of the latest ``keys.rotated`` audit entries, newest first."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT details FROM audit_log WHERE action = 'keys.rotated' ORDER BY id DESC LIMIT ?",
            (limit,),
        )
    ]


def tables(conn: sqlite3.Connection) -> set[str]:
    return set(schema.utils_db(conn).table_names())


def tag_seeds(conn: sqlite3.Connection, table: str, column: str, size: int, function: str) -> int:
    """Pass every untagged seed (a BLOB of ``size`` bytes) of ``table.column`` through the SQL
    function ``function``; returns how many rows changed."""
    return conn.execute(
        f"UPDATE {table} SET {column} = {function}({column})"  # noqa: S608
        f" WHERE typeof({column}) = 'blob' AND length({column}) = ?",
        (size,),
    ).rowcount


def rewrite_columns(
    conn: sqlite3.Connection, table: str, calls: Sequence[tuple[str, str, tuple[str, ...]]]
) -> None:
    """One UPDATE of every row of ``table``: for each (column, SQL function, further argument
    expressions), a non-NULL value becomes ``function(column, *arguments)``."""
    assignments = [
        f"{column} = CASE WHEN {column} IS NOT NULL"
        f" THEN {function}({', '.join((column, *arguments))}) END"
        for column, function, arguments in calls
    ]
    conn.execute(f"UPDATE {table} SET {', '.join(assignments)}")  # noqa: S608


def key_id_sample(conn: sqlite3.Connection, table: str, column: str) -> bytes | None:
    """The key id (bytes 2-9) of some sealed value in ``table.column``; None when all are NULL."""
    row = conn.execute(
        f"SELECT substr({column}, 2, 8) FROM {table}"  # noqa: S608
        f" WHERE {column} IS NOT NULL LIMIT 1"
    ).fetchone()
    return None if row is None else bytes(row[0])
