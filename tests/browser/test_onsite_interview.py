"""End to end in a real browser: a face-to-face interview on a tablet whose Wi-Fi drops.

The interviewer chooses the location, reads the consent line, types the answers by keyboard
(routing shown live), confirms the summary while offline: the interview waits on the device
("1 interview waiting to be sent") and nothing is stored. Back online, it is sent by itself and
the device keeps nothing of it. The next interview starts without a reload, and a reload
remembers the location. No console error (other than the failed request while offline), no
CSP violation, and the steps pass axe. Runs ``appliance serve`` and Debian's chromium.
"""

from __future__ import annotations

import json

from playwright.sync_api import expect

from appliance import db
from appliance.auth.service import CLI
from appliance.interviews import setup_service
from tests.browser.test_accessibility import violations
from tests.browser.test_first_admin import _require_chromium, chromium_context
from tests.browser.test_researcher_report import _sign_in
from tests.browser.watch import watch
from tests.conftest import _cast
from tests.factories import grant, nps_with_follow_up, open_survey
from tests.serving import running_server

DEFINITION = {
    "languages": ["en"],
    "title": {"en": "Shop survey"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {**nps_with_follow_up()[0], "read_out": {"en": "From nought to ten: would you"}},
                nps_with_follow_up()[1],
                {
                    "id": "clean",
                    "type": "single",
                    "text": {"en": "Was the shop clean?"},
                    "choices": [
                        {"value": "yes", "label": {"en": "Spotless"}},
                        {"value": "no", "label": {"en": "Not really"}},
                    ],
                },
            ],
        }
    ],
}
WAITING = "interviews-pending:"


def test_an_interview_confirmed_offline_is_sent_when_the_connection_is_back(tmp_path):
    _require_chromium()
    with running_server(tmp_path) as server, chromium_context() as context:
        cast = _cast(server.data_dir)
        conn = db.connect(db.db_path(server.data_dir))
        survey_id = open_survey(conn, DEFINITION)
        grant(conn, cast["interviewer"], survey_id)
        setup_service.add_location(conn, CLI, survey_id, "Station Zwolle")
        setup_service.add_location(conn, CLI, survey_id, "Shop Deventer")
        setup_service.save_scripts(
            conn,
            CLI,
            survey_id,
            {"en": setup_service.Script("", "Thank you, goodbye!", "May I ask a few questions?")},
        )
        conn.commit()
        problems = watch(context)
        page = context.new_page()
        _sign_in(page, server.base_url, cast["interviewer"])
        url = f"{server.base_url}/interviews/onsite/{survey_id}"
        page.goto(url)

        # Location, then the consent line.
        page.get_by_label("Where are you interviewing?").select_option(label="Shop Deventer")
        assert violations(page) == []
        page.get_by_role("button", name="Start an interview").click()
        expect(page.get_by_text("May I ask a few questions?")).to_be_visible()
        page.get_by_role("button", name="Agreed: start the questions").click()

        # The questions by keyboard; a low score shows the follow-up.
        expect(page.get_by_text("From nought to ten: would you")).to_be_visible()
        expect(page.locator("#i-k-nps")).to_be_focused()
        expect(page.locator("#i-k-why")).to_be_hidden()
        page.keyboard.type("3")
        expect(page.locator("#i-k-why")).to_be_visible()
        for keys in ("Enter", "Too busy", "Enter", "a", "Enter", "Enter"):
            page.keyboard.press(keys) if keys == "Enter" else page.keyboard.type(keys)
        summary = page.locator("#iv-summary-rows")
        for shown in ("Too busy", "Spotless", "3"):
            expect(summary).to_contain_text(shown)
        assert violations(page) == []
        page.evaluate("window.sameDocument = true")

        # Confirmed with the Wi-Fi down: kept on the device, nothing stored.
        context.set_offline(True)
        page.get_by_role("button", name="Confirm and send").click()
        expect(page.get_by_text("Thank you, goodbye!")).to_be_visible()
        expect(page.locator("#iv-pending")).to_have_text("1 interview waiting to be sent")
        assert _count(conn, survey_id) == 0
        assert len(_waiting(page)) == 1

        # Back online: sent by itself, and the device keeps nothing of it.
        context.set_offline(False)
        expect(page.locator("#iv-pending")).to_have_text("", timeout=40_000)
        assert _count(conn, survey_id) == 1
        (segments, answers, mode) = conn.execute(
            "SELECT segments, answers, mode FROM responses WHERE survey_id = ?", (survey_id,)
        ).fetchone()
        assert mode == "onsite" and json.loads(segments) == {"location": "Shop Deventer"}
        assert json.loads(answers) == {"nps": "3", "why": "Too busy", "clean": "yes"}
        assert _waiting(page) == []
        # All the tablet keeps is where it stands: no answer, no key.
        kept = page.evaluate("Object.keys(localStorage)")
        assert kept == [f"interviews-location:{survey_id}"], kept

        # The next interview, without a reload; a reload remembers the location.
        page.get_by_role("button", name="Next interview").click()
        expect(page.get_by_role("button", name="Agreed: start the questions")).to_be_visible()
        assert page.evaluate("window.sameDocument") is True
        page.get_by_role("button", name="Agreed: start the questions").click()
        expect(page.locator("#i-k-nps")).to_have_value("")
        page.goto(url)
        expect(page.get_by_label("Where are you interviewing?")).to_have_value(
            str(setup_service.locations(conn, survey_id)[0]["id"])  # Shop Deventer, by name
        )
        # The one request that failed while offline is the only console error.
        problems.console_errors = [
            e for e in problems.console_errors if "ERR_INTERNET_DISCONNECTED" not in e
        ]
        problems.assert_none()
        conn.close()


def _count(conn, survey_id: int) -> int:
    return conn.execute(
        "SELECT count(*) FROM responses WHERE survey_id = ?", (survey_id,)
    ).fetchone()[0]


def _waiting(page) -> list[str]:
    """The interviews waiting on the device (one entry each)."""
    keys = page.evaluate("Object.keys(localStorage)")
    return [k for k in keys if k.startswith(WAITING)]
