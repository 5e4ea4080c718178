"""Importing a demo contact list the way ``appliance import-contacts`` does: an upload file,
the suggested mapping with the segment columns mapped, a batch that becomes visible at the end."""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as MappingType
from typing import Any

from appliance import keys
from appliance.auth.service import CLI
from appliance.contacts import import_service, reader, uploads
from appliance.contacts import store as contacts_store
from appliance.contacts.mapping import Mapping, targets_for


def import_rows(
    conn: sqlite3.Connection,
    values: MappingType[str, Any],
    secret: keys.Keys,
    rows: Iterable[Sequence[str]],
    *,
    list_name: str,
    purpose: str,
    segments: Sequence[str],
) -> tuple[int, Any]:
    """Import ``rows`` (a header first) into the new list ``list_name``; returns its id and
    the import's counts."""
    text = io.StringIO()
    csv.writer(text, delimiter=";").writerows(rows)
    token = uploads.store_stream(
        values["data_dir"], io.BytesIO(text.getvalue().encode("utf-8")), 1 << 30
    )
    try:
        with reader.open_table(uploads.path_for(values["data_dir"], token)) as table:
            overrides = tuple(f"{name}=segment:{name}" for name in segments)
            mapping = Mapping.build(table.headers, targets_for(table.headers, None, overrides))
            import_id = import_service.begin(
                conn, CLI, list_name, "legitimate_interest", purpose, mapping
            )
            counts = import_service.run_import(conn, secret, CLI, import_id, table, mapping)
    finally:
        uploads.remove(values["data_dir"], token)
    return contacts_store.get_import(conn, import_id)["list_id"], counts
