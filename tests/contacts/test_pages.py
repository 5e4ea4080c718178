"""The staff pages of the identity plane, through the real app: upload, map, preview, import in
the background, counts, rejected rows, undo, suppression list, upload limits."""

from __future__ import annotations

import csv
import io
import re
import time

from appliance.contacts import store
from tests.conftest import audit_actions

EXPORT = (
    "E-mailadres;Voornaam;Tussenvoegsel;Achternaam;Aanhef;Vestiging;Geloof\r\n"
    "jan@example.nl;Jan;van der;Berg;Dhr.;Zwolle;x\r\n"
    'els@example.nl;Noëlle;;=HYPERLINK("http://x");Mevr.;Utrecht;y\r\n'
    "kapot;Kapot;;Adres;m;Zwolle;z\r\n"
    "JAN@example.nl;Jan;;Dubbel;m;Zwolle;x\r\n"
).encode("cp1252")

OPTIONS = {
    "list_name": "Klanten 2026",
    "basis": "consent",
    "purpose": "",
    "encoding": "",
    "delimiter": "",
    "sheet": "",
}


def upload(staff, content=EXPORT, **fields):
    data = {**OPTIONS, **fields, "file": (io.BytesIO(content), "export.csv")}
    return staff.post("/contacts/import", data, content_type="multipart/form-data")


def token_of(page: str) -> str:
    return re.search(r'action="/contacts/import/([\w-]+)"', page).group(1)


