"""The hash-chained audit log: append-only, and edits made around the application are found."""

from __future__ import annotations

import sqlite3

import pytest

from appliance import audit


def fill(conn, n=5):
    for i in range(n):
        audit.record(conn, "user.created", actor="cli", target=f"user:{i}", details={"i": i})


def test_a_fresh_chain_verifies(conn):
    fill(conn)
    result = audit.verify(conn)
    assert result.ok and result.checked >= 5


def test_the_application_cannot_update_or_delete_entries(conn):
    fill(conn)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET actor = 'x'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log")


def test_it_finds_an_edited_row(conn):
    fill(conn)
    target = conn.execute("SELECT id FROM audit_log WHERE target = 'user:2'").fetchone()[0]
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET details = '{\"i\": 99}' WHERE id = ?", (target,))
    result = audit.verify(conn)
    assert not result.ok and result.broken_id == target and "changed" in result.reason


def test_it_finds_a_deleted_row(conn):
    fill(conn)
    target = conn.execute("SELECT id FROM audit_log WHERE target = 'user:2'").fetchone()[0]
    conn.execute("DROP TRIGGER audit_log_no_delete")
    conn.execute("DELETE FROM audit_log WHERE id = ?", (target,))
    result = audit.verify(conn)
    assert not result.ok and result.broken_id == target + 1


def test_it_finds_a_rewritten_hash(conn):
    fill(conn)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET hash = ? WHERE target = 'user:1'", ("0" * 64,))
    assert not audit.verify(conn).ok


def test_an_entry_rolls_back_with_its_transaction(conn):
    before = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    with pytest.raises(RuntimeError):
        from appliance.db import transaction

        with transaction(conn):
            audit.record(conn, "user.created", actor="cli")
            raise RuntimeError("crash half-way")
    assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before
    assert audit.verify(conn).ok
