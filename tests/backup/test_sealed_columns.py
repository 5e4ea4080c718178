"""Key rotation must reach every key-dependent value: each BLOB column of the schema is listed
as sealed, keyed-hashed, a seed, or not keyed; and every table/column a ``.encrypt(`` call in
the code names is among the sealed ones."""

from __future__ import annotations

import re
from pathlib import Path

import appliance
from appliance import planes


def test_every_blob_column_is_accounted_for(conn):
    listed = {(s.table, c) for s in planes.SEALED for c in s.columns}
    listed |= set(planes.HASHED) | {(t, c) for t, c, _ in planes.SEEDS} | set(planes.NOT_KEYED)
    tables = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    blobs = {
        (table, col["name"])
        for table in tables
        for col in conn.execute(f'PRAGMA table_info("{table}")')
        if col["type"].upper() == "BLOB"
    }
    assert blobs - listed == set(), "list the new column in appliance/planes.py"
    assert listed - blobs == set(), "a listed column no longer exists"


def test_every_encrypt_call_names_a_sealed_column():
    sealed_columns = {(s.table, c) for s in planes.SEALED for c in s.columns}
    column_call = re.compile(r"\.encrypt\(\s*[^,]+,\s*\"(\w+)\",\s*\"(\w+)\"", re.S)
    table_call = re.compile(r"\.(?:encrypt|row_layout)\(\s*(?:[^,()]+,\s*)?\"(\w+)\"", re.S)
    columns, tables = set(), set()
    for path in Path(appliance.__file__).parent.rglob("*.py"):
        text = path.read_text()
        columns |= set(column_call.findall(text))
        tables |= set(table_call.findall(text))
    assert len(columns) >= 3 and "contacts" in tables, "the patterns no longer find the calls"
    assert columns <= sealed_columns
    assert tables <= {s.table for s in planes.SEALED}
