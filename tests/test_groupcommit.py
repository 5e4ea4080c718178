"""Group commit: every unit runs once, results come back only after the commit, and one unit's
failure never costs another unit its writes."""

import sqlite3
import threading
import time

import pytest

from appliance import db
from appliance.groupcommit import GroupCommit


@pytest.fixture
def path(tmp_path):
    file = tmp_path / "g.db"
    conn = db.connect(file)
    conn.execute("CREATE TABLE t (v INTEGER PRIMARY KEY, b BLOB)")
    conn.close()
    return file


def values(path) -> list[int]:
    conn = sqlite3.connect(path)
    try:
        return [r[0] for r in conn.execute("SELECT v FROM t ORDER BY v")]
    finally:
        conn.close()


def insert(v):
    def work(conn):
        conn.execute("INSERT INTO t (v) VALUES (?)", (v,))
        return v

    return work


def test_many_threads_each_get_their_result_after_it_is_stored(path):
    writer = GroupCommit(path)
    results, seen_stored = [], []

    def client(start):
        for v in range(start, start + 50):
            results.append(writer.run(insert(v)))
            # Acknowledged means committed: a fresh connection already sees it.
            seen_stored.append(v in values(path))

    threads = [threading.Thread(target=client, args=(i * 1000,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == values(path)
    assert len(results) == 400
    assert all(seen_stored)


def test_a_refusal_before_writing_fails_only_that_unit(path):
    writer = GroupCommit(path)

    def refuse(_conn):
        raise LookupError("already answered")

    with pytest.raises(LookupError):
        writer.run(refuse)
    assert writer.run(insert(1)) == 1
    assert values(path) == [1]


def test_a_unit_failing_after_writing_leaves_its_neighbours_stored(path):
    writer = GroupCommit(path)
    gate = threading.Event()
    outcomes = {}

    def blocker(_conn):
        gate.wait(5)  # holds the writer so the next units queue into one group

    def half_done(conn):
        conn.execute("INSERT INTO t (v) VALUES (99)")
        raise RuntimeError("broke half-way")

    def run(name, work):
        try:
            outcomes[name] = writer.run(work)
        except RuntimeError as exc:
            outcomes[name] = str(exc)

    first = threading.Thread(target=run, args=("blocker", blocker))
    first.start()
    others = [
        threading.Thread(target=run, args=(name, work))
        for name, work in (("a", insert(1)), ("bad", half_done), ("b", insert(2)))
    ]
    for t in others:
        t.start()
    gate.set()
    for t in [first, *others]:
        t.join()
    assert outcomes == {"blocker": None, "a": 1, "bad": "broke half-way", "b": 2}
    assert values(path) == [1, 2]


def test_the_writer_stops_when_idle_and_starts_again(path):
    writer = GroupCommit(path, idle_seconds=0.05)
    writer.run(insert(1))
    for _ in range(100):
        if not writer._running:
            break
        threading.Event().wait(0.02)
    assert not writer._running
    assert writer.run(insert(2)) == 2
    assert values(path) == [1, 2]


def test_when_sqlite_undoes_the_whole_group_the_others_are_stored_and_told_so(path):
    """A full disk makes SQLite roll back the whole transaction, not just the statement: the
    group must not go on outside a transaction, and the other units are stored on their own."""
    writer = GroupCommit(path)
    gate = threading.Event()
    outcomes = {}

    def blocker(conn):
        conn.execute("PRAGMA max_page_count = 20")  # a tiny "disk" for this connection
        gate.wait(5)

    def huge(conn):
        conn.execute("INSERT INTO t (v, b) VALUES (99, zeroblob(200000))")

    def run(name, work):
        try:
            outcomes[name] = writer.run(work)
        except sqlite3.Error as exc:
            outcomes[name] = str(exc)

    threads = [threading.Thread(target=run, args=("blocker", blocker))]
    threads[0].start()
    while writer._queue.qsize():
        time.sleep(0.01)  # the blocker has been taken: the next three form one group
    for name, work in (("a", insert(1)), ("huge", huge), ("b", insert(2))):
        threads.append(threading.Thread(target=run, args=(name, work)))
        threads[-1].start()
        while writer._queue.qsize() < len(threads) - 1:
            time.sleep(0.01)  # queued in this order
    gate.set()
    for t in threads:
        t.join()
    assert outcomes == {"blocker": None, "a": 1, "huge": "database or disk is full", "b": 2}
    assert values(path) == [1, 2]
