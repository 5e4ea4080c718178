"""End to end in a real browser: staff type in a returned paper form with the keyboard alone.

The code (typed as printed, then Enter), the answers (digits, letters, ``j``, Enter from question
to question; a question routed past is hidden as the answers are typed, and Backspace corrects),
the summary confirmed with Enter, and back at the code field for the next form with the day's
count. The response is then in the database as a ``paper`` response and the invitation is used.
No page logs a console error or breaks the Content Security Policy, and every page passes axe
(WCAG 2.1 AA). Screenshots at 1366 and 390 px, in Dutch and English, go to /tmp/paperentry/.
Runs ``appliance serve`` and Debian's chromium like ``test_first_admin.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from appliance import db
from tests.browser.test_accessibility import violations
from tests.browser.test_first_admin import (
    UI_TIMEOUT_MS,
    _require_chromium,
    chromium_context,
)
from tests.browser.test_researcher_report import _sign_in
from tests.browser.watch import watch
from tests.conftest import _cast
from tests.paper.entry_helpers import coded_invitation, survey
from tests.serving import running_server

SHOTS = Path("/tmp/paperentry")


def test_a_paper_form_typed_by_keyboard_alone(tmp_path):
    _require_chromium()  # before anything else: a missing browser is a failure, not a skip
    with running_server(tmp_path) as server, chromium_context() as context:
        cast = _cast(server.data_dir)
        conn = db.connect(db.db_path(server.data_dir))
        survey_id = survey(conn)
        code, invitation_id = coded_invitation(conn, server.data_dir, survey_id)
        base, entry = server.base_url, f"{server.base_url}/surveys/{survey_id}/paper/entry"
        problems = watch(context)
        page = context.new_page()
        _sign_in(page, base, cast["staff"])
        page.goto(entry)

        # 1. The code, as printed, straight into the focused field; Enter.
        expect(page.locator("#code")).to_be_focused()
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Answers of the form")).to_be_visible()
        assert violations(page) == []

        # 2. The answers. A low score shows the follow-up question; a high one hides it.
        nps, why = page.locator("#i-k-nps"), page.locator("#i-k-why")
        expect(nps).to_be_focused()
        expect(why).to_be_hidden()
        page.keyboard.type("3")
        expect(why).to_be_visible()
        page.keyboard.press("Backspace")
        page.keyboard.type("9")
        expect(why).to_be_hidden()
        # The second page's questions apply only after a "yes" to "been before".
        expect(page.locator("#i-k-again")).to_be_hidden()
        for keys in ("Enter", "j", "Enter", "b", "Enter", "ac", "Enter", "4", "Enter"):
            if keys == "Enter":
                page.keyboard.press("Enter")
            else:
                page.keyboard.type(keys)
        expect(page.locator("#i-k-remark")).to_be_focused()
        # What a letter stands for is shown beside it.
        expect(page.locator("#i-k-channel ~ .pe-echo")).to_have_text("Vrienden")
        page.keyboard.type("Vriendelijk personeel")
        page.keyboard.press("Enter")
        expect(page.locator("#pe-check")).to_be_focused()
        page.keyboard.press("Enter")

        # 3. The summary, confirmed with Enter.
        expect(page.get_by_role("heading", name="Check and confirm")).to_be_visible()
        summary = page.locator(".pe-summary")
        for shown in ("Vrienden", "Brood, Koffie", "Vriendelijk personeel"):
            expect(summary).to_contain_text(shown)
        assert violations(page) == []
        expect(page.locator("#pe-confirm")).to_be_focused()
        page.keyboard.press("Enter")

        # Back at the code for the next form, with the day's count.
        expect(page.locator(".flash.success")).to_have_text("Form stored.")
        expect(page.locator(".pe-count")).to_have_text("Entered today: 1")
        expect(page.locator("#code")).to_be_focused()
        (stored,) = conn.execute(
            "SELECT mode, duration_s, answers FROM responses WHERE survey_id = ?", (survey_id,)
        ).fetchall()
        assert stored[0] == "paper" and stored[1] is None
        assert json.loads(stored[2]) == {
            "nps": "9",
            "visited": "yes",
            "channel": "friend",
            "products": ["bread", "coffee"],
            "again": "4",
            "remark": "Vriendelijk personeel",
        }
        used = conn.execute("SELECT used FROM invitations WHERE id = ?", (invitation_id,))
        assert used.fetchone()[0] == 1
        problems.assert_none()
        _screenshots(context, entry, conn, cast["staff"].id)
        conn.close()


def _screenshots(signed_in: BrowserContext, entry: str, conn, user_id: int) -> None:
    """Each step at 1366 and 390 px in both languages, each checked with axe (injected, so the
    context bypasses the CSP; the CSP itself is checked in the flow above). The session is
    the signed-in context's: a TOTP code counts once per 30 seconds."""
    SHOTS.mkdir(exist_ok=True)
    assert signed_in.browser is not None
    for language in ("nl", "en"):
        conn.execute("UPDATE users SET language = ? WHERE id = ?", (language, user_id))
        conn.commit()
        for width in (1366, 390):
            context = signed_in.browser.new_context(
                viewport={"width": width, "height": 900}, bypass_csp=True
            )
            context.set_default_timeout(UI_TIMEOUT_MS)
            context.add_cookies(signed_in.cookies())
            _shoot(context.new_page(), entry, f"{language}-{width}")
            context.close()


def _shoot(page: Page, entry: str, name: str) -> None:
    page.goto(entry)
    assert violations(page) == [], name
    page.screenshot(path=SHOTS / f"{name}-1-code.png", full_page=True)
    page.locator("button[name=anonymous]").click()
    page.locator("#i-k-nps").wait_for()
    page.keyboard.type("5")
    for keys in ("Enter", "Te lang gewacht", "Enter", "j", "Enter", "x", "Enter"):
        page.keyboard.press(keys) if keys == "Enter" else page.keyboard.type(keys)
    assert violations(page) == [], name
    page.screenshot(path=SHOTS / f"{name}-2-answers.png", full_page=True)
    page.locator("#i-k-channel").fill("a")
    page.locator("#pe-check").click()
    page.locator("#pe-confirm").wait_for()
    assert violations(page) == [], name
    page.screenshot(path=SHOTS / f"{name}-3-summary.png", full_page=True)
