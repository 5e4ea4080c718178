"""Retention speed: planning and erasing a large due batch, against a floor in the same run.

Generates N contacts (default 1,000,000; ``--quick`` 200,000) with encrypted-sized fields in
one list, half of them imported seven months ago (due) and half today, plus an invitation for
every contact to a survey that has ended long ago or still runs. Then, on two identical copies:

- floor: ``DELETE FROM contacts WHERE id IN (<the due ids>)`` with the appliance's pragmas
  (``secure_delete`` on, foreign keys on), then a checkpoint: the least any purge must pay;
- ``plan_s``: the retention plan (what falls due when) over all contacts;
- ``purge_s``: ``retention_service.apply`` erasing the same contacts, receipt written, invitations
  unlinked, write-ahead log truncated, but before the VACUUM (``purge_ratio`` = purge / floor);
- ``vacuum_s``: the compaction after it (a large purge rebuilds the file).

Prints one JSON object as its last line.

    .venv/bin/python benchmarks/retention.py [--quick] [--contacts N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(data_dir: Path, contacts: int) -> list[int]:
    """A data directory with ``contacts`` contacts; returns the ids that are due."""
    from appliance import db
    from appliance.cli import initialise
    from appliance.settings import load

    initialise(load({"data_dir": str(data_dir)}, environ={}))
    conn = db.connect(db.db_path(data_dir))
    old = (datetime.now(UTC) - timedelta(days=215)).strftime("%Y-%m-%dT%H:%M:%SZ")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with db.transaction(conn):
        conn.execute(
            "INSERT INTO contact_lists (id, name, created_at) VALUES (1, 'bench', ?)", (now,)
        )
        for import_id, at in ((1, old), (2, now)):
            conn.execute(
                "INSERT INTO contact_imports (id, list_id, basis, status, created_at, finished_at)"
                " VALUES (?, 1, 'consent', 'done', ?, ?)",
                (import_id, at, at),
            )
        conn.execute(
            "INSERT INTO surveys (id, title, status, created_at, closed_at)"
            " VALUES (1, 'ended', 'closed', ?, ?), (2, 'running', 'open', ?, NULL)",
            (old, old, now),
        )
        rows = []
        for i in range(1, contacts + 1):
            # Field ciphertexts are 37 bytes of overhead plus the text: random bytes of that size.
            rows.append((i, 1 if i % 2 else 2, os.urandom(32), os.urandom(60), os.urandom(45)))
            if len(rows) == 50_000:
                _insert(conn, rows)
                rows = []
        _insert(conn, rows)
        # Odd ids (imported long ago) were invited to the ended survey only; even ids to the
        # running one: the odd half is due, the even half waits.
        conn.execute(
            "INSERT INTO invitations (survey_id, contact_id, token_hash)"
            " SELECT 2 - (id % 2), id, randomblob(32) FROM contacts"
        )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return list(range(1, contacts + 1, 2))


def _insert(conn, rows) -> None:
    conn.executemany(
        "INSERT INTO contacts (id, list_id, import_id, email_hash, email, last_name)"
        " VALUES (?, 1, ?, ?, ?, ?)",
        rows,
    )


def floor(data_dir: Path, due: list[int]) -> float:
    from appliance import db
    from appliance.privacy.erasure_store import _run_in

    conn = db.connect(db.db_path(data_dir))
    start = time.perf_counter()
    with db.transaction(conn):
        _run_in(conn, "DELETE FROM contacts WHERE id IN ({marks})", due)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def measure(data_dir: Path) -> dict[str, float]:
    from appliance import db
    from appliance.privacy import erasure, retention, retention_service
    from appliance.settings import load

    settings = load({"data_dir": str(data_dir)}, environ={})
    conn = db.connect(db.db_path(data_dir))
    start = time.perf_counter()
    found = retention.plan(conn, settings)
    plan_s = time.perf_counter() - start
    start = time.perf_counter()
    receipt = retention_service.apply(conn, settings, compact=False)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    purge_s = time.perf_counter() - start
    start = time.perf_counter()
    erasure.compact(conn, receipt.total)
    vacuum_s = time.perf_counter() - start
    conn.close()
    return {
        "due_planned": found.lines["contacts"].due_now,
        "erased": receipt.counts["contacts"],
        "plan_s": round(plan_s, 3),
        "purge_s": round(purge_s, 3),
        "vacuum_s": round(vacuum_s, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200,000 contacts")
    parser.add_argument("--contacts", type=int, default=None)
    args = parser.parse_args()
    contacts = args.contacts or (200_000 if args.quick else 1_000_000)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        start = time.perf_counter()
        due = build(base, contacts)
        print(
            f"built {contacts:,} contacts in {time.perf_counter() - start:.1f} s", file=sys.stderr
        )
        copy = Path(tmp) / "copy"
        shutil.copytree(base, copy)
        floor_s = floor(copy, due)
        shutil.rmtree(copy)
        figures = measure(base)
    assert figures["erased"] == len(due) == figures["due_planned"], figures
    figures.update(
        {
            "contacts": contacts,
            "floor_s": round(floor_s, 3),
            "purge_ratio": round(figures["purge_s"] / floor_s, 2),
        }
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
