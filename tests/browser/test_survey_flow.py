"""End to end in a real browser: a staff member creates a survey from a template and opens it;
respondents answer once by invitation, once by the open link and once on a kiosk registered on the
survey's page; staff then sees the three responses, excludes one with a reason and includes it
again.

Only the invitation is made through the store (there is no invitation page yet). Respondents use
fresh browser contexts: they must get no cookies, and no page may break the Content Security
Policy. Runs ``appliance serve`` and Debian's chromium like ``test_first_admin.py``.
"""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from appliance import db
from appliance.keys import load as load_keys
from appliance.responses import store as responses_store
from tests.browser.test_contact_import import _add_staff, sign_in_staff
from tests.browser.test_first_admin import UI_TIMEOUT_MS, _require_chromium, chromium_context
from tests.serving import Server, running_server

KIOSK_NAME = "Balie hal"
KIOSK_IDLE_SECONDS = 30
EXCLUDE_REASON = "test response by the team"
# The kiosk's thank-you page returns to the start after 5 seconds (meta refresh).
KIOSK_RETURN_TIMEOUT_MS = 12_000


def test_survey_from_template_to_excluded_response(tmp_path):
    _require_chromium()  # before anything else: a missing browser is a failure, not a skip
    with running_server(tmp_path) as server, chromium_context() as context:
        _add_staff(server)
        _survey_flow(server, context)


def _watch_console(context: BrowserContext, errors: list[str]) -> None:
    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(f"{message.page.url if message.page else '?'}: {message.text}")

    context.on("console", record)


def _respondent_context(staff: BrowserContext, errors: list[str]) -> BrowserContext:
    """A fresh context: no cookies, no storage, nothing shared with the staff member."""
    assert staff.browser is not None
    context = staff.browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(UI_TIMEOUT_MS)
    _watch_console(context, errors)
    return context


def _answer_nps(page: Page, score: str, reason: str, send: str | re.Pattern[str]) -> None:
    page.get_by_role("radio", name=score, exact=True).check()
    page.get_by_role("textbox").fill(reason)
    page.get_by_role("button", name=send).click()


