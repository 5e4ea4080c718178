"""Bringing a database's schema up to date: the runner of ``appliance.migrations``.

Contract of :func:`migrate`: each pending migration runs in its own write transaction of
:func:`appliance.db.transaction` (``BEGIN IMMEDIATE`` under this process's write lock, so no
other writer of this process or of another one runs beside it), together with its record in
sqlite-utils' ``_sqlite_migrations`` table (set ``appliance``). A failed migration leaves nothing
behind and stays pending. Returns the names applied, in order. :func:`migrate_audited` (``init``
and ``serve``) adds one ``schema.migrated`` audit entry naming them.

Databases made before the migrations were sqlite-utils ones keep their history in ``_migrations``
(name, applied_at). The first :func:`migrate` moves it over, names and times unchanged, and drops
the old table, in one transaction of its own before any migration, so nothing applied runs twice.
:func:`pending` and :func:`applied` only read, and count that old history too, so ``check`` and
the start-up check judge such a database rightly before it was migrated.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database, Migrations

from appliance import audit
from appliance.db import transaction
from appliance.migrations import MIGRATIONS

LEGACY_TABLE = "_migrations"


def utils_db(conn: sqlite3.Connection) -> Database:
    """``conn`` itself as a sqlite-utils Database: no second connection, nothing about it
    changed, and what it runs joins whatever transaction ``conn`` is in."""
    # Our connection as it is: sqlite-utils would otherwise switch on recursive triggers (the
    # audit log's triggers would behave differently) and run the hooks of installed plugins.
    return Database(conn, recursive_triggers=False, execute_plugins=False)


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return name in utils_db(conn).table_names()


def _legacy_names(conn: sqlite3.Connection) -> list[str]:
    if not _has_table(conn, LEGACY_TABLE):
        return []
    return [r[0] for r in conn.execute(f"SELECT name FROM {LEGACY_TABLE} ORDER BY rowid")]  # noqa: S608


def applied(conn: sqlite3.Connection, migrations: Migrations = MIGRATIONS) -> list[str]:
    """Names of the applied migrations of the set, in the order they were applied."""
    recorded = [m.name for m in migrations.applied(utils_db(conn))]
    return [*_legacy_names(conn), *recorded]


def pending(conn: sqlite3.Connection, migrations: Migrations = MIGRATIONS) -> list[str]:
    """Names of the migrations not applied yet, in the order :func:`migrate` applies them."""
    done = set(_legacy_names(conn))
    return [m.name for m in migrations.pending(utils_db(conn)) if m.name not in done]


def migrate(conn: sqlite3.Connection, migrations: Migrations = MIGRATIONS) -> list[str]:
    """Carry the old history over, then apply every pending migration (see the module)."""
    database = utils_db(conn)
    if _has_table(conn, LEGACY_TABLE):
        with transaction(conn):
            _carry_over(conn, database, migrations)
    done = []
    while True:
        with transaction(conn):
            # Read again inside the write transaction: another process may have migrated.
            waiting = migrations.pending(database)
            if not waiting:
                break
            step = waiting[0]
            if not step.transactional:
                raise ValueError(f"migration {step.name} must run in a transaction")
            # Inside our transaction sqlite-utils wraps the step and its record in a savepoint.
            migrations.apply(database, stop_before=[m.name for m in waiting[1:]])
        done.append(step.name)
    return done


def migrate_audited(conn: sqlite3.Connection, actor: str = "cli") -> list[str]:
    """:func:`migrate`, then one ``schema.migrated`` audit entry by ``actor`` naming the
    migrations applied (none applied: no entry). Returns their names, in order."""
    applied = migrate(conn)
    if applied:
        audit.record(conn, "schema.migrated", actor=actor, details={"applied": applied})
    return applied


def _carry_over(conn: sqlite3.Connection, database: Database, migrations: Migrations) -> None:
    if not _has_table(conn, LEGACY_TABLE):
        return
    migrations.ensure_migrations_table(database)
    recorded = {m.name for m in migrations.applied(database)}
    rows = conn.execute(f"SELECT name, applied_at FROM {LEGACY_TABLE} ORDER BY rowid").fetchall()  # noqa: S608
    database[migrations.migrations_table].insert_all(
        {"migration_set": migrations.name, "name": name, "applied_at": applied_at}
        for name, applied_at in rows
        if name not in recorded
    )
    conn.execute(f"DROP TABLE {LEGACY_TABLE}")
