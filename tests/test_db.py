"""SQLite pragmas and named migrations (``appliance.schema``)."""

from __future__ import annotations

import pytest

from appliance import db, schema
from appliance.migrations import NAMES, STEPS, migration_set


def test_connections_use_wal_foreign_keys_secure_delete_and_a_busy_timeout(conn):
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS


def test_migrations_are_named_recorded_and_idempotent(conn):
    names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert names == list(NAMES)
    assert schema.migrate(conn) == []
    assert schema.pending(conn) == []


def test_a_migration_that_fails_leaves_nothing_behind(tmp_path):
    def broken(database):
        database.execute("CREATE TABLE half_done (id INTEGER)")
        raise RuntimeError("boom")

    with_broken = migration_set([*STEPS, ("9999_broken", broken)])
    conn = db.connect(tmp_path / "x.db")
    with pytest.raises(RuntimeError, match="boom"):
        schema.migrate(conn, with_broken)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "half_done" not in tables and "users" in tables
    assert schema.pending(conn, with_broken) == ["9999_broken"]  # still pending, to be retried
    assert not conn.in_transaction


def test_a_deleted_secret_does_not_linger_in_the_file(tmp_path):
    path = tmp_path / "canary.db"
    conn = db.connect(path)
    schema.migrate(conn)
    conn.execute("INSERT INTO surveys (title, created_at) VALUES (?, 'x')", ("CANARY-7f3a9-" * 20,))
    conn.execute("DELETE FROM surveys")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert b"CANARY-7f3a9" not in path.read_bytes()
