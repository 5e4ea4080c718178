"""The calling pages: the interviewer's start page, "Next call", the call screen and its
outcome form; who may open them; staff creating a telephone campaign and seeing its counts."""

from __future__ import annotations

import pytest

from appliance.interviews import calls_service
from appliance.mailing import service as mailing_service
from tests.conftest import Browser, Member
from tests.interviews.calls_world import TZ, CallWorld, calling_hours, local

NOW = local(10)


@pytest.fixture
def world(conn, data_dir, tmp_path, cast, monkeypatch):
    clock = calling_hours(monkeypatch, NOW)
    built = CallWorld(conn, data_dir, tmp_path, cast)
    built.clock = clock
    return built


@pytest.fixture
def ivo(app, cast) -> Browser:
    b = Browser(app)
    b.sign_in(cast["interviewer"])
    return b


def _next(browser, campaign_id):
    return browser.post(f"/interviews/campaigns/{campaign_id}/next")


def _taken(world, response) -> int:
    """The call "Next call" handed out: the page's address names no call, the hold does."""
    assert response.status_code == 302 and response.headers["Location"] == "/interviews/call"
    held = calls_service.held_call(world.conn, world.cast["interviewer"].id)
    assert held is not None
    return held


def test_the_start_page_lists_the_campaign_with_the_calls_left(world, ivo):
    world.campaign(name="Bellen december")
    page = ivo.get("/interviews/").get_data(as_text=True)
    assert "Bellen december" in page and "3 calls left" in page and "Next call" in page
    assert "Jansen" not in page and "+316" not in page


def test_next_call_leads_to_the_call_screen_with_the_contact_in_hand(world, ivo):
    campaign_id = world.campaign()
    response = _next(ivo, campaign_id)
    assert response.status_code == 302
    call_id = _taken(world, response)
    page = ivo.get("/interviews/call").get_data(as_text=True)
    held = calls_service.in_hand(world.conn, world.keys, world.cast["interviewer"].id, call_id)
    assert held.name in page and f'href="tel:{held.phone}"' in page
    assert "No answer (3.13)" in page and "Appointment (2.21)" in page
    assert 'data-key="1"' in page and "calls.js" in page
    assert "<script>" not in page  # no inline script (CSP)


def test_saving_an_outcome_goes_home_or_to_the_next_call(world, ivo):
    campaign_id = world.campaign()
    first = _taken(world, _next(ivo, campaign_id))
    saved = ivo.post("/interviews/call", {"call": first, "outcome": "no_answer", "then": "home"})
    assert saved.status_code == 302 and saved.headers["Location"] == "/interviews/"
    assert "Outcome saved." in ivo.get("/interviews/").get_data(as_text=True)
    second = _taken(world, _next(ivo, campaign_id))
    assert second != first
    onward = ivo.post("/interviews/call", {"call": second, "outcome": "busy", "then": "next"})
    third = _taken(world, onward)
    assert third not in (first, second)
    outcomes = {
        r["id"]: r["last_outcome"] for r in world.calls(campaign_id) if r["id"] in (first, second)
    }
    assert outcomes == {first: "no_answer", second: "busy"}


def test_an_appointment_is_made_with_the_form(world, ivo):
    campaign_id = world.campaign()
    call_id = _taken(world, _next(ivo, campaign_id))
    refused = ivo.post(
        "/interviews/call",
        {
            "call": call_id,
            "outcome": "appointment",
            "appointment_date": "2026-12-02",
            "appointment_time": "09:00",
        },
    )
    assert refused.status_code == 400
    assert "An appointment needs a date and time in the future." in refused.get_data(as_text=True)
    ivo.post(
        "/interviews/call",
        {
            "call": call_id,
            "outcome": "appointment",
            "appointment_date": "2026-12-02",
            "appointment_time": "15:30",
        },
    )
    row = world.conn.execute("SELECT * FROM calls WHERE id = ?", (call_id,)).fetchone()
    assert row["appointment_at"] == local(15, 30) and row["status"] == "open"


def test_nobody_to_call_sends_the_interviewer_home_with_the_next_appointment(world, ivo):
    campaign_id = world.campaign()
    for _ in range(3):
        call_id = _taken(world, _next(ivo, campaign_id))
        outcome = {"outcome": "appointment", "appointment_date": "2026-12-02"}
        ivo.post("/interviews/call", {"call": call_id, **outcome, "appointment_time": "16:00"})
    response = _next(ivo, campaign_id)
    assert response.headers["Location"] == "/interviews/"
    page = ivo.get("/interviews/").get_data(as_text=True)
    assert "No one to call right now. The next appointment is at" in page


def test_an_outcome_is_recorded_only_for_the_call_on_the_screen(world, ivo):
    """The form names its call: once the hold has moved on (the call was saved in another tab,
    and the next one taken), an outcome posted from the old screen is not recorded."""
    campaign_id = world.campaign()
    first = _taken(world, _next(ivo, campaign_id))
    ivo.post("/interviews/call", {"call": first, "outcome": "no_answer", "then": "next"})
    second = calls_service.held_call(world.conn, world.cast["interviewer"].id)
    stale = ivo.post("/interviews/call", {"call": first, "outcome": "refusal"})
    assert stale.headers["Location"] == "/interviews/"
    outcomes = {r["id"]: r["last_outcome"] for r in world.calls(campaign_id)}
    assert outcomes[first] == "no_answer" and outcomes[second] == "not_attempted"


