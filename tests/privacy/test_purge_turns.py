"""The purge erases in short turns: other writers get in between them, the outcome is that of
one run in a single turn, and a run killed between turns leaves a whole state that the next run
completes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from appliance import db
from appliance.db import transaction
from appliance.privacy import retention, retention_service
from tests.privacy import world as w

ROOT = Path(__file__).resolve().parents[2]
EXTRA = 600
# Small turns with a pause: many turns, slow enough to be interrupted on purpose.
SMALL = retention_service.Turns(first=20, smallest=20, largest=20, min_pause_s=0.02)
ONE_TURN = retention_service.Turns(first=10**9, largest=10**9)

PURGE_SCRIPT = """
import sys
from datetime import datetime
from appliance import db
from appliance.privacy import retention_service
from appliance.settings import load

data_dir, moment = sys.argv[1], sys.argv[2]
conn = db.connect(db.db_path(data_dir))
turns = retention_service.Turns(first=20, smallest=20, largest=20, min_pause_s=0.05)
retention_service.apply(
    conn, load({"data_dir": data_dir}, environ={}), now=datetime.fromisoformat(moment),
    turns=turns,
)
"""


def _many(conn, world) -> None:
    """EXTRA more contacts of the world's import, each invited."""
    rows = [(1, 1, f"x{i}".encode()) for i in range(EXTRA)]
    conn.executemany("INSERT INTO contacts (list_id, import_id, email_hash) VALUES (?, ?, ?)", rows)
    conn.execute(
        "INSERT INTO invitations (survey_id, contact_id, token_hash)"
        " SELECT ?, id, randomblob(32) FROM contacts WHERE email_hash LIKE 'x%'",
        (world.survey_id,),
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _state(conn) -> dict[str, list]:
    queries = {
        "contacts": "SELECT id, replaces_id FROM contacts ORDER BY id",
        "invitations": "SELECT id, contact_id FROM invitations ORDER BY id",
        "outbox": "SELECT id, error FROM outbox ORDER BY id",
        "import_rejects": "SELECT id FROM import_rejects ORDER BY id",
        "name_answers": "SELECT response_id FROM name_answers ORDER BY response_id",
        "contact_requests": "SELECT id FROM contact_requests ORDER BY id",
        "responses": "SELECT id, answers FROM responses ORDER BY id",
    }
    return {name: [tuple(r) for r in conn.execute(sql)] for name, sql in queries.items()}


def _reference(data_dir: Path, tmp_path: Path, world, moment) -> tuple[dict, dict]:
    """The same data purged in one turn, in a copy: (state, receipt counts)."""
    copy = tmp_path / "reference"
    shutil.copytree(data_dir, copy)
    conn = db.connect(db.db_path(copy))
    try:
        receipt = retention_service.apply(
            conn, {**world.settings, "data_dir": str(copy)}, now=moment, turns=ONE_TURN
        )
        return _state(conn), receipt.counts
    finally:
        conn.close()


def _receipts(conn) -> int:
    return conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = ?", (retention.RECEIPT,)
    ).fetchone()[0]


def test_other_writers_get_in_between_turns_and_the_outcome_is_that_of_one_turn(
    conn, data_dir, tmp_path
):
    world = w.build(conn, data_dir, tmp_path)
    _many(conn, world)
    moment = w.at_noon(world.day(7))
    expected, expected_counts = _reference(data_dir, tmp_path, world, moment)
    before = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]

    purging = db.connect(db.db_path(data_dir))
    done: dict = {}

    def purge() -> None:
        done["receipt"] = retention_service.apply(purging, world.settings, now=moment, turns=SMALL)

    thread = threading.Thread(target=purge)
    thread.start()
    seen, waits = [], []
    while thread.is_alive():
        start = time.perf_counter()
        with transaction(conn):
            seen.append(conn.execute("SELECT count(*) FROM contacts").fetchone()[0])
            conn.execute("UPDATE wal_pad SET n = 1 - n")
        waits.append(time.perf_counter() - start)
        time.sleep(0.005)
    thread.join()
    purging.close()

    assert done["receipt"].counts == expected_counts
    assert done["receipt"].counts["contacts"] == EXTRA + 3
    # The writer saw the purge half done, several times: it wrote between turns.
    halfway = {n for n in seen if before - EXTRA - 3 < n < before}
    assert len(halfway) >= 5, seen
    assert max(waits) < 2, max(waits)
    assert _state(conn) == expected
    assert _receipts(conn) == 1


def test_a_purge_killed_between_turns_leaves_a_whole_state_the_next_run_completes(
    conn, data_dir, tmp_path
):
    world = w.build(conn, data_dir, tmp_path)
    _many(conn, world)
    moment = w.at_noon(world.day(7))
    expected, expected_counts = _reference(data_dir, tmp_path, world, moment)
    before = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    due = retention.plan(conn, world.settings, now=moment).lines["contacts"].due_now

    child = subprocess.Popen(
        [sys.executable, "-c", PURGE_SCRIPT, str(data_dir), moment.isoformat()], cwd=ROOT
    )
    try:
        deadline = time.monotonic() + 60
        left = before
        # Kill it once a few turns are committed and many remain.
        while left > before - 100 and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.005)
            left = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    left = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    assert before - due < left <= before - 100, (before, due, left)

    # Whole turns only, nothing dangling, no receipt of the killed run, and what was due and
    # is still here is still due.
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert _receipts(conn) == 0
    still = retention.plan(conn, world.settings, now=moment).lines["contacts"].due_now
    assert still == due - (before - left)

    receipt = retention_service.apply(conn, world.settings, now=moment)
    assert receipt.counts["contacts"] == still
    assert {k: v for k, v in receipt.counts.items() if k != "contacts"} == {
        k: v for k, v in expected_counts.items() if k != "contacts"
    }
    assert _state(conn) == expected
    assert _receipts(conn) == 1


def test_a_large_purge_that_leaves_the_rebuild_to_the_night_leaves_no_byte_either(
    conn, data_dir, tmp_path
):
    """The daily job, the button and the console defer the rebuild (a VACUUM holds the write
    lock for seconds); deleted content is overwritten and the log truncated all the same."""
    world = w.build(conn, data_dir, tmp_path)
    w.close(conn, world)
    blobs = [bytes(r[0]) for r in conn.execute("SELECT email FROM contacts")]
    blobs += [bytes(r[0]) for r in conn.execute("SELECT last_name FROM contacts")]
    blobs += [bytes(r[0]) for r in conn.execute("SELECT value FROM name_answers")]
    blobs += [bytes(r[0]) for r in conn.execute("SELECT row_data FROM import_rejects")]
    _many(conn, world)
    raw = b"".join(p.read_bytes() for p in sorted(data_dir.glob("appliance.db*")))
    assert all(blob in raw for blob in blobs) and len(blobs) == 8

    receipt = retention_service.apply(
        conn, world.settings, now=w.at_noon(world.day(7)), defer_rebuild=True
    )
    assert receipt.counts["contacts"] == EXTRA + 3
    assert not receipt.compacted  # left to rebuild_time

    raw = b"".join(p.read_bytes() for p in sorted(data_dir.glob("appliance.db*")))
    assert not [blob.hex()[:16] for blob in blobs if blob in raw]
    assert w.CANARY.encode() not in raw
