"""A populated data directory (contacts with a rejected row, a survey with responses and a typed
name, accounts with two-factor secrets) and the `appliance` command, for backup, restore and
key rotation tests."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from appliance import db
from appliance.backup import stream
from appliance.cli import main
from appliance.keys import load as load_keys
from tests.contacts.conftest import Importer
from tests.factories import open_survey, submit_response

CONTACTS = (
    "E-mailadres;Voornaam;Achternaam;Telefoon;Vestiging\n"
    "jan@example.nl;Jan;Jansen;0612345678;Zwolle\n"
    "els@example.nl;Els;de Vries;;Zwolle\n"
    "sam@example.nl;Sam;Bakker;0687654321;Deventer\n"
    "geen-adres;Kim;Dam;;Deventer\n"
)
NAMED = {
    "languages": ["nl"],
    "title": {"nl": "Proef"},
    "closing": {"nl": "Dank!"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {"id": "nps", "type": "nps", "required": True, "text": {"nl": "NPS"}},
                {"id": "naam", "type": "name", "text": {"nl": "Naam"}},
                {"id": "why", "type": "text_long", "text": {"nl": "Waarom?"}},
            ],
        }
    ],
}


def run(*args, input=None):
    """The `appliance` command in-process, with no APPLIANCE_* variable from outside."""
    env = {k: None for k in os.environ if k.startswith("APPLIANCE_")}
    return CliRunner().invoke(main, [str(a) for a in args], env=env, input=input)


@dataclass
class Populated:
    data_dir: Path
    survey_id: int
    imports: Importer
    response_ids: list[str]


def populate(conn, data_dir, tmp_path) -> Populated:
    imports = Importer(conn, data_dir, tmp_path)
    headers = CONTACTS.splitlines()[0].split(";")
    from appliance.contacts.mapping import suggest

    targets = suggest(headers)
    targets[headers.index("Vestiging")] = "segment:vestiging"
    imports.run(CONTACTS.encode(), targets=targets)
    survey_id = open_survey(conn, NAMED)
    ids = [
        submit_response(conn, data_dir, survey_id, {"nps": "9", "why": "Snel geholpen"}, key="k1"),
        submit_response(
            conn, data_dir, survey_id, {"nps": "3"}, key="k2", names={"naam": "Kanarie Zangvogel"}
        ),
    ]
    return Populated(data_dir, survey_id, imports, ids)


@pytest.fixture
def populated(conn, data_dir, tmp_path) -> Populated:
    return populate(conn, data_dir, tmp_path)


@pytest.fixture
def key_file(tmp_path) -> Path:
    path = tmp_path / "backup.key"
    stream.new_key_file(path)
    return path


@pytest.fixture
def fast_scrypt(monkeypatch):
    """Passphrase backups with a cheaper scrypt (the parameters travel in the header)."""
    monkeypatch.setattr(stream, "SCRYPT_LOG2_N", 12)


def backup(data_dir, key_file, out=None) -> Path:
    """Run `appliance backup` (into <tmp>/backups by default); returns the new .backup file."""
    out = Path(out) if out else Path(data_dir).parent / "backups"
    before = set(out.glob("*.backup"))
    r = run("--data-dir", data_dir, "backup", "--out", out, "--key-file", key_file)
    assert r.exit_code == 0, r.output
    (new,) = set(out.glob("*.backup")) - before
    return new


def fingerprint(data_dir: Path) -> dict[str, str]:
    """Every file of a data directory with a hash of its content (to prove nothing changed)."""
    return {
        str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(data_dir).rglob("*"))
        if p.is_file() and not p.name.endswith((".lock", "-shm"))
    }


def counts(data_dir) -> dict[str, int]:
    conn = db.connect(db.db_path(data_dir))
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        conn.close()


def contact_names(data_dir) -> list[str]:
    """Decrypted first names of every contact, with the data directory's own keys."""
    cipher = load_keys(data_dir).cipher()
    conn = db.connect(db.db_path(data_dir))
    try:
        return sorted(
            cipher.decrypt(r["first_name"], "contacts", "first_name", r["id"])
            for r in conn.execute("SELECT id, first_name FROM contacts")
        )
    finally:
        conn.close()
