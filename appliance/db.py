"""SQLite access: one connection per request or command, explicit transactions.

Every connection runs in WAL mode with foreign keys, a busy timeout and ``secure_delete`` (deleted
personal data is overwritten, not left in free pages). Connections are in autocommit mode; writes
that belong together go through :func:`transaction`, which is all-or-nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

DB_FILENAME = "appliance.db"
BUSY_TIMEOUT_MS = 5000
# SQLite's busy handler waits in sleeps of up to 100 ms; writers of this process queue on a lock
# instead and take turns in microseconds. Other processes (the CLI) still meet the busy timeout.
_WRITE_LOCK = threading.RLock()


def db_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / DB_FILENAME


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the database with the appliance's pragmas. ``readonly`` opens it with mode=ro."""
    if readonly:
        conn = sqlite3.connect(
            f"file:{Path(path)}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
    else:
        conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def ping(conn: sqlite3.Connection) -> None:
    """Raise when the database does not answer."""
    conn.execute("SELECT 1").fetchone()


def journal_mode(conn: sqlite3.Connection) -> str:
    return conn.execute("PRAGMA journal_mode").fetchone()[0]


@contextmanager
def transaction(
    conn: sqlite3.Connection, wait: float = BUSY_TIMEOUT_MS / 1000
) -> Iterator[sqlite3.Connection]:
    """Run the block in one write transaction (BEGIN IMMEDIATE); roll back on any exception,
    including a failed COMMIT, so the connection is never left inside a transaction.

    Writers in this process take turns on one lock, so a transaction must not wait for another
    thread of this process that is itself inside :func:`transaction`. Waiting for that lock
    counts like SQLite's busy timeout: past ``wait`` seconds, "database is locked"."""
    with _writer(wait):
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            # SQLite may already have rolled back by itself (a full disk, for one).
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


@contextmanager
def _writer(wait: float) -> Iterator[None]:
    """This process's turn to write (see :func:`transaction`)."""
    if not _WRITE_LOCK.acquire(timeout=wait):
        raise sqlite3.OperationalError("database is locked")
    try:
        yield
    finally:
        _WRITE_LOCK.release()


def truncate_wal(conn: sqlite3.Connection, wait_ms: int = BUSY_TIMEOUT_MS) -> bool:
    """Copy the write-ahead log into the database and truncate it to zero bytes, waiting at
    most ``wait_ms`` for readers of older snapshots; True when the log is empty afterwards."""
    conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
    try:
        busy, log_frames, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.OperationalError:
        return False
    finally:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return not busy and log_frames <= 0


def pad_wal(conn: sqlite3.Connection) -> None:
    """Start a new log with one write to a page that means nothing (``wal_pad``): the
    wal-index then lists that page only, not the pages of the commit before the truncation."""
    with transaction(conn):
        conn.execute("UPDATE wal_pad SET n = 1 - n")


def forget_order(conn: sqlite3.Connection) -> None:
    """Rebuild the database file (``VACUUM``): every table and index is written anew in key
    order, so neither page layout nor cell placement keeps the order rows came in; then empty
    the WAL, which holds the rebuilt pages. Takes the write lock for the duration."""
    with _writer(BUSY_TIMEOUT_MS / 1000):
        conn.execute("VACUUM")
    truncate_wal(conn)


def settle(path: str | Path) -> bool:
    """At a clean stop: empty the WAL so that no page image of recent commits stays beside the
    database; True when it is empty (SQLite removes it when the last connection closes)."""
    conn = connect(path)
    try:
        return truncate_wal(conn)
    finally:
        conn.close()


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Timestamps are stored as ISO 8601 UTC text with second precision."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
