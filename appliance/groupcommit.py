"""Group commit: many small write transactions from many threads, committed together.

Respondents' submissions are small writes that arrive many at a time. Committed one by one, each
waits its turn for SQLite's write lock and pays a commit of its own; and every statement releases
Python's GIL, so under load the lock holder keeps waiting for the GIL while others wait for it.
One writer thread instead takes whatever work has queued up and runs it in a single transaction.
A unit that raises before it writes anything (the usual refusal: "already answered") simply
fails; one that raises after writing makes the group run again one unit per transaction, so one
unit's failure never undoes or fails another's.

Contract of :meth:`GroupCommit.run`: ``work(conn)`` runs inside a transaction on the writer's
connection, once, or (when its group fails part-way) once more in a transaction of its own, and
only the writes of the run that committed count; ``run`` returns its result (or raises its
exception) only after that transaction has committed. An acknowledged result therefore survives a
crash of the process. ``run`` gives up after WAIT_SECONDS (TimeoutError): the unit may still be
stored later, so callers make units idempotent (a submission's form key does that).

Right after a group commits and no other submission waits, the writer checkpoints the
write-ahead log and truncates it. The WAL keeps each commit's pages in commit order: a
respondent's commit holds both the invitation marked used and the new response, so a copy of the
WAL would link the two. Truncated at once, a copy taken at any moment holds at most the commit
in flight; under load, at most CHECKPOINT_EVERY seconds of groups. A group of SETTLE_MIX or more
submissions pairs none of them (a commit's pages are in page order), so after one the writer
waits SETTLE_QUIET for the next group before it settles: under load, checkpoints after every
group took half of the writer's time. When a reader keeps the
checkpoint from finishing, it is tried again until it does. After a truncation one write to a
page of its own (``db.pad_wal``) starts the new log, so the wal-index (``-shm``) no longer lists
the pages of the last respondent's commit.

The writer works on the raw sqlite3 connection, not through sqlite-utils: a submission is a
handful of parameterised statements, and on this path every microsecond per row is measured
(``benchmarks/submit_responses.py``); a wrapper adds work without making them plainer.
"""

from __future__ import annotations

import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from appliance import db

BATCH_MAX = 200
WAIT_SECONDS = 60.0
# A checkpoint never waits for readers (it gives way to the next group and is tried again after
# the next commit, or CHECKPOINT_RETRY seconds later). While more submissions wait, the writer
# commits them first and checkpoints at least every CHECKPOINT_EVERY seconds: the log then holds
# a few groups of several submissions each, never a lone one for long.
CHECKPOINT_WAIT_MS = 0
# Submissions wait this long for the process's write lock: the nightly rebuild holds it for a
# few seconds (2.5 s at a million responses), which must delay respondents, not fail them.
LOCK_WAIT = 30.0
CHECKPOINT_RETRY = 0.2
CHECKPOINT_EVERY = 0.05
# After a group of at least SETTLE_MIX submissions the log is settled once SETTLE_QUIET has
# passed without a new one; after a smaller group (a commit that pairs few invitations with their
# responses) at once.
SETTLE_MIX = 8
SETTLE_QUIET = 0.005
# The writer thread ends after this long without work and starts again on demand, so an idle
# app (and each app a test creates) does not keep a thread and a connection open.
IDLE_SECONDS = 30.0


