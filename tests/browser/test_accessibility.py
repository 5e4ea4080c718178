"""The respondent pages against WCAG 2.1 A/AA with axe-core (vendored), on a 360 px wide phone:
a survey page, the same page with errors, the thank-you page and the transparency page."""

from __future__ import annotations

import re
from pathlib import Path

from appliance import db
from appliance.auth.service import CLI
from appliance.surveys import service, store
from tests.browser.test_first_admin import CHROMIUM, CHROMIUM_ARGS, _require_chromium
from tests.serving import running_server

AXE = (Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page) -> list[str]:
    page.evaluate(AXE)
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in result["violations"]]


def test_respondent_pages_meet_wcag_aa_on_a_phone(tmp_path):
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with running_server(tmp_path) as server:
        conn = db.connect(db.db_path(server.data_dir))
        survey_id = service.create_from_template(conn, CLI, "employee_satisfaction")
        service.change_status(conn, CLI, survey_id, "open")
        token = store.get_survey(conn, survey_id)["link_token"]
        conn.close()
        url = f"{server.base_url}/s/{token}"
        found = {}
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            # axe is injected by the test, so the page's own CSP is bypassed for it alone.
            context = browser.new_context(viewport={"width": 360, "height": 780}, bypass_csp=True)
            page = context.new_page()
            page.goto(url)
            found["survey"] = violations(page)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.get_by_role("button").click()  # nothing answered: errors by the questions
            found["errors"] = violations(page)
            page.goto(f"{url}/privacy")
            found["privacy"] = violations(page)
            page.goto(url)
            for row in page.locator("table.matrix tbody tr").all():
                row.locator("input").nth(3).check()
            page.locator(".question", has_text=re.compile("rapportcijfer", re.I)).locator(
                "label.option"
            ).nth(7).click()
            page.get_by_role("button").click()
            found["thanks"] = violations(page)
            browser.close()
    assert found == {"survey": [], "errors": [], "privacy": [], "thanks": []}, found
