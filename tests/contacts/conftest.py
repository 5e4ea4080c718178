"""Helpers for the identity plane: import bytes as a file through the real reader and importer."""

from __future__ import annotations

import pytest

from appliance.auth.service import CLI
from appliance.contacts import import_service, reader, store
from appliance.contacts.mapping import Mapping, suggest
from appliance.db import transaction
from appliance.keys import load as load_keys


class Importer:
    def __init__(self, conn, data_dir, tmp_path):
        self.conn = conn
        self.keys = load_keys(data_dir)
        self.tmp_path = tmp_path
        self.n = 0

    def list_id(self, name="Klanten 2026") -> int:
        found = store.list_by_name(self.conn, name)
        if found:
            return found["id"]
        with transaction(self.conn):
            return store.create_list(self.conn, name, None)

    def file(self, content: bytes, suffix=".csv"):
        self.n += 1
        path = self.tmp_path / f"upload{self.n}{suffix}"
        path.write_bytes(content)
        return path

    def run(
        self, content: bytes, *, targets=None, list_name="Klanten 2026", suffix=".csv", **options
    ):
        """Import ``content``; returns (counts, import id)."""
        table = reader.open_table(self.file(content, suffix), **options)
        with table:
            mapping = Mapping.build(table.headers, targets or suggest(table.headers))
            import_id = import_service.begin(self.conn, CLI, list_name, "consent", "", mapping)
            return import_service.run_import(
                self.conn, self.keys, CLI, import_id, table, mapping
            ), import_id

    def emails(self, list_name="Klanten 2026") -> list[str]:
        cipher = self.keys.cipher()
        return [
            cipher.decrypt(r["email"], "contacts", "email", r["id"])
            for r in store.visible_contacts(self.conn, self.list_id(list_name))
            if r["email"]
        ]

    def field(self, name: str, list_name="Klanten 2026") -> list[str | None]:
        cipher = self.keys.cipher()
        return [
            cipher.decrypt(r[name], "contacts", name, r["id"]) if r[name] else None
            for r in store.visible_contacts(self.conn, self.list_id(list_name))
        ]


@pytest.fixture
def imports(conn, data_dir, tmp_path) -> Importer:
    return Importer(conn, data_dir, tmp_path)