class GroupCommit:
    """One writer thread per database file, started on first use."""

    def __init__(self, path: str | Path, idle_seconds: float = IDLE_SECONDS):
        self.path = str(path)
        self.idle_seconds = idle_seconds
        self._queue: queue.SimpleQueue[tuple[Callable, Future]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._running = False
        self._thread: threading.Thread | None = None
        self._unsettled = False
        self._settle_due = 0.0
        self._settled_at = 0.0
        self._closed = False
        # Called in the writer thread after each group that committed (``serve`` wakes the fold
        # of the report counters with it); must be quick and must not raise.
        self.after_commit: Callable[[], None] | None = None

    def run(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``work`` in the next group transaction; see the module docstring."""
        future: Future = Future()
        with self._lock:
            if self._closed:
                raise Closed("the writer is stopping")
            self._queue.put((work, future))
            if not self._running:
                thread = threading.Thread(target=self._loop, name="group-commit", daemon=True)
                thread.start()  # raises if no thread can be had; nothing is left running then
                self._thread, self._running = thread, True
        return future.result(timeout=WAIT_SECONDS)

    def close(self, timeout: float = WAIT_SECONDS) -> None:
        """Let the writer commit what is queued, settle the WAL and end (a clean stop). Later
        calls of :meth:`run` raise :class:`Closed`: nothing may commit after the stop."""
        with self._lock:
            self._closed = True
            thread, running = self._thread, self._running
            if running:
                self._queue.put(_STOP)
        if running and thread is not None:
            thread.join(timeout)

    def _loop(self) -> None:
        try:
            conn = db.connect(self.path)
        except Exception as exc:
            self._fail_waiting(exc)
            return
        batch: list[tuple[Callable, Future]] = []
        try:
            while True:
                batch = self._next_batch()
                if batch is None:
                    self._settle(conn)
                    continue
                if not batch:
                    self._settle(conn)
                    return
                self._commit(conn, batch)
                if self.after_commit is not None:
                    self.after_commit()
                if time.monotonic() - self._settled_at >= CHECKPOINT_EVERY:
                    self._settle(conn)
                elif not self._queue.empty():
                    self._unsettled = True
                    self._settle_due = time.monotonic()
                elif len(batch) >= SETTLE_MIX:
                    # A commit of many submissions pairs no invitation with its response (the
                    # log holds a commit's pages in page order): under load the next group is
                    # on its way, so settle once none has come for SETTLE_QUIET. A checkpoint
                    # after every group kept the writer from it half of the time.
                    self._unsettled = True
                    self._settle_due = time.monotonic() + SETTLE_QUIET
                else:
                    self._settle(conn)
        except BaseException as exc:
            for _work, future in batch or ():
                if not future.done():
                    future.set_exception(exc)
            self._fail_waiting(exc)
            raise
        finally:
            conn.close()

    def _fail_waiting(self, exc: BaseException) -> None:
        """The writer cannot go on: whoever waits gets the error, and the next ``run`` starts a
        new writer."""
        with self._lock:
            self._running = False
            while not self._queue.empty():
                unit = self._queue.get_nowait()
                if unit is not _STOP:
                    unit[1].set_exception(exc)

    def _next_batch(self) -> list[tuple[Callable, Future]] | None:
        """The next group; [] when the writer should end (idle, or asked to stop); None when
        an unfinished checkpoint is due to be tried again."""
        if self._unsettled:
            wait = max(0.0, self._settle_due - time.monotonic())
        else:
            wait = self.idle_seconds
        try:
            first = self._queue.get(timeout=wait)
        except queue.Empty:
            if self._unsettled:
                return None
            with self._lock:
                if self._queue.empty():
                    self._running = False
                    return []
            first = self._queue.get()
        if first is _STOP:
            with self._lock:
                self._running = False
            return []
        batch = [first]
        while len(batch) < BATCH_MAX:
            try:
                unit = self._queue.get_nowait()
            except queue.Empty:
                break
            if unit is _STOP:
                self._queue.put(_STOP)  # after this group
                break
            batch.append(unit)
        return batch

    def _settle(self, conn: sqlite3.Connection) -> None:
        """Empty the WAL (``db.clear_log``); note when readers kept it from finishing."""
        self._unsettled = not db.clear_log(conn, CHECKPOINT_WAIT_MS)
        if self._unsettled:
            self._settle_due = time.monotonic() + CHECKPOINT_RETRY
        else:
            self._settled_at = time.monotonic()

    def _commit(self, conn: sqlite3.Connection, batch: list[tuple[Callable, Future]]) -> None:
        outcomes: list[tuple[Future, bool, Any]] = []
        try:
            with db.transaction(conn, LOCK_WAIT):
                for work, future in batch:
                    before = conn.total_changes
                    try:
                        outcomes.append((future, True, work(conn)))
                    except Exception as exc:
                        # Wrote before failing, or SQLite rolled the whole group back itself.
                        if conn.total_changes != before or not conn.in_transaction:
                            raise _WroteThenFailed from exc
                        outcomes.append((future, False, exc))
        except _WroteThenFailed:
            # Rare: a unit failed half-way, or the group was undone under it. Everything of the
            # group is rolled back; run every unit again alone, so only a failing one fails.
            for unit in batch:
                self._commit_alone(conn, unit)
            return
        except Exception as exc:
            # The commit itself failed (disk full, I/O error): nothing of the batch is stored.
            for _work, future in batch:
                future.set_exception(exc)
            return
        for future, ok, value in outcomes:
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    @staticmethod
    def _commit_alone(conn: sqlite3.Connection, unit: tuple[Callable, Future]) -> None:
        work, future = unit
        try:
            with db.transaction(conn, LOCK_WAIT):
                result = work(conn)
        except Exception as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)


_STOP: Any = object()


class Closed(RuntimeError):
    """The writer was closed: the process is stopping."""


class _WroteThenFailed(Exception):
    """A unit raised after it had written."""
