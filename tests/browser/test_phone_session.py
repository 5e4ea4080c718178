"""End to end in a real browser: an interviewer's telephone session, from "Next call" to the
appointment that comes back.

Seeded in the running server's data directory: a survey with routing (Q2 only after "yes" to
Q1) and a script, assigned to the interviewer; four contacts with telephone numbers imported
through the real importer; a telephone campaign built through the mailing service as the staff
page does. The interviewer then, in chromium: gets a call (the screen shows that contact alone),
records "No answer" and gets the next, makes an appointment, interviews the third contact by
keyboard (the introduction with their salutation, the read-out wording, routing, summary,
closing; one ``phone`` response linked to nobody, the call complete), records a refusal with
"do not call again" (the number goes on the "do not call" list), is told nobody can be called
while the appointment is not due, and gets the appointment back once it is. No console error or
CSP violation; the home page, the call screen and the interview's pages pass axe (WCAG 2.1 AA)
and do not scroll sideways at 390 px. Screenshots at 1366 and 390 px go to /tmp/phoneshots/.

Calls are handed out only in the parts of the day (9-21 local time): the server runs in a fixed
UTC offset chosen so that its local time is between 14:00 and 15:00 whenever the test runs.
Appointments are made for a time in the future (the form refuses others) and then moved into
the past in the database, as the clock would.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from appliance import db
from appliance.auth.service import CLI
from appliance.contacts.mapping import suggest
from appliance.interviews import setup_service
from appliance.interviews.phone_campaign import PhoneRules
from appliance.keys import load as load_keys
from appliance.mailing import service as mailing_service
from appliance.mailing import store as mail_store
from appliance.privacy import suppression
from tests.browser.test_accessibility import violations
from tests.browser.test_first_admin import _require_chromium, chromium_context
from tests.browser.test_researcher_report import _sign_in
from tests.browser.watch import watch
from tests.conftest import _cast
from tests.contacts.conftest import Importer
from tests.factories import grant, open_survey
from tests.serving import running_server

SHOTS = Path("/tmp/phoneshots")
WIDTHS = (1366, 390)
DEFINITION = {
    "languages": ["en"],
    "title": {"en": "Service desk survey"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {
                    "id": "contacted",
                    "type": "yesno",
                    "required": True,
                    "text": {"en": "Did you contact our service desk this year?"},
                    "read_out": {"en": "Have you been in touch with our service desk this year?"},
                },
                {
                    "id": "desk",
                    "type": "rating",
                    "show_if": {"question": "contacted", "in": ["yes"]},
                    "text": {"en": "How satisfied were you with the service desk?"},
                    "read_out": {"en": "From one to five: how satisfied were you with the desk?"},
                },
                {
                    "id": "grade",
                    "type": "grade",
                    "text": {"en": "What grade do you give us?"},
                    "read_out": {"en": "From one to ten: what grade would you give us?"},
                },
                {
                    "id": "remarks",
                    "type": "text_long",
                    "text": {"en": "Anything else?"},
                    "read_out": {"en": "Is there anything else you would like to tell us?"},
                },
            ],
        }
    ],
}
INTRO = "Good afternoon {salutation}, this is the customer service of the Bol bakery."
CLOSING = "Thank you for your time, goodbye!"
CONTACTS = (
    "E-mailadres;Voornaam;Tussenvoegsel;Achternaam;Geslacht;Telefoon;Taal\n"
    "jan@example.nl;Jan;;Jansen;man;06 12345678;en\n"
    "els@example.nl;Els;de;Vries;vrouw;+31 38 123 4567;en\n"
    "sam@example.nl;Sam;;Smith;man;+44 20 7946 0958;en\n"
    "noor@example.nl;Noor;;Bakker;vrouw;020 123 4567;en\n"
)
# What the call screen shows of each: (salutation, name, number in E.164).
PEOPLE = [
    ("Mr Jansen", "Jan Jansen", "+31612345678"),
    ("Ms De Vries", "Els de Vries", "+31381234567"),
    ("Mr Smith", "Sam Smith", "+442079460958"),
    ("Ms Bakker", "Noor Bakker", "+31201234567"),
]


def _afternoon_zone() -> str:
    """A fixed-offset zone in which it is now between 14:00 and 15:00."""
    offset = 14 - datetime.now(UTC).hour  # from -9 to +14, all of which exist
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT-{offset}" if offset > 0 else f"Etc/GMT+{-offset}"  # the sign is POSIX's


def test_a_telephone_session(tmp_path):
    _require_chromium()  # before anything else: a missing browser is a failure, not a skip
    zone = _afternoon_zone()
    with (
        running_server(tmp_path, timezone=zone) as server,
        chromium_context() as context,
    ):
        cast = _cast(server.data_dir)
        conn = db.connect(db.db_path(server.data_dir))
        try:
            _seed(conn, server.data_dir, tmp_path, cast)
            _session(server.base_url, context, conn, server.data_dir, cast, ZoneInfo(zone))
        finally:
            conn.close()


def _seed(conn, data_dir, tmp_path, cast) -> None:
    survey_id = open_survey(conn, DEFINITION)
    grant(conn, cast["interviewer"], survey_id)
    conn.commit()
    setup_service.save_scripts(
        conn, CLI, survey_id, {"en": setup_service.Script(INTRO, CLOSING, "")}
    )
    imports = Importer(conn, data_dir, tmp_path)
    imports.run(CONTACTS.encode(), targets=suggest(CONTACTS.splitlines()[0].split(";")))
    template_id = next(
        r["id"] for r in mail_store.list_templates(conn) if r["name"] == "Uitnodiging / Invitation"
    )
    plan = mailing_service.Plan(
        name="Calling round",
        survey_id=survey_id,
        list_id=imports.list_id(),
        template_id=template_id,
        reminder_template_id=None,
        send_at=time.time() - 60,
        reminders=0,
        reminder_days=7,
        segment_filter={},
        channel="phone",
        phone=PhoneRules(min_gap_hours=2),
    )
    _, selection = mailing_service.create(conn, CLI, plan, load_keys(data_dir))
    assert len(selection.contact_ids) == len(PEOPLE)


def _session(base, context, conn, data_dir, cast, tz) -> None:
    problems = watch(context)
    page = context.new_page()
    _sign_in(page, base, cast["interviewer"])
    hasher = load_keys(data_dir).hasher()

    # 1. Home: the campaign with its four calls; "Next call" gives one contact, alone.
    page.goto(f"{base}/interviews/")
    expect(page.get_by_role("heading", name="Interviews", level=1)).to_be_visible()
    card = page.locator(".iv-choices li", has_text="Service desk survey")
    expect(card).to_contain_text("Calling round · 4 calls left")
    _look(page, "1-home")
    card.get_by_role("button", name="Next call").click()
    first = _in_hand(page, base)
    _look(page, "2-call")

    # 2. No answer, by its number key; saved, and straight on to the next contact.
    page.keyboard.press("6")
    expect(page.get_by_role("radio", name="No answer (3.13)")).to_be_checked()
    expect(page.locator("#appointment")).to_be_hidden()
    page.get_by_role("button", name="Save and next call").click()
    expect(page.locator(".flash.success")).to_have_text("Outcome saved.")
    second = _in_hand(page, base)
    assert second.person != first.person

    # 3. An appointment half an hour from now (the form takes only a time in the future).
    page.get_by_role("radio", name="Appointment (2.21)").check()
    expect(page.locator("#appointment")).to_be_visible()
    later = datetime.now(tz) + timedelta(minutes=30)
    page.get_by_label("Appointment: date").fill(later.strftime("%Y-%m-%d"))
    page.get_by_label("Appointment: time").fill(later.strftime("%H:%M"))
    _look(page, "3-appointment")
    page.get_by_role("button", name="Save and next call").click()
    expect(page.locator(".flash.success")).to_have_text("Outcome saved.")
    appointment = _call(conn, second.call_id)
    assert appointment["status"] == "open" and appointment["last_outcome"] == "appointment"
    assert appointment["appointment_by"] == cast["interviewer"].id
    assert appointment["appointment_at"] == later.replace(second=0, microsecond=0).timestamp()
    third = _in_hand(page, base)
    assert third.person not in (first.person, second.person)

    # 4. The interview of the third contact, by keyboard; "no" skips Q2.
    page.get_by_role("link", name="Start interview").click()
    expect(page.get_by_role("heading", name="Interview", level=1)).to_be_visible()
    _nobody_else(page, third.person)
    expect(page.locator(".iv-script")).to_contain_text(
        INTRO.replace("{salutation}", third.person[0])
    )
    for question in DEFINITION["pages"][0]["questions"]:
        expect(page.get_by_text(question["read_out"]["en"])).to_be_attached()
    expect(page.locator(".iv-written").first).to_have_text(
        "Did you contact our service desk this year?"
    )
    expect(page.locator("#i-k-contacted")).to_be_focused()
    expect(page.locator("#i-k-desk")).to_be_hidden()  # until Q1 is answered "yes"
    page.keyboard.type("y")
    expect(page.locator("#i-k-desk")).to_be_visible()
    _look(page, "4-interview")
    page.keyboard.press("Backspace")
    page.keyboard.type("n")
    expect(page.locator("#i-k-desk")).to_be_hidden()
    page.keyboard.press("Enter")
    expect(page.locator("#i-k-grade")).to_be_focused()
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    expect(page.locator("#i-k-remarks")).to_be_focused()
    page.keyboard.type("Friendly staff")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Check the answers")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Check and confirm", level=1)).to_be_visible()
    rows = page.locator("table.pe-summary tbody tr")
    expect(rows).to_have_count(3)
    for shown in ("no", "8", "Friendly staff"):
        expect(page.locator("table.pe-summary")).to_contain_text(shown)
    expect(page.locator("table.pe-summary")).not_to_contain_text("service desk?")
    expect(page.get_by_text(CLOSING)).to_be_visible()
    expect(page.get_by_role("button", name="Confirm and store")).to_be_focused()
    _look(page, "5-summary")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Interview finished", level=1)).to_be_visible()
    expect(page.locator(".flash.success")).to_have_text("The interview is stored.")
    expect(page.locator(".iv-script .iv-read")).to_have_text(CLOSING)
    _look(page, "6-done")
    _assert_one_phone_response(conn, third.call_id)

    # 5. The fourth contact refuses and asks not to be called again.
    # "Next call" on the closing page goes straight to the next contact of the campaign; the
    # list left: the one not answered, the appointment (neither due yet) and the fourth.
    assert _open_calls(conn) == 3
    page.get_by_role("button", name="Next call").click()
    fourth = _in_hand(page, base)
    assert fourth.person not in (first.person, second.person, third.person)
    assert not suppression.suppressed(conn, [suppression.phone_hash(hasher, fourth.person[2])])
    page.get_by_role("radio", name="Refusal (2.11)").check()
    page.get_by_label("Do not call this number again").check()
    _look(page, "7-refusal")
    page.get_by_role("button", name="Save and next call").click()
    expect(page.locator(".flash.success")).to_have_text("Outcome saved.")
    refused = _call(conn, fourth.call_id)
    assert (refused["status"], refused["last_outcome"]) == ("closed", "refusal")
    assert suppression.suppressed(conn, [suppression.phone_hash(hasher, fourth.person[2])])
    # The first is not due for two hours, the appointment not for half an hour.
    expect(page).to_have_url(f"{base}/interviews/")
    expect(page.locator(".flash.warning")).to_have_text(
        re.compile(r"^No one to call right now\. The next appointment is at .+\.$")
    )
    _look(page, "8-nobody")

    # 6. At its time, the appointment comes back to this interviewer.
    with db.transaction(conn):
        conn.execute(
            "UPDATE calls SET appointment_at = ? WHERE id = ?",
            (time.time() - 60, second.call_id),
        )
    card.get_by_role("button", name="Next call").click()
    back = _in_hand(page, base)
    assert (back.call_id, back.person) == (second.call_id, second.person)
    expect(page.locator("dl.facts")).to_contain_text("They asked to be called at")
    expect(page.locator("dl.facts")).to_contain_text("Attempt")
    _look(page, "9-appointment-back")

    problems.assert_none()


class Held:
    def __init__(self, call_id: int, person: tuple[str, str, str]):
        self.call_id, self.person = call_id, person


def _in_hand(page: Page, base: str) -> Held:
    """The call on the screen: its id, and the one contact it shows (no one else's name or
    number anywhere in the page)."""
    expect(page).to_have_url(f"{base}/interviews/call")
    expect(page.get_by_role("heading", name="Call", level=1)).to_be_visible()
    # The address names no call (a proxy's log would date each call's interview): the form does.
    call_id = int(page.locator("#outcome-form input[name=call]").get_attribute("value"))
    # Dialled as E.164, shown grouped for reading out (+31 6 12345678).
    number = page.locator("a.call-number").get_attribute("href").removeprefix("tel:")
    (person,) = [p for p in PEOPLE if p[2] == number]
    spoken = page.locator("a.call-number").inner_text()
    assert spoken.startswith("+") and " " in spoken and spoken.replace(" ", "") == number
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text(person[0])
    expect(facts).to_contain_text(person[1])
    _nobody_else(page, person)
    return Held(call_id, person)


def _nobody_else(page: Page, person: tuple[str, str, str]) -> None:
    """No one's name or number but ``person``'s anywhere in the page."""
    html = page.content()
    for other in PEOPLE:
        if other != person:
            for shown in (other[1], other[1].split()[-1], other[2]):
                assert shown not in html, (shown, "of someone else on", page.url)


def _call(conn, call_id: int):
    return conn.execute("SELECT * FROM calls WHERE id = ?", (call_id,)).fetchone()


def _assert_one_phone_response(conn, call_id: int) -> None:
    """One response, mode phone, linked to no contact, invitation, call or interviewer; routing
    honoured; the call complete."""
    responses = conn.execute("SELECT * FROM responses").fetchall()
    assert len(responses) == 1
    (response,) = responses
    assert response["mode"] == "phone"
    assert json.loads(response["answers"]) == {
        "contacted": "no",
        "grade": "8",
        "remarks": "Friendly staff",
    }
    columns = {r[1] for r in conn.execute("PRAGMA table_info(responses)")}
    assert not {c for c in columns if re.search("contact|invitation|call|user|interviewer", c)}
    text = " ".join(str(v) for v in response)
    for person in PEOPLE:
        for part in (person[1].split()[0], person[1].split()[-1], person[2]):
            assert part not in text
    call = _call(conn, call_id)
    assert (call["status"], call["last_outcome"]) == ("closed", "complete")
    assert call["held_by"] is None


def _look(page: Page, step: str) -> None:
    """Screenshots at each width, no sideways scrolling at 390 px, and axe (WCAG 2.1 AA)."""
    SHOTS.mkdir(exist_ok=True)
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SHOTS / f"{step}-{width}.png", full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, f"{step} scrolls sideways at {width} px ({scroll})"
        found[width] = violations(page)
    page.set_viewport_size({"width": 1366, "height": 900})
    assert found == {w: [] for w in WIDTHS}, (step, found)


def _open_calls(conn) -> int:
    return conn.execute("SELECT count(*) FROM calls WHERE status = 'open'").fetchone()[0]
