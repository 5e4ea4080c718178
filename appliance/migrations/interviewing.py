"""Migration 0027: the interviewer role and the modes of interviewer-administered surveys.

0027 widens three CHECK constraints: the ``interviewer`` role, the ``onsite`` response mode and
the ``phone`` campaign channel. SQLite cannot alter a constraint, and rebuilding ``responses``
(WITHOUT ROWID, with triggers and partial indexes) would copy every answer. A wider IN list
changes nothing on disk and every stored row still passes it, which is the case SQLite documents
for editing the schema text in place (https://sqlite.org/lang_altertable.html, section 7):
inside the migration's transaction, with ``writable_schema`` on and the schema version raised so
that every connection reads the new text.
"""

from __future__ import annotations

from sqlite_utils import Database


def widen_check(db: Database, table: str, old: str, new: str) -> None:
    """Replace the CHECK list text ``old`` by ``new`` in ``table``'s schema, in place. Raises
    RuntimeError unless ``old`` occurs exactly once (a schema that is not the one expected)."""
    (sql,) = db.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [table]
    ).fetchone()
    if sql.count(old) != 1:
        raise RuntimeError(f"{table}: the constraint {old!r} is not in its schema once")
    (version,) = db.execute("PRAGMA schema_version").fetchone()
    db.execute("PRAGMA writable_schema = ON")
    try:
        db.execute(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
            [sql.replace(old, new), table],
        )
        db.execute(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        db.execute("PRAGMA writable_schema = OFF")


def m0027_interviewer_role(db: Database) -> None:
    widen_check(
        db,
        "users",
        "role IN ('admin', 'staff', 'researcher')",
        "role IN ('admin', 'staff', 'researcher', 'interviewer')",
    )
    widen_check(
        db,
        "responses",
        "mode IN ('invitation', 'link', 'kiosk', 'paper', 'phone')",
        "mode IN ('invitation', 'link', 'kiosk', 'paper', 'phone', 'onsite')",
    )
    widen_check(
        db, "campaigns", "channel IN ('email', 'post')", "channel IN ('email', 'post', 'phone')"
    )
    (problem,) = db.execute("PRAGMA quick_check").fetchone()
    if problem != "ok":
        raise RuntimeError(f"schema check after widening: {problem}")
