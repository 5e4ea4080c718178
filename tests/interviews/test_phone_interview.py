"""The telephone interview screen: the call in hand only, the introduction with the contact's
salutation, the read-out texts, routing, one ``phone`` response linked to nobody with the call
marked complete, and a break-off kept or not by the survey's rule."""

from __future__ import annotations

import json
import re
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from appliance.auth.service import CLI
from appliance.interviews import calls_service, setup_service
from appliance.surveys import service as surveys_service
from appliance.surveys import store as surveys_store
from tests.conftest import Browser, Member
from tests.factories import LOW_SCORES
from tests.interviews.calls_world import CONTACTS, TZ, CallWorld, local

QUESTIONS = [
    {
        "id": "nps",
        "type": "nps",
        "required": True,
        "text": {"nl": "Hoe waarschijnlijk …?", "en": "How likely …?"},
        "read_out": {"nl": "Op een schaal van nul tot tien: hoe waarschijnlijk …?", "en": ""},
    },
    {
        "id": "why",
        "type": "text_long",
        "show_if": {"question": "nps", "in": LOW_SCORES},
        "text": {"nl": "Wat kan beter?", "en": "What could be better?"},
    },
    {"id": "again", "type": "yesno", "text": {"nl": "Weer bij ons?", "en": "Again?"}},
    {"id": "staff", "type": "grade", "text": {"nl": "Cijfer personeel", "en": "Grade staff"}},
]


@pytest.fixture
def world(conn, data_dir, tmp_path, cast):
    # Dutch speakers only: whichever is handed out first is interviewed in Dutch.
    dutch = "".join(line for line in CONTACTS.splitlines(True) if not line.startswith("sam@"))
    world = CallWorld(conn, data_dir, tmp_path, cast, contacts=dutch)
    row = surveys_store.get_survey(conn, world.survey_id)
    data = surveys_store.definition_of(row).to_json()
    data["pages"] = [{"id": "main", "questions": QUESTIONS}]
    surveys_service.update_definition(conn, CLI, world.survey_id, data)
    setup_service.save_scripts(
        conn,
        CLI,
        world.survey_id,
        {
            "nl": setup_service.Script(
                "Goedemiddag {salutation}, u spreekt met de klantenservice.", "Tot ziens!", ""
            )
        },
    )
    world.campaign_id = world.campaign()
    return world


@pytest.fixture
def call_id(world, cast):
    found = calls_service.next_call(
        world.conn, world.keys, cast["interviewer"].id, world.campaign_id, local(10), tz=TZ
    )
    assert found is not None
    return found


def _url(call_id):
    return "/interviews/call/interview"  # the call in hand: never named in the address


def _state(page: str) -> str:
    return re.search(r'name="state" value="([^"]+)"', page).group(1)


def _post(browser, call_id, state, step, **typed):
    return browser.post(
        _url(call_id), {"state": state, "step": step, **{f"k-{q}": v for q, v in typed.items()}}
    )


def _responses(conn, survey_id):
    return conn.execute("SELECT * FROM responses WHERE survey_id = ?", (survey_id,)).fetchall()


def _call(conn, call_id):
    return conn.execute("SELECT * FROM calls WHERE id = ?", (call_id,)).fetchone()


def test_the_interview_opens_with_the_salutation_and_the_read_out_text(as_role, world, call_id):
    page = as_role("interviewer").get(_url(call_id)).get_data(as_text=True)
    hand = calls_service.in_hand(world.conn, world.keys, world.cast["interviewer"].id, call_id)
    assert hand.salutation and f"Goedemiddag {hand.salutation}, u spreekt" in page
    assert "Op een schaal van nul tot tien" in page
    assert "Hoe waarschijnlijk …?" in page  # the written question beneath, for reference
    assert "paper-entry.js" in page and "<script>" not in page


