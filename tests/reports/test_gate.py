"""The aggregate gate: minimum group size and a connection that cannot read identity tables."""

from __future__ import annotations

import sqlite3

import pytest

from appliance import db
from appliance.planes import GATE_DENIED
from appliance.reports.gate import Gate, Suppressed, gated


def test_it_hides_groups_below_k_including_their_count():
    assert gated(5, 5) == 5
    hidden = gated(4, 5)
    assert isinstance(hidden, Suppressed) and "4" not in str(hidden)
    with pytest.raises(ValueError):
        gated(10, 2)


def test_its_connection_cannot_read_accounts_or_write(data_dir):
    with Gate(db.db_path(data_dir), 5, None) as gate:
        for table in ("users", "sessions", "audit_log"):
            assert table in GATE_DENIED
            with pytest.raises(sqlite3.DatabaseError, match="not authorized|prohibited"):
                gate._conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
        with pytest.raises(sqlite3.DatabaseError):
            gate._conn.execute("DELETE FROM surveys")


def test_a_researcher_sees_only_granted_surveys(as_role, cast, conn):
    conn.execute(
        "INSERT INTO surveys (id, title, created_at) VALUES (1, 'Granted', 'x'),"
        " (2, 'Not granted', 'x')"
    )
    conn.execute("INSERT INTO researcher_grants VALUES (?, 1)", (cast["researcher"].id,))
    page = as_role("researcher").get("/reports/").get_data(as_text=True)
    assert "Granted" in page and "Not granted" not in page
    staff_page = as_role("staff").get("/reports/").get_data(as_text=True)
    assert "Granted" in staff_page and "Not granted" in staff_page
    logged = conn.execute(
        "SELECT actor, details FROM audit_log WHERE action = 'report.viewed'"
    ).fetchall()
    assert [(r[0], r[1]) for r in logged] == [("rita", '{"surveys": [1], "view": "index"}')]


def test_every_table_is_either_denied_to_the_gate_or_declared_readable(conn):
    from appliance.planes import GATE_READABLE

    tables = {
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    }
    assert tables - GATE_DENIED - GATE_READABLE == set()
    assert not GATE_DENIED & GATE_READABLE


def test_its_connection_cannot_read_single_responses_or_the_open_link(data_dir):
    with Gate(db.db_path(data_dir), 5, None) as gate:
        for sql in (
            "SELECT answers FROM responses",
            "SELECT link_token FROM surveys",
            "SELECT list_id FROM campaigns",
        ):
            with pytest.raises(sqlite3.DatabaseError, match="not authorized|prohibited"):
                gate._conn.execute(sql).fetchall()
