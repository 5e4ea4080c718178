"""Every way into the contact list refuses an identifier-like column as a segment, names the
column and the reason, and imports nothing: the importer itself (on the whole file, before it
writes), the web mapping with its preview, mapping presets, the CLI and the API."""

from __future__ import annotations

import io
import os
import re
import threading
import time

import openpyxl
import pytest
from click.testing import CliRunner

from appliance.auth.service import CLI
from appliance.cli import main
from appliance.contacts import identifiers, import_service, reader, store
from appliance.contacts.identifiers import NotACategory
from appliance.contacts.mapping import Mapping
from appliance.contacts.preview import PREVIEW_ROWS
from appliance.db import transaction
from tests.api.helpers import token_for
from tests.conftest import audit_actions
from tests.contacts.test_pages import OPTIONS

CODES = "E-mailadres;Regio;Code\n" + "".join(
    f"p{i}@example.nl;{['Noord', 'Zuid'][i % 2]};K-{100200 + i}\n" for i in range(30)
)
REGIONS = "E-mailadres;Regio\n" + "".join(
    f"p{i}@example.nl;{['Noord', 'Zuid', 'Oost', 'West'][i % 4]}\n" for i in range(200)
)
# A category over the rows a preview reads, then a code of its own on each of the later rows:
# only the whole file shows the column is no category.
# Kept under the test client's 500 KB, past which it spools the upload to a file it never closes.
LATE = (
    "E-mailadres;Kenmerk\n"
    + "".join(f"{i}@x.nl;{'AB'[i % 2]}\n" for i in range(PREVIEW_ROWS))
    + "".join(f"q{i}@x.nl;z{i}\n" for i in range(identifiers.MAX_DISTINCT + 10))
)


def nothing_imported(conn) -> bool:
    return (
        conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0
        and conn.execute("SELECT count(*) FROM import_rejects").fetchone()[0] == 0
    )


def batches(conn) -> list:
    return conn.execute("SELECT * FROM contact_imports ORDER BY id").fetchall()


# ---- the importer: the whole file, before anything is written ------------------------------


def test_the_import_refuses_an_e_mail_column_as_segment_before_writing(imports, conn):
    content = "E-mailadres;Werkmail;Regio\n" + "".join(
        f"p{i}@example.nl;w{i % 3}@example.nl;Noord\n" for i in range(12)
    )
    with pytest.raises(NotACategory) as refused:
        imports.run(content.encode(), targets=["field:email", "segment:werkmail", "segment:regio"])
    assert "Werkmail" in str(refused.value) and "Regio" not in str(refused.value)
    assert nothing_imported(conn)
    (batch,) = batches(conn)
    # Refused by the check before the first row was written.
    assert (batch["status"], batch["rows_seen"]) == ("failed", 0)
    assert identifiers.stored_reasons(batch["message"]) == [
        (identifiers.LOOKS_LIKE["email"], {"column": "Werkmail"})
    ]
    assert audit_actions(conn)[-1] == "contacts.import_failed"


def test_the_import_checks_the_whole_file_not_only_what_a_preview_reads(imports, conn):
    path = imports.file(LATE.encode())
    with reader.open_table(path) as table:
        mapping = Mapping.build(table.headers, ["field:email", "segment:kenmerk"])
        import_service.check_segments(table, mapping, limit=PREVIEW_ROWS)  # the sample passes
        import_id = import_service.begin(conn, CLI, "Klanten", "consent", "", mapping)
        with pytest.raises(NotACategory) as refused:
            import_service.run_import(conn, imports.keys, CLI, import_id, table, mapping)
    assert refused.value.findings[0].column == "Kenmerk"
    assert nothing_imported(conn)
    assert store.get_import(conn, import_id)["rows_seen"] == 0


def test_the_whole_file_check_reads_a_workbook_too(imports, conn, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["E-mail", "Telefoon werk"])
    for i in range(10):
        sheet.append([f"p{i}@example.nl", f"06-1234567{i}"])
    path = tmp_path / "export.xlsx"
    book.save(path)
    with pytest.raises(NotACategory):
        imports.run(path.read_bytes(), targets=["field:email", "segment:werk"], suffix=".xlsx")
    assert nothing_imported(conn)


