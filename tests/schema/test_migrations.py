"""Schema migrations as one sqlite-utils migration set: databases made by the code before carry
their history over and run nothing twice; new ones get the same schema; a migration means the
same thing forever (no application code in it, 0014's counting frozen as SQL). The fixtures are
made by that code (see ``make_legacy.py``)."""

from __future__ import annotations

import ast
import json
import sqlite3
import threading
from pathlib import Path

import appliance
from appliance import db, schema
from appliance.db import transaction
from appliance.migrations import NAMES, STEPS, migration_set
from appliance.reports import store

HERE = Path(__file__).resolve().parent
BOOKKEEPING = {"_migrations", "_sqlite_migrations"}
# The migrations the code before the switch to sqlite-utils had run on ``legacy_init.sql``;
# those after them are new to it.
LEGACY = NAMES[:19]
LATER = list(NAMES[len(LEGACY) :])


def _legacy(tmp_path: Path, fixture: str) -> sqlite3.Connection:
    path = tmp_path / "legacy.db"
    plain = sqlite3.connect(path)
    plain.executescript((HERE / fixture).read_text())
    plain.close()
    return db.connect(path)


def _fresh(tmp_path: Path) -> sqlite3.Connection:
    conn = db.connect(tmp_path / "fresh.db")
    schema.migrate(conn)
    return conn


def _schema(conn: sqlite3.Connection, leave_out: set[str] = frozenset()) -> dict:
    return {
        name: (kind, table, sql)
        for kind, name, table, sql in conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master"
        )
        if table not in leave_out
    }


def _history(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    return [
        tuple(r)
        for r in conn.execute(
            "SELECT migration_set, name, applied_at FROM _sqlite_migrations ORDER BY id"
        )
    ]


def test_a_database_made_before_keeps_its_history_and_runs_nothing_again(tmp_path):
    conn = _legacy(tmp_path, "legacy_init.sql")
    before = [tuple(r) for r in conn.execute("SELECT name, applied_at FROM _migrations")]
    assert [name for name, _ in before] == list(LEGACY)
    templates = conn.execute("SELECT * FROM mail_templates").fetchall()
    assert schema.pending(conn) == LATER  # also before it is carried over (`appliance check`)

    assert schema.migrate(conn) == LATER
    assert _history(conn)[: len(LEGACY)] == [("appliance", name, at) for name, at in before]
    assert "_migrations" not in _schema(conn)
    assert conn.execute("SELECT * FROM mail_templates").fetchall() == templates
    assert schema.migrate(conn) == [] and schema.applied(conn) == list(NAMES)
    assert _schema(conn) == _schema(_fresh(tmp_path))


def test_a_fresh_database_has_the_schema_the_code_before_made_and_migrated(tmp_path):
    fresh = _fresh(tmp_path)
    legacy = _legacy(tmp_path, "legacy_init.sql")
    schema.migrate(legacy)
    assert _schema(fresh, BOOKKEEPING) == _schema(legacy, BOOKKEEPING)
    assert [name for _, name, _ in _history(fresh)] == list(NAMES)


def test_an_older_database_gets_only_the_migrations_it_lacks(tmp_path):
    conn = _legacy(tmp_path, "legacy_0013.sql")
    before = [tuple(r) for r in conn.execute("SELECT name, applied_at FROM _migrations")]
    assert schema.pending(conn) == list(NAMES[13:])

    assert schema.migrate(conn) == list(NAMES[13:])
    history = _history(conn)
    assert history[:13] == [("appliance", name, at) for name, at in before]
    assert [name for _, name, _ in history] == list(NAMES)
    assert _schema(conn) == _schema(_fresh(tmp_path))


def test_the_frozen_0014_counts_as_the_shipped_one_and_as_the_live_recount(tmp_path):
    conn = _legacy(tmp_path, "legacy_0013.sql")
    schema.migrate(conn)
    shipped = json.loads((HERE / "legacy_0013_counts.json").read_text())
    counts = sorted(list(r) for r in conn.execute("SELECT * FROM report_counts"))
    assert counts == shipped
    assert sorted(list(r) for r in conn.execute("SELECT * FROM report_release_counts")) == shipped
    # Survey 2 has no invitations: 0016 does not mark it, so nothing after migrating recounts it.
    assert [tuple(r) for r in conn.execute("SELECT id, legacy_segments FROM surveys")] == [
        (1, 1),
        (2, 0),
    ]
    for survey_id in (1, 2):
        frozen = store.counts_of(conn, survey_id)
        assert frozen
        with transaction(conn):
            store.rebuild(conn, survey_id)
        assert store.counts_of(conn, survey_id) == frozen


def test_a_new_migration_runs_once_after_the_history_was_carried_over(tmp_path):
    conn = _legacy(tmp_path, "legacy_init.sql")
    ran = []

    def m9999_marker(database):
        ran.append(True)
        database.execute("CREATE TABLE marker (n INTEGER)")

    later = migration_set([*STEPS, ("9999_marker", m9999_marker)])
    assert schema.pending(conn, later) == [*LATER, "9999_marker"]
    assert schema.migrate(conn, later) == [*LATER, "9999_marker"]
    assert schema.migrate(conn, later) == [] and ran == [True]


def test_a_migration_runs_in_an_immediate_transaction_under_the_write_lock(tmp_path):
    path = tmp_path / "x.db"
    conn = db.connect(path)
    schema.migrate(conn)
    seen = {}

    def m9999_look(database):
        other = db.connect(path)
        other.execute("PRAGMA busy_timeout = 0")
        try:
            other.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            seen["other process"] = str(exc)
        finally:
            other.close()
        thread = threading.Thread(
            target=lambda: seen.update(other_thread=db._WRITE_LOCK.acquire(timeout=0))
        )
        thread.start()
        thread.join()

    schema.migrate(conn, migration_set([*STEPS, ("9999_look", m9999_look)]))
    assert seen == {"other process": "database is locked", "other_thread": False}
    # sqlite-utils leaves the connection's pragmas as db.connect set them.
    assert conn.execute("PRAGMA recursive_triggers").fetchone()[0] == 0
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_migrations_import_nothing_of_the_application_outside_their_package():
    package = Path(appliance.__file__).parent / "migrations"
    found = []
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            elif isinstance(node, ast.ImportFrom) and node.level > 1:
                names = ["appliance." + (node.module or "")]  # above the package
            else:
                continue
            found += [
                f"{path.name}: {name}"
                for name in names
                if name.split(".")[0] == "appliance"
                and not (name + ".").startswith("appliance.migrations.")
            ]
    assert len(list(package.glob("*.py"))) >= 8
    assert found == []
