"""End to end in a real browser: a staff member imports a Dutch Excel CSV export (Windows-1252,
semicolons, CRLF), checks the column mapping and its preview, runs the import, downloads the
invalid rows and sees the new list on the contacts page.

Runs ``appliance init`` and ``appliance serve`` as subprocesses on a free port and drives Debian's
headless chromium (``/usr/bin/chromium``) through Playwright's sync API, like
``test_first_admin.py``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pyotp
from playwright.sync_api import APIRequestContext, Page, expect

from tests.browser.test_first_admin import _require_chromium, chromium_context
from tests.serving import Server, running_server

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "test-results" / "contact-mapping.png"

STAFF = "sam"
STAFF_PASSWORD = "Verse-koffie-bij-de-balie-77"
OWN_PASSWORD = "Een-eigen-wachtzin-voor-de-balie"
LIST_NAME = "Klanten 2026"
IMPORT_TIMEOUT_MS = 20_000

HEADER = "E-mailadres;Voornaam;Tussenvoegsel;Achternaam;Aanhef;Vestiging;Geloof"
INVALID_ADDRESS = "pieter.bakker.example.nl"
ROWS = [
    "noelle.dejong@example.nl;Noëlle;de;Jong;Mevr.;Utrecht;Katholiek",
    "Jan.Jansen@Example.nl;Jan;;Jansen;Dhr.;Amsterdam;Protestants",
    'sanne.vandenberg@example.nl;Sanne;van den;Berg;mevrouw;"Den Haag; Centrum";',
    f"{INVALID_ADDRESS};Pieter;;Bakker;Dhr.;Utrecht;Geen",
    "jan.jansen@example.nl;Jan;;Jansen;de heer;Amsterdam;",
    "fleur.visser@example.com;Fleur;;Visser;;Rotterdam;",
]
# Row numbers count the header as line 1; the invalid address is on line 5.
INVALID_LINE = 5
ADDED, DUPLICATE, INVALID = 4, 1, 1
PREVIEW_COUNTS = (
    f"new: {ADDED}, updated: 0, duplicate in the file: {DUPLICATE}, invalid: {INVALID}, "
    "on the suppression list: 0"
)


def _write_export(path: Path) -> Path:
    """What Excel's "CSV (puntkomma-gescheiden)" writes on a Dutch Windows PC."""
    path.write_bytes("\r\n".join([HEADER, *ROWS, ""]).encode("cp1252"))
    return path