def test_a_real_category_is_imported_as_a_segment(imports, conn):
    counts, _ = imports.run(REGIONS.encode(), targets=["field:email", "segment:regio"])
    assert counts.added == 200
    values = {r[0] for r in conn.execute("SELECT segments FROM contacts")}
    assert values == {f'{{"regio":"{v}"}}' for v in ("Noord", "Zuid", "Oost", "West")}


# ---- the web mapping, its preview and presets ----------------------------------------------


def upload(staff, content: str):
    data = {**OPTIONS, "file": (io.BytesIO(content.encode()), "export.csv")}
    page = staff.post("/contacts/import", data, content_type="multipart/form-data")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    return re.search(r'action="/contacts/import/([\w-]+)"', text).group(1), text


def post_mapping(staff, token, targets, action, **extra):
    form = {**OPTIONS, "columns": str(len(targets)), "action": action, **extra}
    form.update({f"col-{i}": t for i, t in enumerate(targets)})
    return staff.post(f"/contacts/import/{token}", form)


def test_the_page_offers_no_segment_for_a_column_named_as_an_identifier(as_role):
    content = "E-mailadres;Klantnummer;Telefoon;Regio\na@example.nl;K-100203;0612345678;Noord\n"
    _token, page = upload(as_role("staff"), content)
    columns = re.findall(r'<select id="col-(\d)" name="col-\d">(.*?)</select>', page, re.S)
    segments = {int(i): 'value="segment:' in options for i, options in columns}
    assert segments == {0: False, 1: False, 2: False, 3: True}


def test_the_preview_names_an_identifier_like_column_and_import_is_refused(as_role, conn):
    staff = as_role("staff")
    token, _ = upload(staff, CODES)
    targets = ["field:email", "segment:regio", "segment:code"]
    r = post_mapping(staff, token, targets, "preview")
    page = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Code" in page and "customer or account numbers" in page
    r = post_mapping(staff, token, targets, "import")
    assert r.status_code == 400 and "customer or account numbers" in r.get_data(as_text=True)
    assert batches(conn) == [] and nothing_imported(conn)
    r = post_mapping(staff, token, ["field:email", "segment:regio", "drop"], "import")
    assert r.status_code == 302  # dropping the column is the way on


def test_a_column_named_as_an_identifier_is_refused_even_when_posted(as_role, conn):
    staff = as_role("staff")
    token, _ = upload(staff, "E-mailadres;Klantnummer\na@example.nl;K-100203\n")
    r = post_mapping(staff, token, ["field:email", "segment:klantnummer"], "import")
    assert r.status_code == 400
    assert "Klantnummer" in r.get_data(as_text=True) and batches(conn) == []


def test_a_preset_cannot_save_an_identifier_like_segment(as_role, conn):
    staff = as_role("staff")
    token, _ = upload(staff, CODES)
    r = post_mapping(
        staff,
        token,
        ["field:email", "segment:regio", "segment:code"],
        "save_preset",
        preset_name="CRM",
    )
    assert r.status_code == 400 and "customer or account numbers" in r.get_data(as_text=True)
    assert store.presets(conn) == {}


def test_a_background_import_that_fails_the_whole_file_check_says_why(as_role, conn):
    staff = as_role("staff")
    token, _ = upload(staff, LATE)
    r = post_mapping(staff, token, ["field:email", "segment:kenmerk"], "import")
    assert r.status_code == 302
    import_id = int(r.headers["Location"].rsplit("/", 1)[1])
    batch = wait_for(conn, import_id)
    assert batch["status"] == "failed" and nothing_imported(conn)
    page = staff.get(f"/contacts/imports/{import_id}").get_data(as_text=True)
    assert "Kenmerk" in page and "different values" in page


class TestInDutch:
    @pytest.fixture
    def settings_overrides(self, data_dir):
        return {"data_dir": str(data_dir), "default_language": "nl", "secure_cookies": False}

    def test_the_reason_is_given_in_the_users_language(self, as_role):
        staff = as_role("staff")
        token, _ = upload(staff, CODES)
        r = post_mapping(staff, token, ["field:email", "segment:regio", "segment:code"], "import")
        page = r.get_data(as_text=True)
        assert r.status_code == 400
        assert "kan geen segment zijn" in page and "klant- of rekeningnummers" in page


# ---- the CLI ---------------------------------------------------------------------------------


