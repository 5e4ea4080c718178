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
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from appliance import db

BATCH_MAX = 200
WAIT_SECONDS = 60.0
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

    def run(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``work`` in the next group transaction; see the module docstring."""
        future: Future = Future()
        self._queue.put((work, future))
        with self._lock:
            if not self._running:
                thread = threading.Thread(target=self._loop, name="group-commit", daemon=True)
                thread.start()  # raises if no thread can be had; nothing is left running then
                self._running = True
        return future.result(timeout=WAIT_SECONDS)

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
                if not batch:
                    return
                self._commit(conn, batch)
        except BaseException as exc:
            for _work, future in batch:
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
                _work, future = self._queue.get_nowait()
                future.set_exception(exc)

    def _next_batch(self) -> list[tuple[Callable, Future]]:
        try:
            first = self._queue.get(timeout=self.idle_seconds)
        except queue.Empty:
            with self._lock:
                if self._queue.empty():
                    self._running = False
                    return []
            first = self._queue.get()
        batch = [first]
        while len(batch) < BATCH_MAX:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return batch

    def _commit(self, conn: sqlite3.Connection, batch: list[tuple[Callable, Future]]) -> None:
        outcomes: list[tuple[Future, bool, Any]] = []
        try:
            with db.transaction(conn):
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
            with db.transaction(conn):
                result = work(conn)
        except Exception as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)


class _WroteThenFailed(Exception):
    """A unit raised after it had written."""
