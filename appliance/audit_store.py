"""SQL of the audit log (``audit_log``) and of the signed summaries that stand in for expired
entries (``audit_summaries``). No Flask here; the chain's rules live in :mod:`appliance.audit`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# The append-only trigger, as the migrations create it (``delete_through`` puts it back).
NO_DELETE = (
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
)


@dataclass(frozen=True)
class Filter:
    """``since`` and ``until`` are UTC timestamps (``until`` exclusive); the view turns the
    local days a user picks into these bounds."""

    action: str = ""
    actor: str = ""
    since: str = ""
    until: str = ""

    def where(self) -> tuple[str, list[Any]]:
        """The WHERE clause (empty without conditions) and its parameters."""
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


def last_entry(conn: sqlite3.Connection) -> sqlite3.Row | None:
    """``id`` and ``hash`` of the newest entry kept, None when the log is empty."""
    return conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()


def last_summary_tail(conn: sqlite3.Connection) -> sqlite3.Row | None:
    """The newest summary's last entry as ``id`` and ``hash``; None without summaries."""
    return conn.execute(
        "SELECT last_id AS id, tail_hash AS hash FROM audit_summaries ORDER BY id DESC LIMIT 1"
    ).fetchone()


def insert_entry(conn: sqlite3.Connection, entry: Mapping[str, Any]) -> int:
    """Insert one linked entry (every column by name; ``id`` None lets SQLite choose)."""
    cur = conn.execute(
        "INSERT INTO audit_log (id, at, actor_id, actor, action, target, details, address,"
        " prev_hash, hash) VALUES (:id, :at, :actor_id, :actor, :action, :target, :details,"
        " :address, :prev_hash, :hash)",
        entry,
    )
    return cur.lastrowid


def summary_rows(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """Every summary, oldest first."""
    return conn.execute("SELECT * FROM audit_summaries ORDER BY id")


def entries(conn: sqlite3.Connection) -> sqlite3.Cursor:
    """Every entry kept, oldest first, read as the caller iterates."""
    return conn.execute("SELECT * FROM audit_log ORDER BY id")


def span(conn: sqlite3.Connection, last: int) -> sqlite3.Row:
    """(first id, count, first at, last at) of the entries up to id ``last``."""
    return conn.execute(
        "SELECT min(id), count(*), min(at), max(at) FROM audit_log WHERE id <= ?", (last,)
    ).fetchone()


def action_counts(conn: sqlite3.Connection, last: int) -> dict[str, int]:
    """How many entries up to id ``last`` each action has, by action name."""
    return dict(
        conn.execute(
            "SELECT action, count(*) FROM audit_log WHERE id <= ? GROUP BY action ORDER BY action",
            (last,),
        ).fetchall()
    )


def last_signature(conn: sqlite3.Connection) -> sqlite3.Row | None:
    """The newest summary's ``signature``; None without summaries."""
    return conn.execute("SELECT signature FROM audit_summaries ORDER BY id DESC LIMIT 1").fetchone()


def entry_hash(conn: sqlite3.Connection, entry_id: int) -> str:
    return conn.execute("SELECT hash FROM audit_log WHERE id = ?", (entry_id,)).fetchone()[0]


def insert_summary(conn: sqlite3.Connection, summary: Mapping[str, Any]) -> None:
    conn.execute(
        f"INSERT INTO audit_summaries ({', '.join(summary)})"  # noqa: S608 - fixed names
        f" VALUES ({', '.join(':' + name for name in summary)})",
        summary,
    )


def delete_through(conn: sqlite3.Connection, last: int) -> None:
    """Delete the entries up to id ``last``; inside the caller's transaction."""
    # The append-only trigger stands aside for this one statement of this transaction.
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id <= ?", (last,))
    conn.execute(NO_DELETE)


def summaries(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM audit_summaries ORDER BY id").fetchall()


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


def matching(conn: sqlite3.Connection, flt: Filter) -> sqlite3.Cursor:
    """The entries ``flt`` selects, oldest first, read as the caller iterates."""
    where, params = flt.where()
    return conn.execute(f"SELECT * FROM audit_log{where} ORDER BY id", params)  # noqa: S608


def by_actors(
    conn: sqlite3.Connection, actor_ids: Iterable[int], *, limit: int
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


def after(conn: sqlite3.Connection, flt: Filter, after_id: int, limit: int) -> list[sqlite3.Row]:
    """Up to ``limit`` entries ``flt`` selects with an id above ``after_id``, oldest first."""
    where, params = flt.where()
    where += (" AND " if where else " WHERE ") + "id > ?"
    return conn.execute(
        f"SELECT * FROM audit_log{where} ORDER BY id LIMIT ?",  # noqa: S608 - clauses are fixed
        [*params, after_id, limit],
    ).fetchall()