def _add_staff(server: Server) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    command = [sys.executable, "-m", "appliance", "--data-dir", str(server.data_dir)]
    result = subprocess.run(
        [*command, "user", "add", STAFF, "--role", "staff", "--password-stdin"],
        input=STAFF_PASSWORD + "\n",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"user add failed:\n{result.stdout}\n{result.stderr}"


def sign_in_staff(page: Page, base: str) -> None:
    """The first sign-in of the staff member ``_add_staff`` made, through the login form: staff
    set up two-factor login now (the key read off the page, as a person types it into an
    authenticator app), confirm with the first code and go on past the recovery codes."""
    page.goto(f"{base}/login")
    page.get_by_label("Username", exact=True).fill(STAFF)
    page.get_by_label("Password", exact=True).fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/login/enrol")
    secret = "".join(page.locator("#totp-secret").inner_text().split())
    page.get_by_label("6-digit code shown by the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    page.get_by_role("link", name="I have stored them, continue").click()
    # The password an administrator gave is replaced by the staff member's own first.
    expect(page).to_have_url(f"{base}/account/new-password")
    page.get_by_label("Current password").fill(STAFF_PASSWORD)
    page.get_by_label(re.compile("^New password")).fill(OWN_PASSWORD)
    page.get_by_label("Repeat the new password").fill(OWN_PASSWORD)
    page.get_by_role("button", name="Set my password").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def sign_in_staff_http(http: APIRequestContext) -> None:
    """The same first sign-in as :func:`sign_in_staff`, in plain HTTP requests."""

    def csrf(page: str) -> str:
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        assert found, page
        return found[1]

    login = http.get("/login").text()
    enrol = http.post(
        "/login", form={"csrf_token": csrf(login), "username": STAFF, "password": STAFF_PASSWORD}
    )
    assert enrol.ok and enrol.url.endswith("/login/enrol"), (enrol.status, enrol.url)
    page = enrol.text()
    secret = re.search(r'id="totp-secret">([^<]+)<', page)
    assert secret, page
    code = pyotp.TOTP("".join(secret[1].split())).now()
    done = http.post("/login/enrol", form={"csrf_token": csrf(page), "code": code})
    assert done.ok and "Your recovery codes" in done.text(), done.status
    form = http.get("/account/new-password").text()
    own = http.post(
        "/account/new-password",
        form={
            "pw-csrf_token": csrf(form),
            "pw-current_password": STAFF_PASSWORD,
            "pw-new_password": OWN_PASSWORD,
            "pw-confirm": OWN_PASSWORD,
        },
    )
    assert own.ok and not own.url.endswith("/account/new-password"), (own.status, own.url)


def test_contact_import_end_to_end(tmp_path):
    _require_chromium()  # before anything else: a missing browser is a failure, not a skip
    export = _write_export(tmp_path / "klanten-export.csv")
    with running_server(tmp_path) as server, chromium_context() as context:
        _add_staff(server)
        _import_flow(server, context.new_page(), export, tmp_path)


def _import_flow(server: Server, page: Page, export: Path, tmp_path: Path) -> None:
    base = server.base_url

    # 1. Sign in as staff (setting up two-factor login, as staff must).
    sign_in_staff(page, base)

    # 2. Contacts, then the upload form.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(page).to_have_url(f"{base}/contacts/")
    expect(page.get_by_role("heading", name="Contacts", level=1)).to_be_visible()
    page.get_by_role("link", name="Import contacts").click()
    expect(page.get_by_role("heading", name="Import contacts", level=1)).to_be_visible()
    page.get_by_label("CSV or XLSX export").set_input_files(str(export))
    page.get_by_label("Contact list (an existing one, or a new name)").fill(LIST_NAME)
    page.get_by_role("radio", name="Consent").check()
    page.get_by_role("button", name="Upload and check the columns").click()

    # 3. The mapping page: detection, the forbidden column, a segment, the preview.
    expect(page.get_by_role("heading", name="Check the columns", level=1)).to_be_visible()
    hint = page.locator("main p.hint").first
    expect(hint).to_contain_text(f"List: {LIST_NAME} (new)")
    expect(hint).to_contain_text("character set cp1252, separator semicolon")
    geloof_row = page.locator("tbody tr").filter(has=page.get_by_text("Geloof", exact=True))
    expect(geloof_row.locator(".badge.off")).to_contain_text("dropped: special-category")
    expect(geloof_row.locator("select")).to_have_count(0)
    # Suggested from the Dutch headers.
    expect(page.get_by_label("E-mailadres", exact=True)).to_have_value("field:email")
    expect(page.get_by_label("Tussenvoegsel", exact=True)).to_have_value("field:infix")
    expect(page.get_by_label("Aanhef", exact=True)).to_have_value("field:gender")
    vestiging = page.locator("select#col-5")
    expect(page.get_by_label("Vestiging", exact=True)).to_have_attribute("id", "col-5")
    segment = vestiging.locator("option", has_text="Segment for reports")
    vestiging.select_option(value=segment.get_attribute("value"))
    expect(vestiging).to_have_value("segment:vestiging")
    page.get_by_role("button", name="Update the preview").click()
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    expect(page.locator("select#col-5")).to_have_value("segment:vestiging")
    counts = page.locator("#preview-counts")
    expect(counts).to_have_text(PREVIEW_COUNTS)
    preview = page.locator("table.preview")
    expect(preview).to_contain_text("Noëlle")  # decoded as Windows-1252, not mojibake
    expect(preview).to_contain_text("Den Haag; Centrum")  # quoted separator kept in the cell
    expect(preview).to_contain_text("not a valid e-mail address")
    expect(preview).not_to_contain_text("Katholiek")  # the dropped column never shows
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # 4. Import: the page refreshes itself until the batch is done.
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"into {LIST_NAME}")
    expect(page.locator("#import-status")).to_have_text("done", timeout=IMPORT_TIMEOUT_MS)
    table = page.locator("#import-counts")

    def count(label: str):
        return (
            table.locator("tr").filter(has=page.get_by_role("rowheader", name=label)).locator("td")
        )

    expect(count("Added")).to_have_text(str(ADDED))
    expect(count("Updated (address already in the list; the newer row wins)")).to_have_text("0")
    expect(count("Duplicate within the file")).to_have_text(str(DUPLICATE))
    expect(count("Invalid")).to_have_text(str(INVALID))
    expect(count("On the suppression list (skipped)")).to_have_text("0")
    expect(page.get_by_text("Columns dropped and not stored: Geloof", exact=True)).to_be_visible()

    # 5. The invalid rows, with their reasons.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the invalid rows with their reasons (CSV)").click()
    download = info.value
    assert download.suggested_filename.endswith("-invalid-rows.csv"), download.suggested_filename
    saved = tmp_path / "invalid-rows.csv"
    download.save_as(saved)
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows[0][:2] == ["row", "reason"], rows
    assert len(rows) == 1 + INVALID, rows
    rejected = dict(zip(rows[0], rows[1], strict=True))
    assert rejected["row"] == str(INVALID_LINE), rejected
    assert rejected["reason"] == "not a valid e-mail address", rejected
    assert rejected["E-mailadres"] == INVALID_ADDRESS, rejected
    assert (rejected["Voornaam"], rejected["Achternaam"]) == ("Pieter", "Bakker"), rejected
    assert "Geloof" not in rows[0]  # a dropped column is stored nowhere, not even here

    # 6. The list on the contacts page.
    page.get_by_role("link", name="← Contacts").click()
    expect(page).to_have_url(f"{base}/contacts/")
    lists = page.locator("table").first.locator("tbody tr")
    expect(lists).to_have_count(1)
    expect(lists.locator("td").nth(0)).to_have_text(LIST_NAME)
    expect(lists.locator("td").nth(1)).to_have_text(str(ADDED))