def wait_for(conn, import_id, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        batch = store.get_import(conn, import_id)
        if batch["status"] != "running":
            return batch
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_it_previews_then_imports_in_the_background(as_role, conn):
    staff = as_role("staff")
    r = upload(staff)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Check the columns" in page
    assert "character set cp1252, separator semicolon" in page
    assert "dropped: special-category" in page  # Geloof (religion) can only be dropped
    assert "new: 2, updated: 0, duplicate in the file: 1, invalid: 1" in page
    token = token_of(page)
    mapping = {
        "columns": "7",
        "col-0": "field:email",
        "col-1": "field:first_name",
        "col-2": "field:infix",
        "col-3": "field:last_name",
        "col-4": "field:gender",
        "col-5": "segment:vestiging",
        "col-6": "drop",
    }
    r = staff.post(f"/contacts/import/{token}", {**OPTIONS, **mapping, "action": "import"})
    assert r.status_code == 302
    import_id = int(r.headers["Location"].rsplit("/", 1)[1])
    batch = wait_for(conn, import_id)
    assert (batch["status"], batch["added"], batch["duplicate"], batch["invalid"]) == (
        "done",
        2,
        1,
        1,
    )
    page = staff.get(f"/contacts/imports/{import_id}").get_data(as_text=True)
    assert "Geloof" in page  # the notice of dropped columns
    assert not list((store_dir(conn) / "uploads").iterdir())  # the upload is gone
    assert "contacts.imported" in audit_actions(conn)


def store_dir(conn):
    from pathlib import Path

    return Path(conn.execute("PRAGMA database_list").fetchone()[2]).parent


def test_rejected_rows_download_is_formula_safe(as_role, conn):
    staff = as_role("staff")
    token = token_of(
        upload(
            staff, b'email;naam\r\nkapot;=1+2\r\nx;"x;=2+5"\r\ngoed@example.nl;Goed\r\n'
        ).get_data(as_text=True)
    )
    r = staff.post(
        f"/contacts/import/{token}",
        {
            **OPTIONS,
            "columns": "2",
            "col-0": "field:email",
            "col-1": "field:last_name",
            "action": "import",
        },
    )
    import_id = int(r.headers["Location"].rsplit("/", 1)[1])
    wait_for(conn, import_id)
    rows = list(
        csv.reader(
            io.StringIO(
                staff.get(f"/contacts/imports/{import_id}/rejects.csv").get_data(as_text=True)
            )
        )
    )
    assert rows[0] == ["row", "reason", "email", "naam"]
    assert rows[1] == ["2", "not a valid e-mail address", "kapot", "'=1+2"]
    assert rows[2][3] == "x;=2+5"
    raw = staff.get(f"/contacts/imports/{import_id}/rejects.csv").get_data(as_text=True)
    assert '"x;=2+5"' in raw  # quoted: a Dutch Excel splitting on ; keeps it one cell
    assert audit_actions(conn)[-1] == "contacts.rejects_downloaded"


def test_a_dutch_reader_gets_the_rejected_rows_reasons_in_dutch(as_role, conn, cast):
    """The reason is stored as its code (the msgid) and translated when downloaded."""
    conn.execute("UPDATE users SET language = 'nl' WHERE id = ?", (cast["staff"].id,))
    staff = as_role("staff")
    token = token_of(upload(staff, b"email;naam\r\nkapot;Jan\r\n;\r\n").get_data(as_text=True))
    mapping = {"columns": "2", "col-0": "field:email", "col-1": "field:last_name"}
    r = staff.post(f"/contacts/import/{token}", {**OPTIONS, **mapping, "action": "import"})
    import_id = int(r.headers["Location"].rsplit("/", 1)[1])
    wait_for(conn, import_id)
    stored = [row["reason"] for row in store.rejects(conn, import_id)]
    assert stored == ["not a valid e-mail address"]  # the code, in no reader's language
    text = staff.get(f"/contacts/imports/{import_id}/rejects.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["regel", "reden", "email", "naam"],
        ["2", "geen geldig e-mailadres", "kapot", "Jan"],
    ]


def test_undo_from_the_page(as_role, conn):
    staff = as_role("staff")
    token = token_of(upload(staff, b"email\r\na@example.nl\r\n").get_data(as_text=True))
    r = staff.post(
        f"/contacts/import/{token}",
        {**OPTIONS, "columns": "1", "col-0": "field:email", "action": "import"},
    )
    import_id = int(r.headers["Location"].rsplit("/", 1)[1])
    wait_for(conn, import_id)
    staff.post(f"/contacts/imports/{import_id}/undo")
    assert store.get_import(conn, import_id)["status"] == "undone"
    assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 0


def test_a_legitimate_interest_without_purpose_is_refused_before_upload(as_role, conn):
    r = upload(as_role("staff"), basis="legitimate_interest")
    assert r.status_code == 400 and "Describe the legitimate interest" in r.get_data(as_text=True)


def test_an_unreadable_file_goes_back_with_the_reason(as_role):
    r = upload(as_role("staff"), b"\x00\x01\x02\x03")
    assert r.status_code == 302
    page = as_role("staff").get(r.headers["Location"])
    assert page.status_code == 200


def test_an_upload_claiming_two_gigabytes_is_refused_before_it_is_read(as_role):
    staff = as_role("staff")
    r = staff.client.post(
        "/contacts/import",
        data=b"x" * 10,
        environ_overrides={"CONTENT_LENGTH": str(2 * 1024**3)},
        content_type="multipart/form-data; boundary=x",
    )
    assert r.status_code == 413 and "larger than this page accepts" in r.get_data(as_text=True)


def test_a_saved_mapping_preset_is_offered_and_applied(as_role, conn):
    staff = as_role("staff")
    content = b"Mail;Regio\r\na@example.nl;Noord\r\n"
    token = token_of(upload(staff, content).get_data(as_text=True))
    staff.post(
        f"/contacts/import/{token}",
        {
            **OPTIONS,
            "columns": "2",
            "col-0": "field:email",
            "col-1": "segment:regio",
            "preset_name": "CRM",
            "action": "save_preset",
        },
    )
    assert store.presets(conn) == {"CRM": {"Mail": "field:email", "Regio": "segment:regio"}}
    page = staff.post(
        f"/contacts/import/{token}",
        {
            **OPTIONS,
            "columns": "2",
            "col-0": "drop",
            "col-1": "drop",
            "preset": "CRM",
            "action": "apply_preset",
        },
    ).get_data(as_text=True)
    assert re.search(r'<option value="segment:[^"]*" selected>', page)


def test_staff_add_addresses_to_the_suppression_list(as_role, conn):
    staff = as_role("staff")
    r = staff.post(
        "/contacts/suppressions",
        {
            "addresses": "weg@example.nl\nook-weg@example.nl\ngeen adres",
            "file": (io.BytesIO(b"email;naam\nlijst@example.nl;X\n"), "list.csv"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert conn.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 3
    assert b"example.nl" not in b"".join(
        bytes(r[0]) for r in conn.execute("SELECT email_hash FROM suppressions")
    )
    assert audit_actions(conn)[-1] == "suppression.added"
