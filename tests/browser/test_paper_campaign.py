"""End to end in a real browser: a paper campaign from the import of a post-only contact list to
the letters, the typed-in return and the report.

A staff member imports three contacts with Dutch postal addresses and no e-mail address through
the import pages, creates an NPS survey from a template and opens it, starts a campaign by post
for the list, and downloads the letters with the paper questionnaire appended. The PDF is read
in the test: three letters, each with its address and its own code ``XXXX-XXXX-XXXX-XXXX``. One
returned form is typed in on the keyboard entry page (keys only) with its code; the campaign page
then shows the letters produced, the survey's responses page one response by paper, and the same
code typed again is refused. The reminder letters go to the two who have not answered. No page
logs a console error or breaks the Content Security Policy.

Runs ``appliance serve`` and Debian's chromium like ``test_first_admin.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
from playwright.sync_api import Page, expect

from tests.browser.test_first_admin import _require_chromium, chromium_context
from tests.browser.test_researcher_report import _sign_in
from tests.browser.watch import watch
from tests.conftest import _cast
from tests.serving import running_server

LIST_NAME = "Bewoners Zwolle"
CAMPAIGN = "Bewonersenquête per post"
# No e-mail column: a list for letters only needs names and postal addresses.
CSV_TEXT = (
    "Voornaam;Tussenvoegsel;Achternaam;Geslacht;Straat;Huisnummer;Postcode;Plaats\n"
    "Jan;;Jansen;man;Dorpsstraat;12a;1234ab;Zwolle\n"
    "Els;de;Vries;vrouw;Kerkweg;3-2;8011 AB;Zwolle\n"
    "Piet;van;Dam;man;Markt;1 bis;7411 AA;Deventer\n"
)
# What each letter's address window says, in the order of the list.
ADDRESSES = {
    "Jan Jansen": ("Dorpsstraat 12a", "1234 AB ZWOLLE"),
    "Els de Vries": ("Kerkweg 3-2", "8011 AB ZWOLLE"),
    "Piet van Dam": ("Markt 1 bis", "7411 AA DEVENTER"),
}
ORGANISATION = "Gemeente Voorbeeld"
CODE = re.compile(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){3}")
IMPORT_TIMEOUT_MS = 20_000


def test_a_paper_campaign_from_import_to_letters_to_entry_to_report(tmp_path):
    _require_chromium()  # before anything else: a missing browser is a failure, not a skip
    contacts = tmp_path / "bewoners.csv"
    contacts.write_text(CSV_TEXT, encoding="utf-8")
    with (
        running_server(
            tmp_path,
            organisation_name=ORGANISATION,
            organisation_address="Postbus 1\n8000 AA  ZWOLLE",
        ) as server,
        chromium_context() as context,
    ):
        cast = _cast(server.data_dir)
        base = server.base_url
        problems = watch(context)
        page = context.new_page()
        _sign_in(page, base, cast["staff"])

        _import(page, base, contacts)
        survey_url, survey_title = _open_survey(page, base)
        survey_id = int(survey_url.rsplit("/", 1)[1])
        campaign_url = _create_campaign(page, survey_title)

        # The letters, with the questionnaire after each one.
        page.get_by_label("Append the paper questionnaire to each letter").check()
        letters = _download(page, "Download letters (PDF)", tmp_path / "letters.pdf")
        assert list(letters) == list(ADDRESSES), letters  # one letter each, in the list's order
        codes = {name: letter.code for name, letter in letters.items()}
        assert len(set(codes.values())) == 3, codes
        for name, letter in letters.items():
            assert tuple(letter.text[1:3]) == ADDRESSES[name], (name, letter.text)
            assert f"Graag horen wij hoe tevreden u bent over {ORGANISATION}." in " ".join(
                letter.text
            ), letter.text
            # Then one page of questionnaire, headed by the letter's own code.
            (form,) = letter.after
            assert form[0] == letter.code, form
            assert "Hoe waarschijnlijk is het dat u ons aanbeveelt bij vrienden of collega's?" in (
                form
            )

        # The campaign page records the download.
        expect(page).to_have_url(campaign_url)
        page.reload()
        runs = page.locator("section[aria-labelledby=letters-heading] tbody tr")
        expect(runs).to_have_count(1)
        expect(runs.locator("td").nth(0)).to_have_text("Invitation")
        expect(runs.locator("td").nth(1)).to_have_text("3")
        recipients = page.locator("main dl.facts dt", has_text="Recipients")
        expect(recipients.locator("xpath=following-sibling::dd[1]")).to_have_text("3")

        # Jan's form comes back: typed in with the keyboard alone.
        page.goto(survey_url)
        page.get_by_role("link", name="Enter paper forms").click()
        expect(page.get_by_role("heading", name="Enter paper forms", level=1)).to_be_visible()
        _enter(page, codes["Jan Jansen"])
        expect(page.locator(".flash.success")).to_have_text("Form stored.")
        expect(page.locator(".pe-count")).to_have_text("Entered today: 1")

        # The same code again is refused, with the reason. The refusal is answered 422, which
        # chromium logs as a failed resource: that one message is expected, nothing else.
        problems.assert_none()
        expect(page.locator("#code")).to_be_focused()
        page.keyboard.type(codes["Jan Jansen"])
        page.keyboard.press("Enter")
        expect(page.locator("#code-error")).to_have_text(
            "This form has been answered already. A form can be entered only once."
        )
        expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(".pe-count")).to_have_text("Entered today: 1")
        refused = problems.console_errors.pop()
        assert refused.endswith("status of 422 (UNPROCESSABLE ENTITY)"), refused
        assert f"/surveys/{survey_id}/paper/entry:" in refused, refused
        problems.assert_none()

        # One response, by paper, on the survey's responses page.
        page.goto(survey_url)
        page.get_by_role("link", name="Responses", exact=True).click()
        expect(page.get_by_role("heading", name="Responses", level=1)).to_be_visible()
        rows = page.locator("main table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.locator("td").nth(1)).to_have_text("paper")
        expect(page.get_by_text(re.compile(r"^1 responses?\."))).to_be_visible()

        # The reminder letters go only to the two who have not answered.
        page.goto(campaign_url)
        reminders = _download(page, "Download reminder letters", tmp_path / "reminders.pdf")
        assert list(reminders) == ["Els de Vries", "Piet van Dam"], reminders
        for name, letter in reminders.items():
            assert letter.code == codes[name] and not letter.after, (name, letter)
            assert "Enige tijd geleden nodigden wij u uit" in " ".join(letter.text), letter.text
        page.goto(campaign_url)
        expect(runs).to_have_count(2)
        expect(runs.nth(1).locator("td").nth(0)).to_have_text("Reminder 1")
        expect(runs.nth(1).locator("td").nth(1)).to_have_text("2")

        problems.assert_none()


def _import(page: Page, base: str, contacts: Path) -> None:
    """The contacts, through the import pages, with the columns as suggested."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    expect(page).to_have_url(f"{base}/contacts/")
    page.get_by_role("link", name="Import contacts").click()
    page.get_by_label("CSV or XLSX export").set_input_files(str(contacts))
    page.get_by_label("Contact list (an existing one, or a new name)").fill(LIST_NAME)
    page.get_by_role("radio", name="Consent").check()
    page.get_by_role("button", name="Upload and check the columns").click()
    expect(page.get_by_role("heading", name="Check the columns", level=1)).to_be_visible()
    for header, target in (
        ("Straat", "field:street"),
        ("Huisnummer", "field:house_number"),
        ("Postcode", "field:postcode"),
        ("Plaats", "field:town"),
    ):
        expect(page.get_by_label(header, exact=True)).to_have_value(target)
    page.get_by_role("button", name="Update the preview").click()
    expect(page.locator("#preview-counts")).to_contain_text("new: 3, updated: 0")
    expect(page.locator("#preview-counts")).to_contain_text("invalid: 0")
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#import-status")).to_have_text("done", timeout=IMPORT_TIMEOUT_MS)
    added = page.locator("#import-counts tr").filter(
        has=page.get_by_role("rowheader", name="Added")
    )
    expect(added.locator("td")).to_have_text("3")


