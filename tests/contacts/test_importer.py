"""The importer: counts, newer-row-wins, suppression, all-or-nothing, encryption at rest."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from appliance.auth.service import CLI
from appliance.contacts import import_service, reader, service, store
from appliance.contacts.mapping import Mapping
from appliance.db import transaction
from appliance.privacy import suppression
from tests.conftest import audit_actions

HEADER = b"email;voornaam;tussenvoegsel;achternaam;aanhef;regio\n"


def test_it_counts_each_outcome(imports, conn):
    with transaction(conn):
        suppression.add(
            conn, [suppression.address_hash(imports.keys.hasher(), "weg@example.nl")], "unsubscribe"
        )
    counts, import_id = imports.run(
        HEADER
        + b"jan@example.nl;Jan;van der;Berg;dhr;Noord\n"
        + b"JAN@example.NL;Jan;;Dubbel;m;Zuid\n"
        + b"weg@example.nl;Weg;;Gegaan;v;Oost\n"
        + b"geen-adres;Kapot;;Adres;m;West\n"
        + b"els@example.nl;Els;;Smit;mevrouw;Noord\n",
        targets=[
            "field:email",
            "field:first_name",
            "field:infix",
            "field:last_name",
            "field:gender",
            "segment:regio",
        ],
    )
    assert counts.as_dict() == {
        "added": 2,
        "updated": 0,
        "duplicate": 1,
        "invalid": 1,
        "suppressed": 1,
        "rows_seen": 5,
    }
    assert sorted(imports.emails()) == ["els@example.nl", "jan@example.nl"]
    assert sorted(filter(None, imports.field("gender"))) == ["man", "woman"]
    batch = store.get_import(conn, import_id)
    assert (batch["status"], batch["added"], batch["suppressed"]) == ("done", 2, 1)
    assert audit_actions(conn)[-1] == "contacts.imported"
    details = conn.execute("SELECT details FROM audit_log ORDER BY id DESC").fetchone()[0]
    assert "example.nl" not in details and '"added": 2' in details


def test_the_newer_row_wins_for_an_address_already_in_the_list(imports):
    imports.run(b"email,achternaam\nlid@example.nl,Oud\nander@example.nl,Blijft\n")
    counts, _ = imports.run(b"email,achternaam\nLID@example.nl,Nieuw\n")
    assert (counts.added, counts.updated) == (0, 1)
    assert sorted(zip(imports.emails(), imports.field("last_name"), strict=True)) == [
        ("LID@example.nl", "Nieuw"),
        ("ander@example.nl", "Blijft"),
    ]


def test_another_list_is_another_list(imports):
    imports.run(b"email\nlid@example.nl\n")
    counts, _ = imports.run(b"email\nlid@example.nl\n", list_name="Medewerkers")
    assert counts.added == 1


def test_the_rejected_rows_come_back_with_reasons(imports, conn):
    _, import_id = imports.run(
        b'email,voornaam\nniet-goed,=HYPERLINK("http://x")\ngoed@example.nl,Goed\n'
        b'ook@example.nl,"Regel\r\nBreuk"\n'
    )
    rows = list(service.rejects_csv(conn, imports.keys, import_id))
    assert rows[0] == ["row", "reason", "email", "voornaam"]
    assert rows[1][:3] == ["2", "not a valid e-mail address", "niet-goed"]
    assert rows[2][:2] == ["4", "a name contains a line break or an encoded-word sequence"]


def test_a_rejected_row_keeps_only_the_mapped_columns(imports, conn):
    _, import_id = imports.run(
        b"email;naam;gezondheid;notitie\nkapot;Jan;diabetes;x\n",
        targets=["field:email", "field:last_name", "drop", "drop"],
    )
    rows = list(service.rejects_csv(conn, imports.keys, import_id))
    assert rows == [
        ["row", "reason", "email", "naam"],
        ["2", "not a valid e-mail address", "kapot", "Jan"],
    ]


@pytest.mark.parametrize("name", ["=?utf-8?b?QmNjOiB4QHkubmw=?=", "Jan\nBcc: x@y.nl"])
def test_names_that_would_inject_mail_headers_are_refused(imports, name):
    counts, _ = imports.run(f'email,voornaam\na@example.nl,"{name}"\n'.encode())
    assert (counts.added, counts.invalid) == (0, 1)


def test_a_formula_in_a_name_is_stored_as_text(imports):
    imports.run(b'email,voornaam\na@example.nl,"=HYPERLINK(""http://x"",""klik"")"\n')
    assert imports.field("first_name") == ['=HYPERLINK("http://x","klik")']


def test_dutch_fields_are_normalised(imports):
    imports.run(
        b"email;naam;postcode;land;telefoon\n"
        b"a@example.nl;Jan van der Berg;1234ab;NL;06-12345678\n"
        b"b@example.nl;Piet;B-1000;Belgie;+32 2 123 45 67\n"
    )
    assert imports.field("first_name") == ["Jan", None]  # one word: taken as the last name
    assert imports.field("infix") == ["van der", None]
    assert imports.field("last_name") == ["Berg", "Piet"]
    assert imports.field("postcode") == ["1234 AB", "B-1000"]
    assert imports.field("phone") == ["+31612345678", "+3221234567"]


def test_a_dutch_postcode_in_the_wrong_shape_is_invalid(imports):
    counts, _ = imports.run(b"email,postcode,land\na@example.nl,12345,Nederland\n")
    assert counts.invalid == 1


def test_a_file_error_half_way_leaves_nothing(imports, conn, monkeypatch):
    # Batches are committed before the error.
    monkeypatch.setattr(import_service, "COMMIT_SECONDS", 0)
    monkeypatch.setattr(import_service, "BATCH", 1000)
    content = (
        b"email,naam\nkapot,Geheim\n"
        + b"".join(f"p{i}@example.nl,N{i}\n".encode() for i in range(5000))
        + b"x@example.nl,\xff\n"
    )
    with pytest.raises(reader.FileError):
        imports.run(content, encoding="utf-8")
    assert imports.emails() == []
    assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM import_rejects").fetchone()[0] == 0
    batch = conn.execute("SELECT status, message FROM contact_imports").fetchone()
    assert batch["status"] == "failed" and "encoding" in batch["message"]
    assert audit_actions(conn)[-1] == "contacts.import_failed"


def test_a_cancel_leaves_nothing(imports, conn, monkeypatch):
    monkeypatch.setattr(import_service, "COMMIT_SECONDS", 0)  # commit (and report) after each batch
    path = imports.file(b"email\n" + b"".join(f"p{i}@example.nl\n".encode() for i in range(25000)))
    table = reader.open_table(path)
    mapping = Mapping.build(table.headers, ["field:email"])
    import_id = import_service.begin(conn, CLI, "Klanten 2026", "consent", "", mapping)

    def cancel_after_first_batch(counts):
        store.request_cancel(conn, import_id)

    with table, pytest.raises(import_service.Cancelled):
        import_service.run_import(
            conn, imports.keys, CLI, import_id, table, mapping, cancel_after_first_batch
        )
    assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
    assert store.get_import(conn, import_id)["status"] == "cancelled"


def test_a_killed_import_leaves_nothing_visible_and_is_discarded(imports, conn, data_dir):
    imports.run(b"email\nvast@example.nl\n")
    big = imports.file(b"email\n" + b"".join(f"p{i}@example.nl\n".encode() for i in range(200_000)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "appliance",
            "--data-dir",
            str(data_dir),
            "import-contacts",
            str(big),
            "--list",
            "Klanten 2026",
            "--basis",
            "consent",
        ],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        env=env,
    )
    # Wait until at least one batch is written, then kill it as a power cut would.
    progress = b""
    while b"rows read" not in progress:
        progress += proc.stderr.read1(64)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    written = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
    assert written > 1  # rows of the killed batch are on disk...
    assert imports.emails() == ["vast@example.nl"]  # ...but invisible
    # The next import into the list finds the silent batch and discards it.
    conn.execute("UPDATE contact_imports SET heartbeat = heartbeat - 600")
    imports.run(b"email\nnieuw@example.nl\n")
    assert sorted(imports.emails()) == ["nieuw@example.nl", "vast@example.nl"]
    assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 2
    statuses = [r[0] for r in conn.execute("SELECT status FROM contact_imports ORDER BY id")]
    assert statuses == ["done", "failed", "done"]


def test_a_second_import_into_a_busy_list_is_refused(imports, conn):
    mapping = Mapping.build(["email"], ["field:email"])
    import_service.begin(conn, CLI, "Klanten 2026", "consent", "", mapping)
    with pytest.raises(import_service.Refused, match="still running"):
        import_service.begin(conn, CLI, "Klanten 2026", "consent", "", mapping)


def test_undo_removes_the_batch_until_it_was_mailed(imports, conn):
    _, first = imports.run(b"email\na@example.nl\n")
    _, second = imports.run(b"email\nb@example.nl\nkapot\n")
    assert service.undo(conn, CLI, second) == 1
    assert conn.execute("SELECT count(*) FROM import_rejects").fetchone()[0] == 0
    assert imports.emails() == ["a@example.nl"]
    conn.execute("UPDATE contact_imports SET used_in_mailing = 1 WHERE id = ?", (first,))
    with pytest.raises(ValueError, match="used for a mailing"):
        service.undo(conn, CLI, first)
    assert audit_actions(conn)[-1] == "contacts.import_undone"


@pytest.mark.parametrize(
    ("basis", "purpose", "ok"),
    [
        ("consent", "", True),
        ("legitimate_interest", "", False),
        ("legitimate_interest", "klanttevredenheid meten", True),
        ("whim", "", False),
    ],
)
def test_every_import_names_its_lawful_basis(basis, purpose, ok):
    assert (import_service.basis_problems(basis, purpose) == []) is ok


def test_no_plaintext_address_or_name_reaches_the_database_file(imports, conn, data_dir):
    canary = "kanarie.7f3a9@voorbeeld-bedrijf.nl"
    imports.run(f"email,voornaam,achternaam\n{canary},Kanariepiet,Zangvogelaar\n".encode())
    imports.run(b"email,voornaam\nniet-geldig-kanarie,Kanariepiet\n")  # a rejected row too
    raw = b"".join(p.read_bytes() for p in data_dir.glob("appliance.db*"))
    for secret in (canary, "Kanariepiet", "Zangvogelaar", "niet-geldig-kanarie"):
        assert secret.encode() not in raw and secret.encode("utf-16-le") not in raw
    assert imports.emails() == [canary]


def test_a_header_only_file_imports_nothing_and_says_so(imports, conn):
    counts, import_id = imports.run(b"email;voornaam\r\n")
    assert counts.as_dict() == {
        "added": 0,
        "updated": 0,
        "duplicate": 0,
        "invalid": 0,
        "suppressed": 0,
        "rows_seen": 0,
    }
    assert store.get_import(conn, import_id)["status"] == "done"


def test_an_xlsx_workbook_imports_like_a_csv(imports, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["E-mail", "Voornaam", "Telefoon"])
    book.active.append(["x@example.nl", "Xandra", 612345678])
    path = tmp_path / "export.xlsx"
    book.save(path)
    counts, _ = imports.run(path.read_bytes(), suffix=".xlsx")
    assert counts.added == 1
    assert imports.field("phone") == ["+31612345678"]


def test_the_researchers_gate_cannot_read_contacts(imports, data_dir):
    import sqlite3

    from appliance import db
    from appliance.reports.gate import Gate

    imports.run(b"email\nkanarie@example.nl\n")
    with Gate(db.db_path(data_dir), 5, None) as gate:
        for table in ("contacts", "contact_lists", "suppressions", "import_rejects"):
            with pytest.raises(sqlite3.DatabaseError):
                gate._conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
