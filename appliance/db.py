"""SQLite access: one connection per request or command, explicit transactions.

Every connection runs in WAL mode with foreign keys, a busy timeout and ``secure_delete`` (deleted
personal data is overwritten, not left in free pages). Connections are in autocommit mode; writes
that belong together go through :func:`transaction`, which is all-or-nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from appliance import locks

DB_FILENAME = "appliance.db"
BUSY_TIMEOUT_MS = 5000
# SQLite's busy handler waits in sleeps of up to 100 ms; writers queue instead and take turns in
# microseconds: the threads of a process on this lock, then the processes (every `serve` worker,
# the CLI) on an flock of the write lock file beside the database, which wakes the next waiter the
# moment the holder lets go. SQLite's busy timeout stays as the fallback for a write outside
# `transaction` (a statement on its own) and for processes of older versions.
_WRITE_LOCK = threading.RLock()


class _Connection(sqlite3.Connection):
    """A writable connection that knows its write lock file, so the hot path needs no query to
    find it (0.04 us against 1.9 us for PRAGMA database_list, which other connections pay)."""

    __slots__ = ("lock_file",)


class _FileTurn:
    """This process's hold on the write lock file; touched only by the holder of _WRITE_LOCK.

    A process that lets go of the lock and asks again at once would mostly win it back before
    a waiting process has even woken up (two processes writing back to back: turns changed
    hands about 60 times in 6,000 transactions). So the waiting is done on a second file, the
    queue: a waiter holds it while it waits for the write lock and lets go once it has that,
    and whoever asks for the write lock asks for the queue first, so the last holder lines up
    behind the waiter instead of passing it (200 to 1,100 changes, the same throughput)."""

    def __init__(self) -> None:
        self.depth = 0  # nesting of `_writer`: only the outermost entry takes the flock
        self.path = ""  # the write lock file `fd` is open on, reused while writes go to it
        self.fd = -1
        self.queue = -1  # open on the queue file beside it
        self.held = -1  # the descriptor holding the flock now: `fd`, or one a waiter opened


_turn = _FileTurn()


def db_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / DB_FILENAME


def connect(path: str | Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the database with the appliance's pragmas. ``readonly`` opens it with mode=ro."""
    if readonly:
        conn = sqlite3.connect(
            f"file:{Path(path)}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
    else:
        conn = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, factory=_Connection
        )
        conn.lock_file = _lock_file(str(path))
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA secure_delete = ON")
    if not readonly:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def _lock_file(database: str) -> str:
    """The write lock file beside ``database``; "" for one in memory (no other process)."""
    if database in ("", ":memory:"):
        return ""
    return str(Path(database).parent / locks.WRITE_LOCK)


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

    Writers take turns on one lock per process and, between processes, on the write lock file
    (``locks.WRITE_LOCK``) beside the database, so a transaction must not wait for another
    thread or process that is itself inside :func:`transaction`. Waiting for both counts like
    SQLite's busy timeout: past ``wait`` seconds, "database is locked"."""
    with _writer(conn, wait):
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
def _writer(conn: sqlite3.Connection, wait: float) -> Iterator[None]:
    """This thread's turn to write to ``conn``'s database (see :func:`transaction`). Nested
    turns of one thread hold the file lock of the outermost one."""
    deadline = time.monotonic() + wait
    if not _WRITE_LOCK.acquire(timeout=wait):
        raise sqlite3.OperationalError("database is locked")
    try:
        if _turn.depth == 0:
            path = getattr(conn, "lock_file", None)
            if path is None:
                path = _lock_file(_main_file(conn))
            if path:
                _take_file(path, deadline)
        _turn.depth += 1
        try:
            yield
        finally:
            _turn.depth -= 1
            if _turn.depth == 0 and _turn.held >= 0:
                _release_file()
    finally:
        _WRITE_LOCK.release()


def _main_file(conn: sqlite3.Connection) -> str:
    return conn.execute("PRAGMA database_list").fetchone()[2]


def _take_file(path: str, deadline: float) -> None:
    queue_path = os.path.join(os.path.dirname(path), locks.WRITE_QUEUE_LOCK)
    if _turn.path != path:
        for fd in (_turn.fd, _turn.queue):
            if fd >= 0:
                os.close(fd)  # one pair per process, not one per database ever written
        _turn.fd = _turn.queue = -1
        _turn.path = ""
        _turn.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        _turn.queue = os.open(queue_path, os.O_RDWR | os.O_CREAT, 0o600)
        _turn.path = path
    in_queue = _flock(_turn.queue, queue_path, deadline)
    try:
        _turn.held = _flock(_turn.fd, path, deadline)
    finally:
        _unflock(in_queue, _turn.queue)