def _open_survey(page: Page, base: str) -> tuple[str, str]:
    """A survey from the "NPS only" template, opened: (its page's address, its title)."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Surveys").click()
    page.get_by_role("link", name="New survey").click()
    page.get_by_role("radio", name=re.compile(r"^NPS only")).check()
    page.get_by_role("button", name="Create draft").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/surveys/\d+$"))
    page.get_by_role("button", name="Open the survey").click()
    expect(page.locator("#survey-status")).to_have_text("open")
    title = page.locator("h1").evaluate("h => h.firstChild.textContent.trim()")
    return page.url, title


def _create_campaign(page: Page, survey_title: str) -> str:
    """A campaign by post to the whole list, with one reminder; returns its page's address."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Mailings").click()
    page.get_by_role("link", name="New campaign").click()
    expect(page.get_by_role("heading", name="New campaign", level=1)).to_be_visible()
    page.get_by_label("Name of the campaign").fill(CAMPAIGN)
    page.get_by_label("Survey", exact=True).select_option(label=survey_title)
    page.locator("#list_id").select_option(label=f"{LIST_NAME} (3 contacts)")
    page.get_by_role("radio", name="by post (letters you print)").check()
    page.get_by_label("Number of reminders").fill("1")
    page.get_by_role("button", name="Count the recipients").click()
    expect(page.get_by_role("status")).to_contain_text("3 contacts will be invited.")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#confirm-question")).to_have_text("Write to 3 contacts by post?")
    expect(page.get_by_text("Skipped, no usable postal address: 0")).to_be_visible()
    page.get_by_role("button", name="Yes, make the letters").click()
    expect(page).to_have_url(re.compile(r"/mailing/\d+$"))
    expect(page.get_by_role("heading", name=CAMPAIGN, level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Letters")).to_be_visible()
    return page.url


@dataclass
class Letter:
    code: str  # as printed on the letter
    text: list[str]  # the letter's page from the address block on
    after: list[list[str]] = field(default_factory=list)  # the pages up to the next letter


def _download(page: Page, button: str, target: Path) -> dict[str, Letter]:
    """Click ``button`` and save the PDF; its letters by addressee, in the PDF's order."""
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    download.save_as(target)
    letters: dict[str, Letter] = {}
    for texts in _pages(target.read_bytes()):
        names = [text for text in texts if text in ADDRESSES]
        if names:  # a letter's page: the letterhead, then the address block
            (name,) = names
            assert name not in letters, f"two letters to {name}"
            (code,) = [text for text in texts if CODE.fullmatch(text)]
            letters[name] = Letter(code, texts[texts.index(name) :])
        else:
            assert letters, texts
            letters[list(letters)[-1]].after.append(texts)
    return letters


def _pages(pdf: bytes) -> list[list[str]]:
    """The text objects of each page, whitespace collapsed (as ``tests/mailing/test_post``)."""
    doc = pdfium.PdfDocument(pdf)
    out = []
    for page in doc:
        textpage = page.get_textpage()
        texts = [
            " ".join(obj.extract().split())
            for obj in page.get_objects(filter=[pdfium.raw.FPDF_PAGEOBJ_TEXT], textpage=textpage)
        ]
        out.append([t for t in texts if t])
    doc.close()
    return out


def _enter(page: Page, code: str) -> None:
    """One returned form, keys only: the code, Enter; a score of 9, Enter through the rest;
    the summary confirmed with Enter."""
    expect(page.locator("#code")).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Answers of the form")).to_be_visible()
    expect(page.locator("#i-k-nps")).to_be_focused()
    page.keyboard.type("9")
    for _ in range(10):
        if page.locator("#pe-check").evaluate("b => b === document.activeElement"):
            break
        page.keyboard.press("Enter")
    expect(page.locator("#pe-check")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
    expect(page.locator(".pe-summary")).to_contain_text("9")
    expect(page.locator("#pe-confirm")).to_be_focused()
    page.keyboard.press("Enter")
