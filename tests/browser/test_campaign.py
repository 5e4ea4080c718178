"""End to end in a real browser: a staff member creates and opens an NPS survey, then starts a
campaign under Mailings for one segment of a contact list (counting the recipients first), and
follows its live progress on the campaign page, without a reload, until it is done. The two
messages land as .eml files (file transport) with Dutch formal salutations; no page logs a console
error or breaks the Content Security Policy.

Contacts are imported with ``appliance import-contacts`` beforehand. Runs ``appliance serve`` (with
its scheduler) and Debian's chromium like ``test_first_admin.py``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.utils import parseaddr
from pathlib import Path

from playwright.sync_api import BrowserContext, expect

from tests.browser.test_contact_import import _add_staff, sign_in_staff
from tests.browser.test_first_admin import _require_chromium, chromium_context
from tests.browser.watch import watch
from tests.serving import Server, running_server

LIST_NAME = "Klanten 2026"
CAMPAIGN = "Klanttevredenheid Zwolle"
CSV_TEXT = (
    "E-mailadres;Voornaam;Tussenvoegsel;Achternaam;Geslacht;Vestiging\n"
    "jan@example.nl;Jan;;Jansen;man;Zwolle\n"
    "els@example.nl;;de;Vries;vrouw;Zwolle\n"
    "kim@example.nl;Kim;;Bakker;vrouw;Deventer\n"
    "sam@example.nl;Sam;de;Vries;;Deventer\n"
)
SALUTATIONS = {
    "jan@example.nl": "Geachte heer Jansen,",
    "els@example.nl": "Geachte mevrouw De Vries,",
}
SEND_TIMEOUT_MS = 30_000


def test_campaign_sends_to_a_segment_with_live_progress(tmp_path):
    _require_chromium()  # before anything else: a missing browser is a failure, not a skip
    with mailing_server(tmp_path) as (server, context):
        _campaign_flow(server, context)


@contextmanager
def mailing_server(tmp_path: Path) -> Iterator[tuple[Server, BrowserContext]]:
    """A running appliance that mails as Voorbeeld BV, with the staff member of
    ``test_contact_import`` and the contacts of :data:`CSV_TEXT` imported as list
    :data:`LIST_NAME`, and a Chromium context; yields both, stops both on leaving."""
    with (
        running_server(
            tmp_path,
            mail_from="Voorbeeld BV <enquete@voorbeeld.nl>",
            organisation_name="Voorbeeld BV",
        ) as server,
        chromium_context() as context,
    ):
        _add_staff(server)
        _import_contacts(server, tmp_path / "klanten.csv")
        yield server, context


def _import_contacts(server: Server, csv_file: Path) -> None:
    csv_file.write_text(CSV_TEXT, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("APPLIANCE_")}
    command = [sys.executable, "-m", "appliance", "--data-dir", str(server.data_dir)]
    result = subprocess.run(
        [*command, "import-contacts", str(csv_file), "--list", LIST_NAME, "--basis", "consent",
         "--map", "Vestiging=segment:vestiging"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, f"import-contacts failed:\n{result.stdout}\n{result.stderr}"
    assert "added: 4" in result.stdout, result.stdout


def _campaign_flow(server: Server, context: BrowserContext) -> None:
    base = server.base_url
    problems = watch(context)
    page = context.new_page()
    nav = page.get_by_role("navigation", name="Main")

    # 1. A survey from the "NPS only" template, opened.
    sign_in_staff(page, base)
    nav.get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="New survey").click()
    page.get_by_role("radio", name=re.compile(r"^NPS only")).check()
    page.get_by_role("button", name="Create draft").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/surveys/\d+$"))
    page.get_by_role("button", name="Open the survey").click()
    expect(page.locator("#survey-status")).to_have_text("open")
    survey_title = page.locator("h1").evaluate("h => h.firstChild.textContent.trim()")

    # 2. A new campaign for the Zwolle segment; the recipients are counted first.
    nav.get_by_role("link", name="Mailings").click()
    expect(page.get_by_role("heading", name="Mailings", level=1)).to_be_visible()
    page.get_by_role("link", name="New campaign").click()
    expect(page.get_by_role("heading", name="New campaign", level=1)).to_be_visible()
    # No list is preselected: staff choose one inside the form (with its size).
    expect(page.locator("#list_id")).to_have_value("")
    page.locator("#list_id").select_option(label=f"{LIST_NAME} (4 contacts)")
    page.get_by_role("button", name="Show the list's segments").click()
    zwolle = page.get_by_role("checkbox", name="Zwolle", exact=True)
    expect(zwolle).to_be_visible()
    expect(page.get_by_role("checkbox", name="Deventer", exact=True)).to_be_visible()
    page.get_by_label("Name of the campaign").fill(CAMPAIGN)
    page.get_by_label("Survey", exact=True).select_option(label=survey_title)
    zwolle.check()
    # A campaign with reminders waits for them; without any it is done once all is sent.
    page.get_by_label("Number of reminders").fill("0")
    page.get_by_role("button", name="Count the recipients").click()
    expect(page.get_by_role("status")).to_contain_text("2 contacts will be invited.")
    expect(page.get_by_role("checkbox", name="Zwolle", exact=True)).to_be_checked()
    page.get_by_role("button", name="Continue").click()
    # Nothing is sent before the number, counted on the server, is confirmed.
    expect(page.locator("#confirm-question")).to_have_text("Send to 2 contacts?")
    _shots(page, "campaign-confirm")
    page.get_by_role("button", name="Yes, send to 2 contacts").click()

    # 3. The campaign page follows the sending live (campaign.js), without a reload.
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/mailing/\d+$"))
    expect(page.get_by_role("heading", name=CAMPAIGN, level=1)).to_be_visible()
    expect(page.locator(".flash.success")).to_have_text("Campaign created: 2 recipients.")
    page.evaluate("window.notReloaded = true")
    expect(page.locator("#sent")).to_have_text("2", timeout=SEND_TIMEOUT_MS)
    expect(page.locator("#status")).to_have_text("done", timeout=SEND_TIMEOUT_MS)
    expect(page.locator("#percent")).to_have_text("100%")
    assert page.locator("#bar").evaluate("b => b.value") == 100
    _shots(page, "campaign-done")
    assert page.evaluate("window.notReloaded === true"), "the campaign page was reloaded"
    expect(page.locator("#failed")).to_have_text("0")

    # 4. Exactly two messages, to the Zwolle contacts, each with its own salutation.
    files = sorted((server.data_dir / "mail").glob("*/*.eml"))
    assert len(files) == 2, files
    texts = {}
    for path in files:
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        texts[parseaddr(str(message["To"]))[1]] = message.get_body(("plain",)).get_content()
    assert set(texts) == set(SALUTATIONS), sorted(texts)
    for address, salutation in SALUTATIONS.items():
        assert texts[address].startswith(salutation), (address, texts[address][:80])

    problems.assert_none()


def _shots(page, name: str) -> None:
    """Screenshots for a person to look at (phone and laptop widths), when SHOTS_DIR is set."""
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True)
    page.set_viewport_size(size)
