"""Writers of several processes take turns on the write lock file, not in SQLite's busy handler."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from appliance import db

ROOT = Path(__file__).resolve().parent.parent

# SQLite's busy handler is switched off (busy_timeout 0): a writer that meets another process's
# transaction in SQLite fails at once with "database is locked" instead of sleeping 1, 2, 5 ... 100
# ms between tries. Writers that take turns before BEGIN never meet one. Each process says it is
# ready, starts on "go", and reports its waits to enter a transaction.
WRITER = """
import json, os, sys, time
from appliance import db
conn = db.connect(sys.argv[1])
conn.execute("PRAGMA busy_timeout = 0")
print("ready", flush=True)
sys.stdin.readline()
waits, errors, wait = [], [], float(sys.argv[3])
for _ in range(int(sys.argv[2])):
    asked = time.perf_counter()
    try:
        with db.transaction(conn, wait):
            waits.append(time.perf_counter() - asked)
            conn.execute("INSERT INTO t (pid) VALUES (?)", (os.getpid(),))
            conn.execute("UPDATE c SET n = n + 1")
    except Exception as exc:
        errors.append(str(exc))
waits.sort()
print(json.dumps({"errors": errors[:3], "failed": len(errors),
                  "seconds": time.perf_counter() - asked,
                  "p99_ms": waits[int(len(waits) * 0.99)] * 1000 if waits else None,
                  "max_ms": waits[-1] * 1000 if waits else None}))
"""


def _write_together(path: Path, processes: int, count: int) -> list[dict]:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(count), "5"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    return [json.loads(proc.communicate(timeout=120)[0]) for proc in procs]


def test_writers_of_two_processes_take_turns_without_the_busy_handler(tmp_path):
    path = tmp_path / db.DB_FILENAME
    conn = db.connect(path)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, pid INTEGER)")
    conn.execute("CREATE TABLE c (n INTEGER)")
    conn.execute("INSERT INTO c VALUES (0)")

    reports = _write_together(path, 2, 1000)

    assert [r["failed"] for r in reports] == [0, 0], reports
    assert conn.execute("SELECT n FROM c").fetchone()[0] == 2000
    pids = [row[0] for row in conn.execute("SELECT pid FROM t ORDER BY id")]
    switches = sum(a != b for a, b in zip(pids, pids[1:], strict=False))
    assert switches >= 10, "the two writers hardly overlapped; the run proves nothing"
    # A waiter wakes the moment the holder lets go; what is left is the other's transaction and,
    # on a loaded machine, a holder that was descheduled.
    assert max(r["p99_ms"] for r in reports) < 10, reports
    assert max(r["max_ms"] for r in reports) < 500, reports
    conn.close()


def test_a_nested_turn_keeps_the_file_lock_and_a_waiter_gives_up_after_its_wait(tmp_path):
    path = tmp_path / db.DB_FILENAME
    conn = db.connect(path)
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, pid INTEGER)")
    conn.execute("CREATE TABLE c (n INTEGER)")
    with db.transaction(conn):
        with db._writer(conn, 0):
            conn.execute("INSERT INTO t (pid) VALUES (0)")
        # The inner turn ended; the outer one still holds the file against other processes.
        other = subprocess.run(
            [sys.executable, "-c", WRITER, str(path), "1", "0.3"],
            cwd=ROOT,
            input="go\n",
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    report = json.loads(other.stdout.splitlines()[-1])
    assert report["failed"] == 1 and report["errors"] == ["database is locked"]
    assert 0.3 <= report["seconds"] < 1.5
    # Once let go, the next writer of another process gets its turn at once.
    again = subprocess.run(
        [sys.executable, "-c", WRITER, str(path), "1", "0"],
        cwd=ROOT,
        input="go\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(again.stdout.splitlines()[-1])["failed"] == 0
