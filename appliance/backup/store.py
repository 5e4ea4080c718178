"""SQL for what the web pages show about backups: the results recorded in the audit log."""

from __future__ import annotations

import sqlite3

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