def test_a_confirmed_interview_is_one_phone_response_linked_to_nobody(
    as_role, world, call_id, conn
):
    ivo = as_role("interviewer")
    state = _state(ivo.get(_url(call_id)).get_data(as_text=True))
    # 9 skips "why": what was typed there is not kept (routing as online).
    summary = _post(ivo, call_id, state, "check", nps="9", why="Niets", again="j", staff="8")
    assert summary.status_code == 200
    assert "Tot ziens!" in summary.get_data(as_text=True)  # the closing, to read out next
    done = _post(ivo, call_id, state, "confirm", nps="9", why="Niets", again="j", staff="8")
    assert done.status_code == 200 and "Tot ziens!" in done.get_data(as_text=True)
    # Confirmed twice (a double click): the first stored it, the second stores nothing.
    twice = _post(ivo, call_id, state, "confirm", nps="9", why="Niets", again="j", staff="8")
    assert twice.status_code == 200
    (response,) = _responses(conn, world.survey_id)
    assert response["mode"] == "phone"
    assert json.loads(response["answers"]) == {"nps": "9", "again": "yes", "staff": "8"}
    # The length is the interviewer's figures' alone: kept here, it would name the interviewer.
    assert response["duration_s"] is None
    assert conn.execute("SELECT count(*) FROM response_contacts").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM contact_requests").fetchone()[0] == 0
    text = " ".join(str(value) for value in response)
    for secret in ("Jan", "Jansen", "Vries", "Smith", "ivo", "0612345678"):
        assert secret not in text
    call = _call(conn, call_id)
    assert call["last_outcome"] == "complete" and call["status"] == "closed"
    invitation = conn.execute(
        "SELECT used FROM invitations WHERE id = ?", (call["invitation_id"],)
    ).fetchone()
    assert invitation["used"] == 1
    # The call is let go: its interviewer holds no call, and the page sends them home.
    assert ivo.get(_url(call_id)).headers["Location"] == "/interviews/"


def test_a_wrong_key_comes_back_marked_and_nothing_is_stored(as_role, world, call_id, conn):
    ivo = as_role("interviewer")
    state = _state(ivo.get(_url(call_id)).get_data(as_text=True))
    answer = _post(ivo, call_id, state, "confirm", nps="12")
    assert answer.status_code == 422
    assert "type one of the keys" in answer.get_data(as_text=True)
    assert _responses(conn, world.survey_id) == []


def test_a_break_off_without_a_rule_keeps_nothing(as_role, world, call_id, conn):
    ivo = as_role("interviewer")
    state = _state(ivo.get(_url(call_id)).get_data(as_text=True))
    asked = _post(ivo, call_id, state, "break_off", nps="3", why="Te duur")
    assert "nothing is stored" in asked.get_data(as_text=True)
    assert _responses(conn, world.survey_id) == []  # asked first, nothing done yet
    _post(ivo, call_id, state, "break_off_confirm", nps="3", why="Te duur")
    assert _responses(conn, world.survey_id) == []
    assert _call(conn, call_id)["last_outcome"] == "break_off"


def test_a_break_off_is_kept_as_partial_when_the_rule_says_so(as_role, world, call_id, conn):
    setup_service.set_partial_rule(conn, CLI, world.survey_id, True, 50)
    ivo = as_role("interviewer")
    state = _state(ivo.get(_url(call_id)).get_data(as_text=True))
    # Two of the four questions that apply (a low score asks "why"): 50 %.
    asked = _post(ivo, call_id, state, "break_off", nps="3", why="Te duur", again="x")
    assert "kept as a partial interview" in asked.get_data(as_text=True)
    _post(ivo, call_id, state, "break_off_confirm", nps="3", why="Te duur", again="x")
    (response,) = _responses(conn, world.survey_id)
    assert response["mode"] == "phone"
    assert json.loads(response["answers"]) == {"nps": "3", "why": "Te duur"}
    # Typed in at once: far below 2 seconds an answer, so flagged as too fast as well.
    assert json.loads(response["flags"]) == ["partial", "speeder"]
    assert _call(conn, call_id)["last_outcome"] == "partial"


def test_too_little_for_the_rule_keeps_nothing(as_role, world, call_id, conn):
    setup_service.set_partial_rule(conn, CLI, world.survey_id, True, 50)
    ivo = as_role("interviewer")
    state = _state(ivo.get(_url(call_id)).get_data(as_text=True))
    _post(ivo, call_id, state, "break_off_confirm", nps="9")  # 1 of 3 that apply
    assert _responses(conn, world.survey_id) == []
    assert _call(conn, call_id)["last_outcome"] == "break_off"