def test_a_call_held_by_someone_else_is_not_found(world, app, ivo):
    campaign_id = world.campaign()
    call_id = _taken(world, _next(ivo, campaign_id))
    olga_id = world.interviewer("olga")
    olga = Browser(app)
    olga.sign_in(Member("olga", "interviewer", olga_id, None))
    # Olga holds no call: her call screen sends her to her start page, whatever she posts.
    assert olga.get("/interviews/call").headers["Location"] == "/interviews/"
    taken = olga.post("/interviews/call", {"call": call_id, "outcome": "refusal"})
    assert taken.headers["Location"] == "/interviews/"
    assert world.calls(campaign_id)[0]["last_outcome"] == "not_attempted"


def test_an_interviewer_not_assigned_to_the_survey_finds_no_campaign(world, app):
    campaign_id = world.campaign()
    stan_id = world.conn.execute(
        "INSERT INTO users (username, role, password_hash, password_changed_at, created_at)"
        " VALUES ('stan', 'interviewer', '-', '2026-01-01', '2026-01-01') RETURNING id"
    ).fetchone()[0]
    stan = Browser(app)
    stan.sign_in(Member("stan", "interviewer", stan_id, None))
    assert _next(stan, campaign_id).status_code == 404
    assert "Bellen" not in stan.get("/interviews/").get_data(as_text=True)


@pytest.mark.parametrize("role", ["staff", "researcher", "admin"])
def test_other_roles_are_refused_the_calling_pages(world, as_role, role):
    campaign_id = world.campaign()
    b = as_role(role)
    assert b.get("/interviews/").status_code == 403
    assert _next(b, campaign_id).status_code == 403
    assert b.get("/interviews/call").status_code == 403


def test_staff_create_a_telephone_campaign_on_the_campaign_page(world, as_role):
    staff = as_role("staff")
    form = {
        "name": "Telefonisch",
        "survey_id": world.survey_id,
        "list_id": world.imports.list_id(),
        "channel": "phone",
        "template_id": world.template_id(),
        "reminder_template_id": 0,
        "when": "now",
        "reminders": 1,
        "reminder_days": 7,
        "max_attempts": 4,
        "day_parts": ["1", "4"],
        "min_gap_hours": 3,
        "grace_minutes": 10,
    }
    counted = staff.post("/mailing/new", {**form, "action": "check"}).get_data(as_text=True)
    assert "Skipped, no usable telephone number: 2" in counted
    confirm = staff.post("/mailing/new", {**form, "action": "create"}).get_data(as_text=True)
    assert "Call 3 contacts by telephone?" in confirm
    assert '<input type="hidden" name="day_parts" value="4">' in confirm
    created = staff.post("/mailing/new", {**form, "action": "confirm", "confirmed": 3})
    assert created.status_code == 302, created.get_data(as_text=True)[:2000]
    campaign_id = int(created.headers["Location"].rsplit("/", 1)[1])
    row = world.conn.execute(
        "SELECT * FROM phone_settings WHERE campaign_id = ?", (campaign_id,)
    ).fetchone()
    assert (row["max_attempts"], row["day_parts"], row["min_gap_hours"], row["grace_minutes"]) == (
        4,
        5,
        3,
        10,
    )
    campaign = mailing_service.get_campaign(world.conn, campaign_id)
    assert (campaign["reminders"], campaign["status"]) == (0, "active")
    assert len(world.calls(campaign_id)) == 3


def test_staff_see_counts_per_outcome_and_never_a_name_or_number(world, as_role, cast):
    campaign_id = world.campaign()
    ivo_id = cast["interviewer"].id
    call_id = calls_service.next_call(world.conn, world.keys, ivo_id, campaign_id, NOW, tz=TZ)
    calls_service.record(world.conn, world.keys, ivo_id, call_id, "busy", now=NOW, tz=TZ)
    page = as_role("staff").get(f"/mailing/{campaign_id}").get_data(as_text=True)
    assert "Busy" in page and "3.12" in page and "Not yet called" in page
    assert "Still to call" in page and "no usable telephone number: 2" in page
    for private in ("Jansen", "Vries", "Smith", "+31", "0612345678"):
        assert private not in page


def test_the_list_of_campaigns_shows_a_telephone_campaign_as_running(world, as_role):
    world.campaign(name="Bellen december")
    page = as_role("staff").get("/mailing/").get_data(as_text=True)
    row = page[page.index("Bellen december") :].split("</tr>")[0]
    assert "running" in row and "3 to call" in row and "all sent" not in row


def test_a_call_held_when_the_assignment_is_removed_is_no_longer_shown(world, ivo):
    """Removing an assignment takes effect on the next request: the call still held for that
    survey shows no contact, and takes no outcome."""
    campaign_id = world.campaign()
    call_id = _taken(world, _next(ivo, campaign_id))
    held = calls_service.in_hand(world.conn, world.keys, world.cast["interviewer"].id, call_id)
    world.conn.execute(
        "DELETE FROM researcher_grants WHERE user_id = ?", (world.cast["interviewer"].id,)
    )
    page = ivo.get("/interviews/call")
    assert page.status_code == 302 and page.headers["Location"] == "/interviews/"
    assert held.name not in page.get_data(as_text=True)
    interview = ivo.get("/interviews/call/interview")
    assert interview.status_code == 302 and held.name not in interview.get_data(as_text=True)
    posted = ivo.post("/interviews/call", {"call": call_id, "outcome": "refusal"})
    assert posted.headers["Location"] == "/interviews/"
    assert world.calls(campaign_id)[0]["last_outcome"] == "not_attempted"