def _flock(fd: int, path: str, deadline: float) -> int:
    """Lock ``path`` on ``fd`` at once if it is free, else wait for it until ``deadline``;
    returns the descriptor that holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return fd
    except BlockingIOError:
        return _wait_for_file(path, deadline - time.monotonic())


def _unflock(held: int, cached: int) -> None:
    if held == cached:
        fcntl.flock(held, fcntl.LOCK_UN)
    else:
        os.close(held)


def _wait_for_file(path: str, wait: float) -> int:
    """Wait for another process to let go of the lock file: a blocking flock wakes the moment it
    does, but has no timeout, so a helper thread blocks on a descriptor of its own while this
    one waits at most ``wait``. A helper that gets the lock after its caller gave up lets go at
    once (closing its descriptor releases it). Returns the descriptor holding the lock."""
    if wait <= 0:
        raise sqlite3.OperationalError("database is locked")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    done, outcome = threading.Event(), threading.Lock()
    state = {"locked": False, "abandoned": False}

    def block() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            state["locked"] = True
        finally:
            with outcome:
                if state["abandoned"]:
                    os.close(fd)
                done.set()

    threading.Thread(target=block, name="write-lock-wait", daemon=True).start()
    done.wait(wait)
    with outcome:
        if not state["locked"]:
            state["abandoned"] = True
            if done.is_set():  # the flock itself failed; the helper has ended
                os.close(fd)
            raise sqlite3.OperationalError("database is locked")
    return fd


def _release_file() -> None:
    _unflock(_turn.held, _turn.fd)
    _turn.held = -1


def _after_fork_in_child() -> None:
    # A forked child shares the parent's open lock file: its flock would be the parent's own
    # and exclude nothing. It starts with locks and a descriptor of its own.
    global _WRITE_LOCK, _turn
    for fd in {_turn.fd, _turn.queue, _turn.held} - {-1}:
        os.close(fd)
    _WRITE_LOCK, _turn = threading.RLock(), _FileTurn()


os.register_at_fork(after_in_child=_after_fork_in_child)


def truncate_wal(conn: sqlite3.Connection, wait_ms: int = BUSY_TIMEOUT_MS) -> bool:
    """Copy the write-ahead log into the database and truncate it to zero bytes, waiting at
    most ``wait_ms`` for readers of older snapshots; True when the log is empty afterwards.

    The checkpoint keeps writers out while it copies, so it takes its turn like a writer (see
    :func:`transaction`): a writer of another process would otherwise meet it inside SQLite
    and sleep in the busy handler, holding the turn all the while."""
    try:
        with _writer(conn, BUSY_TIMEOUT_MS / 1000):
            conn.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
            try:
                busy, log_frames, _done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    except sqlite3.OperationalError:
        return False
    return not busy and log_frames <= 0


def pad_wal(conn: sqlite3.Connection) -> None:
    """Start a new log with one write to a page that means nothing (``wal_pad``): the
    wal-index then lists that page only, not the pages of the commit before the truncation."""
    with transaction(conn):
        conn.execute("UPDATE wal_pad SET n = 1 - n")


def turn_size(size: int, took_s: float, target_s: float, smallest: int, largest: int) -> int:
    """How many items the next write turn of a bulk job takes, so that it holds the write lock
    about ``target_s``: scaled by the last turn's time, at most twice the last size (one fast
    turn on a warm cache must not promise much), within [smallest, largest]."""
    wanted = size * target_s / max(took_s, 1e-4)
    return int(max(smallest, min(largest, 2 * size, wanted)))


def clear_log(conn: sqlite3.Connection, wait_ms: int = BUSY_TIMEOUT_MS) -> bool:
    """After respondents' commits: truncate the log (:func:`truncate_wal`) and, once it is
    empty, start a new one with :func:`pad_wal`, so neither the log nor its index keeps the
    pages of the last commits. False when readers kept the log from emptying: try again later.
    The pad is best effort (a busy moment skips it; the next clear writes it)."""
    if not truncate_wal(conn, wait_ms):
        return False
    with contextlib.suppress(sqlite3.OperationalError):
        pad_wal(conn)
    return True


def forget_order(conn: sqlite3.Connection) -> None:
    """Rebuild the database file (``VACUUM``): every table and index is written anew in key
    order, so neither page layout nor cell placement keeps the order rows came in; then empty
    the WAL, which holds the rebuilt pages. Takes the write lock for the duration."""
    with _writer(conn, BUSY_TIMEOUT_MS / 1000):
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