def cli(data_dir, *args, input=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    return CliRunner().invoke(
        main, ["--data-dir", str(data_dir), *args], input=input, env=env, catch_exceptions=False
    )


def cli_import(data_dir, content, *args):
    return cli(
        data_dir,
        "import-contacts",
        "-",
        "--list",
        "Klanten",
        "--basis",
        "consent",
        *args,
        input=content,
    )


def test_the_cli_refuses_customer_numbers_as_segment(data_dir, conn):
    r = cli_import(data_dir, CODES, "--map", "Code=segment:code")
    assert r.exit_code == 1
    assert 'column "Code" cannot be a segment' in r.output and "account numbers" in r.output
    assert batches(conn) == [] and nothing_imported(conn)


def test_the_cli_refuses_a_column_named_as_an_identifier(data_dir, conn):
    content = "E-mailadres;Klantnummer\na@example.nl;K-100203\n"
    r = cli_import(data_dir, content, "--map", "Klantnummer=segment:klantnummer")
    assert r.exit_code == 1 and 'column "Klantnummer" cannot be a segment' in r.output
    assert batches(conn) == [] and nothing_imported(conn)


def test_the_cli_refuses_a_saved_preset_that_maps_an_identifier_like_segment(data_dir, conn):
    with transaction(conn):
        store.save_preset(conn, "Oud", ["E-mailadres", "Code"], ["field:email", "segment:code"])
    r = cli_import(data_dir, CODES, "--preset", "Oud")
    assert r.exit_code == 1 and 'column "Code" cannot be a segment' in r.output
    assert batches(conn) == [] and nothing_imported(conn)


def test_the_cli_refuses_when_only_the_whole_file_shows_it(data_dir, conn):
    r = cli_import(data_dir, LATE, "--map", "Kenmerk=segment:kenmerk")
    assert r.exit_code == 1
    assert "nothing was imported" in r.output and 'column "Kenmerk"' in r.output
    assert nothing_imported(conn)


def test_the_cli_imports_a_real_category(data_dir, conn):
    r = cli_import(data_dir, REGIONS, "--map", "Regio=segment:regio")
    assert r.exit_code == 0, r.output
    assert "added: 200" in r.output


# ---- the API ---------------------------------------------------------------------------------


def api_post(app, conn, member, query, content):
    token = token_for(conn, member, scopes={"contacts.manage"})
    return app.test_client().post(
        f"/api/v1/imports?list=CRM&basis=consent&{query}",
        headers={"Authorization": f"Bearer {token}"},
        data=content.encode(),
        content_type="text/csv",
    ), token


def test_the_api_refuses_an_identifier_like_segment_with_the_reason(app, cast, conn):
    r, _ = api_post(app, conn, cast["staff"], "map=Code=segment:code", CODES)
    assert r.status_code == 422
    assert 'column "Code" cannot be a segment' in r.get_json()["error"]
    r, _ = api_post(
        app,
        conn,
        cast["staff"],
        "map=Klantnummer=segment:klantnummer",
        "E-mailadres;Klantnummer\na@example.nl;K-100203\n",
    )
    assert r.status_code == 422 and "Klantnummer" in r.get_json()["error"]
    assert batches(conn) == [] and nothing_imported(conn)


def test_the_api_reports_a_refusal_found_on_the_whole_file(app, cast, conn):
    r, token = api_post(app, conn, cast["staff"], "map=Kenmerk=segment:kenmerk", LATE)
    assert r.status_code == 202
    wait_for(conn, r.get_json()["id"])
    status = (
        app.test_client()
        .get(r.get_json()["url"], headers={"Authorization": f"Bearer {token}"})
        .get_json()
    )
    assert status["status"] == "failed"
    assert 'column "Kenmerk" cannot be a segment' in status["message"]
    assert not status["message"].startswith("{")  # a sentence, not the stored form
    assert nothing_imported(conn)


def wait_for(conn, import_id, timeout=30):
    """The batch once it has ended, and its thread with it (nothing of it outlives the test)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = store.get_import(conn, import_id)
        if batch["status"] != "running":
            for thread in threading.enumerate():
                if thread.name == f"import-{import_id}":
                    thread.join(timeout)
            return batch
        time.sleep(0.05)
    raise AssertionError("the import did not finish")