def _survey_flow(server: Server, staff: BrowserContext) -> None:
    base = server.base_url
    console_errors: list[str] = []
    _watch_console(staff, console_errors)
    page = staff.new_page()

    # 1. Staff signs in and creates a survey from the "NPS only" template.
    sign_in_staff(page, base)
    page.goto(f"{base}/surveys/new")
    page.get_by_role("radio", name=re.compile(r"^NPS only")).check()
    page.get_by_role("button", name="Create draft").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base)}/surveys/\d+$"))
    survey_id = int(page.url.rsplit("/", 1)[1])
    edit_url = f"{base}/surveys/{survey_id}"
    status = page.locator("#survey-status")
    expect(status).to_have_text("draft")

    # 2. Open it through the status form.
    page.get_by_role("button", name="Open the survey").click()
    expect(page).to_have_url(edit_url)
    expect(status).to_have_text("open")

    # The open link is shown on the survey's page (built from base_url, not from the Host).
    link = page.locator("#open-link").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(base)}/s/[A-Za-z0-9_-]+", link), link

    # 3. One invitation, made through the store while the server runs.
    keys = load_keys(server.data_dir)
    conn = db.connect(db.db_path(server.data_dir))
    try:
        with db.transaction(conn):
            token = responses_store.create_invitation(conn, keys.hasher(), survey_id, None)
    finally:
        conn.close()
    invitation_url = f"{base}/i/{token}?lang=en"

    respondent_contexts: list[BrowserContext] = []
    try:
        # 4. The invitation, answered in a fresh context.
        invited = _respondent_context(staff, console_errors)
        respondent_contexts.append(invited)
        rpage = invited.new_page()
        rpage.goto(invitation_url)
        expect(rpage.get_by_role("heading", level=1)).to_have_text("Recommendation question")
        _answer_nps(rpage, "8", "Friendly people at the desk", "Send")
        expect(rpage.get_by_text("Thank you!", exact=True)).to_be_visible()
        # Opening the same link again: the friendly "already answered" page, not an error.
        answer = rpage.goto(invitation_url)
        assert answer is not None and answer.status == 200, answer and answer.status
        expect(
            rpage.get_by_text("You have already answered this survey. Thank you!")
        ).to_be_visible()
        expect(rpage.get_by_role("button")).to_have_count(0)
        assert invited.cookies() == [], invited.cookies()

        # 5. The open link, in another fresh context.
        anonymous = _respondent_context(staff, console_errors)
        respondent_contexts.append(anonymous)
        rpage = anonymous.new_page()
        rpage.goto(f"{link}?lang=en")
        expect(rpage.get_by_role("heading", level=1)).to_have_text("Recommendation question")
        _answer_nps(rpage, "10", "Quick and clear", "Send")
        expect(rpage.get_by_text("Thank you!", exact=True)).to_be_visible()
        assert anonymous.cookies() == [], anonymous.cookies()

        # 6. A kiosk registered through the survey's page; its address is shown once.
        page.goto(edit_url)
        page.get_by_label("Kiosk name (where it stands)").fill(KIOSK_NAME)
        page.get_by_label("Back to the start after this many idle seconds").fill(
            str(KIOSK_IDLE_SECONDS)
        )
        expect(page.get_by_role("radio", name="discard their answers")).to_be_checked()
        page.get_by_role("button", name="Register a kiosk").click()
        kiosk_url = page.locator("#kiosk-url").inner_text().strip()
        assert re.fullmatch(rf"{re.escape(base)}/k/[A-Za-z0-9_-]+", kiosk_url), kiosk_url

        kiosk = _respondent_context(staff, console_errors)
        respondent_contexts.append(kiosk)
        rpage = kiosk.new_page()
        rpage.goto(kiosk_url)
        # A kiosk opens in the survey's first language (Dutch): "Versturen" is "Send".
        _answer_nps(rpage, "9", "Fijne balie", re.compile(r"^(Versturen|Send)$"))
        thanks = rpage.locator("p.thanks")
        expect(thanks).to_be_visible()
        # Back to the start by itself (meta refresh), with an empty form for the next person.
        expect(thanks).to_have_count(0, timeout=KIOSK_RETURN_TIMEOUT_MS)
        expect(rpage.get_by_role("radio", name="9", exact=True)).not_to_be_checked()
        expect(rpage.get_by_role("textbox")).to_have_value("")
        assert rpage.url == kiosk_url, rpage.url
        assert kiosk.cookies() == [], kiosk.cookies()
    finally:
        for context in respondent_contexts:
            context.close()

    # 7. Back as staff: three responses, one per mode.
    responses_url = f"{base}/surveys/{survey_id}/responses"
    page.goto(edit_url)
    expect(page.get_by_text(KIOSK_NAME)).to_be_visible()
    # The kiosk's address holds its device key: shown once, never again on the survey's page.
    assert kiosk_url.rsplit("/", 1)[1] not in page.content()
    page.goto(responses_url)
    expect(page.get_by_role("heading", name="Responses", level=1)).to_be_visible()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(3)
    modes = sorted(text.strip() for text in rows.locator("td:nth-child(2)").all_inner_texts())
    assert modes == ["invitation", "kiosk", "open link"], modes  # labels, not codes

    # 8. One response in full, then excluded with a reason.
    link_row = rows.filter(has=page.get_by_role("cell", name="open link", exact=True))
    expect(link_row).to_have_count(1)
    link_row.get_by_role("link", name="Open").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(responses_url)}/[0-9a-f]{{32}}$"))
    detail_url = page.url
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Response of")
    expect(heading).not_to_contain_text("excluded")
    expect(page.get_by_text("Mode: open link · language: English")).to_be_visible()
    expect(page.get_by_text("Quick and clear", exact=True)).to_be_visible()
    page.locator("#reason").fill(EXCLUDE_REASON)
    page.get_by_role("button", name="Exclude from all figures").click()
    expect(page).to_have_url(detail_url)
    expect(page.get_by_text("Response excluded from all figures.")).to_be_visible()
    expect(heading).to_contain_text("excluded")
    expect(
        page.get_by_text(re.compile(rf"^Excluded on \w{{3}} \d{{1,2}}, \d{{4}}: {EXCLUDE_REASON}$"))
    ).to_be_visible()

    # The list shows it as excluded, and the "excluded" filter finds only it.
    page.goto(responses_url)
    expect(rows).to_have_count(3)
    link_row = rows.filter(has=page.get_by_role("cell", name="open link", exact=True))
    expect(link_row.locator("td").nth(3)).to_have_text("excluded")
    for mode in ("invitation", "kiosk"):
        other = rows.filter(has=page.get_by_role("cell", name=mode, exact=True))
        expect(other.locator("td").nth(3)).to_have_text("")
    page.get_by_label("Excluded", exact=True).select_option("yes")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"excluded=yes"))
    expect(rows).to_have_count(1)
    expect(rows.locator("td").nth(1)).to_have_text("open link")

    # 9. Included again.
    page.goto(detail_url)
    page.get_by_role("button", name="Include again").click()
    expect(page).to_have_url(detail_url)
    expect(page.get_by_text("Response included again.")).to_be_visible()
    expect(heading).not_to_contain_text("excluded")
    expect(page.get_by_role("button", name="Exclude from all figures")).to_be_visible()
    page.goto(responses_url)
    expect(rows).to_have_count(3)
    expect(page.locator("table tbody .badge")).to_have_count(0)
    page.goto(f"{responses_url}?excluded=yes")
    expect(rows).to_have_count(0)

    csp = [e for e in console_errors if "Content Security Policy" in e]
    assert not csp, csp
