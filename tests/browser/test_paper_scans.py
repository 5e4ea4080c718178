"""End to end in a real browser: staff upload one scan of three returned paper forms, verify the
one that was not read with certainty, and find all three in the report.

The survey is seeded into the running server's data directory and its anonymous form printed
there (``printed_form`` keeps the geometry the reader needs). The upload is one multi-page TIFF:
two forms filled in clearly (stored at once) and one with two boxes crossed on a single-choice
question and a line written in the open answer (kept sealed until verified). On the
verification page the crops load, a choice is made and the writing typed; the form is stored,
the report counts three respondents and the typed text is on a response's page. No page logs a
console error or breaks the Content Security Policy; the scans page and the verification page
pass axe (WCAG 2.1 AA). Screenshots at 1366 and 390 px go to /tmp/scanshots/. Runs
``appliance serve`` and Debian's chromium like ``test_first_admin.py``.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from appliance import create_app, db
from appliance.paper import service as paper_service
from appliance.paper.texts import Facts
from appliance.surveys import service as surveys_service
from tests.browser.test_accessibility import violations
from tests.browser.test_first_admin import UI_TIMEOUT_MS, _require_chromium, chromium_context
from tests.browser.test_researcher_report import _sign_in
from tests.browser.watch import watch
from tests.conftest import _cast, app_settings
from tests.factories import stored_open_survey
from tests.paper import corpus
from tests.paper.test_scans import CLEAN, DEFINITION, _doubtful_page, tiff
from tests.serving import running_server

SHOTS = Path("/tmp/scanshots")
TYPED = "De koffie was koud"
WAITING_NOTE = "A mark is unclear or something is written."


def test_scans_uploaded_verified_and_reported(tmp_path, monkeypatch):
    _require_chromium()  # before anything else: a missing browser is a failure, not a skip
    # Three respondents are enough for the report to show their count (3 is the lowest k).
    with running_server(tmp_path, min_group_size="3") as server, chromium_context() as context:
        cast = _cast(server.data_dir)
        conn = db.connect(db.db_path(server.data_dir))
        try:
            survey_id = stored_open_survey(conn, DEFINITION)
            scan = tmp_path / "returned.tif"
            scan.write_bytes(_scanned_forms(server.data_dir, conn, survey_id, monkeypatch))
            _flow(server.base_url, context, cast["staff"], survey_id, scan)
            # What was decided is what is stored, beside the two forms read with certainty.
            stored = [
                json.loads(r[0])
                for r in conn.execute(
                    "SELECT answers FROM responses WHERE survey_id = ? AND mode = 'paper'",
                    (survey_id,),
                )
            ]
            assert len(stored) == 3
            assert {"visited": "yes", "channel": "friend", "why": TYPED} in stored
            left = conn.execute("SELECT count(*) FROM paper_scan_pages").fetchone()[0]
            assert left == 0
        finally:
            conn.close()


def _scanned_forms(data_dir: Path, conn, survey_id: int, monkeypatch) -> bytes:
    """Three anonymous forms, printed on the server's data directory, as one TIFF: two filled
    in clearly, then one with a doubtful mark and a written line."""
    for name in [n for n in os.environ if n.startswith("APPLIANCE_")]:
        monkeypatch.delenv(name)
    app = create_app(app_settings(data_dir))
    with app.test_request_context():
        row = surveys_service.get_survey(conn, survey_id)
        form = paper_service.printed_form(
            conn, row, "en", invited=False, facts=Facts("Bakkerij", 5, 6)
        )
        rng = random.Random(7)
        clear = [p.image for _ in range(2) for p in corpus.fill(form, {"products"}, rng, **CLEAN)]
        doubtful = _doubtful_page(form)
    assert form.pages == 1 and len(clear) == 2
    return tiff([*clear, doubtful])


def _flow(base: str, context: BrowserContext, staff, survey_id: int, scan: Path) -> None:
    problems = watch(context)
    page = context.new_page()
    _sign_in(page, base, staff)

    # 1. From the survey's page to its scans.
    page.goto(f"{base}/surveys/{survey_id}")
    expect(page.get_by_role("heading", name="Scan survey", level=1)).to_be_visible()
    page.get_by_role("link", name="Scans", exact=True).click()
    scans_url = f"{base}/surveys/{survey_id}/paper/scans"
    expect(page).to_have_url(scans_url)
    expect(page.get_by_role("heading", name="Scans of paper forms", level=1)).to_be_visible()
    expect(page.get_by_text("No scanned form is waiting.")).to_be_visible()

    # 2. The upload: two stored at once, one waiting.
    page.get_by_label("Scanned forms").set_input_files(scan)
    page.get_by_role("button", name="Upload and read").click()
    expect(page).to_have_url(scans_url)
    expect(page.locator(".flash.success")).to_have_text("Stored: 2. Waiting for verification: 1.")
    rows = page.locator("#scan-forms tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(WAITING_NOTE)
    verify_url = rows.get_by_role("link", name="Verify").get_attribute("href")
    assert verify_url and re.fullmatch(rf"/surveys/{survey_id}/paper/scans/[^/]+", verify_url)

    # The pages checked with axe and photographed, before the waiting form is gone.
    _axe_and_screenshots(context, [("1-scans", scans_url), ("2-verify", base + verify_url)])

    # 3. The waiting form: its crops load, a choice is made and the writing typed.
    rows.get_by_role("link", name="Verify").click()
    expect(page).to_have_url(base + verify_url)
    expect(page.get_by_role("heading", name="Verify a scanned form", level=1)).to_be_visible()
    expect(page.locator(".flash.warning")).to_have_text(WAITING_NOTE)
    crops = page.locator("img.ps-crop")
    expect(crops).to_have_count(2)  # the doubtful question's boxes, the written answer
    _expect_loaded(page, crops)
    doubt = page.get_by_role("group", name=re.compile("How did you find us"))
    expect(doubt.get_by_role("radio")).to_have_count(3)  # Website, Friends, no answer
    doubt.get_by_role("radio", name="Friends").check()
    page.get_by_role("textbox", name=re.compile("Remarks")).fill(TYPED)
    page.get_by_role("button", name="Confirm and store").click()

    # 4. Stored; nothing waits any more.
    expect(page).to_have_url(scans_url)
    expect(page.locator(".flash.success")).to_have_text("Form stored; its scan is deleted.")
    expect(page.locator("#scan-forms")).to_have_count(0)
    expect(page.get_by_text("No scanned form is waiting.")).to_be_visible()
    _screenshot(page, "3-scans-after")
    assert page.request.get(base + verify_url).status == 404

    # 5. The report counts three respondents once the background fold has added the last
    # (it runs within about a second of a store; the page is not live, so it is opened again).
    _until_counted(page, f"{base}/reports/{survey_id}", "3")

    page.goto(f"{base}/surveys/{survey_id}")
    expect(page.locator("p.hint").first).to_contain_text("3 responses")

    # 6. The typed text is on one of the three responses' pages.
    page.goto(f"{base}/surveys/{survey_id}/responses")
    expect(page.get_by_text("3 responses.", exact=False)).to_be_visible()
    links = page.get_by_role("link", name="Open", exact=True)
    expect(links).to_have_count(3)
    hrefs = [links.nth(i).get_attribute("href") for i in range(3)]
    with_text = []
    for href in hrefs:
        page.goto(base + href)
        if page.get_by_text(TYPED).count():
            with_text.append(href)
            expect(page.locator("main")).to_contain_text("Friends")
    assert len(with_text) == 1, with_text

    problems.assert_none()


def _until_counted(page: Page, url: str, figure: str, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while True:
        page.goto(url)
        expect(page.get_by_role("heading", name="Scan survey", level=1)).to_be_visible()
        shown = page.locator("#respondents .figure").inner_text().strip()
        if shown == figure or time.monotonic() > deadline:
            break
        page.wait_for_timeout(250)
    assert shown == figure


def _expect_loaded(page: Page, images) -> None:
    for i in range(images.count()):
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete", arg=image.element_handle())
        width = image.evaluate("img => img.naturalWidth")
        assert width > 0, image.get_attribute("src")


def _screenshot(page: Page, name: str, width: int = 1366) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)


def _axe_and_screenshots(signed_in: BrowserContext, pages: list[tuple[str, str]]) -> None:
    """axe on each page at 1366 and 390 px (injected, so this context bypasses the CSP; the
    CSP itself is watched in the signed-in context). The session is the signed-in one's."""
    assert signed_in.browser is not None
    found = {}
    for width in (1366, 390):
        context = signed_in.browser.new_context(
            locale="en-GB", viewport={"width": width, "height": 900}, bypass_csp=True
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        context.add_cookies(signed_in.cookies())
        page = context.new_page()
        for name, url in pages:
            page.goto(url)
            _expect_loaded(page, page.locator("img"))
            found[f"{name}-{width}"] = violations(page)
            _screenshot(page, name, width)
        context.close()
    assert all(not v for v in found.values()), found