def test_only_the_call_in_hand_is_interviewed(app, as_role, world, call_id, conn):
    """Olga holds no call: the interview page sends her to her start page. Ivo's page of a call
    he no longer holds (its hold moved on to another call) stores nothing for the new one."""
    olga = Browser(app)
    olga.sign_in(Member("olga", "interviewer", world.interviewer("olga"), None))
    assert olga.get(_url(call_id)).headers["Location"] == "/interviews/"
    ivo = as_role("interviewer")
    state = _state(ivo.get(_url(call_id)).get_data(as_text=True))
    calls_service.record(
        conn, world.keys, world.cast["interviewer"].id, call_id, "busy", now=local(10, 5), tz=TZ
    )
    later = calls_service.next_call(
        conn, world.keys, world.cast["interviewer"].id, world.campaign_id, local(10, 6), tz=TZ
    )
    assert later not in (None, call_id)
    moved = _post(ivo, call_id, state, "confirm", nps="9", why="Goed")
    assert moved.headers["Location"] == "/interviews/"
    assert _responses(conn, world.survey_id) == []


@pytest.mark.parametrize("role", ["staff", "researcher", "admin"])
def test_other_roles_cannot_interview(as_role, call_id, role):
    assert as_role(role).get(_url(call_id)).status_code == 403


def test_a_break_off_is_tried_in_the_part_of_the_day_of_the_appliances_time_zone(
    app, as_role, world, call_id, conn, monkeypatch
):
    """The appliance runs on New York time: a break-off at 10:00 there (16:00 in Amsterdam) is
    an attempt in the morning, as any other outcome recorded on the call screen."""
    monkeypatch.setitem(app.extensions["appliance"].settings, "timezone", "America/New_York")
    at = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("America/New_York")).timestamp()
    monkeypatch.setattr(calls_service, "time", SimpleNamespace(time=lambda: at))
    ivo = as_role("interviewer")
    state = _state(ivo.get(_url(call_id)).get_data(as_text=True))
    _post(ivo, call_id, state, "break_off_confirm", nps="9")
    call = _call(conn, call_id)
    assert call["last_outcome"] == "break_off"
    assert call["tried_parts"] == 1  # morning (9-12), not the afternoon of Amsterdam


def test_an_interview_under_way_keeps_its_call_from_other_interviewers(
    as_role, world, call_id, conn, monkeypatch
):
    """A telephone interview is typed on one page, so the hold is renewed only when it posts.
    Opened at 10:01, it holds the call for hours, not the half hour of a call screen: a second
    interviewer asking for calls at 10:41 is never handed the person being interviewed."""
    monkeypatch.setattr(calls_service.time, "time", lambda: local(10, 1))
    as_role("interviewer").get(_url(call_id))
    monkeypatch.undo()
    olga = world.interviewer("olga")
    handed = []
    while taken := calls_service.next_call(
        conn, world.keys, olga, world.campaign_id, local(10, 41), tz=TZ
    ):
        handed.append(taken)
        calls_service.record(conn, world.keys, olga, taken, "busy", now=local(10, 42), tz=TZ)
    assert handed and call_id not in handed
    assert _call(conn, call_id)["held_by"] == world.cast["interviewer"].id


def test_the_salutation_is_in_the_language_of_the_interview(world, call_id, conn):
    """A Dutch contact interviewed in English is "Mr Jansen" in the introduction, not "meneer
    Jansen"; in Dutch the salutation stays the contact's own."""
    call = calls_service.in_hand(conn, world.keys, world.cast["interviewer"].id, call_id)
    titles = {"man": ("meneer", "Mr"), "woman": ("mevrouw", "Ms")}
    dutch, english = call.salutation.split(" ", 1), call.salutation_in("en").split(" ", 1)
    assert call.salutation_in("nl") == call.salutation
    assert dutch[1] == english[1]  # the same surname
    assert (dutch[0], english[0]) in titles.values()
