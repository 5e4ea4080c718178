"""Typing in returned paper forms (appliance.paper.entry_views): the code step, the answers
typed by key, routing, the summary and what is stored."""

from __future__ import annotations

import json

import pytest

from tests.paper.entry_helpers import (
    coded_invitation,
    confirm,
    responses,
    start,
    state_of,
    survey,
    type_form,
)

ANSWERS = {"nps": "9", "visited": "j", "channel": "b", "products": "ac", "again": "4"}


@pytest.fixture
def survey_id(conn):
    return survey(conn)


def test_an_unknown_or_foreign_code_is_refused(as_role, conn, data_dir, survey_id):
    staff = as_role("staff")
    page = start(staff, survey_id, code="0000-0000-0000-0000")
    assert page.status_code == 422
    assert "No form of this survey has this code" in page.get_data(as_text=True)
    other = survey(conn)
    code, _id = coded_invitation(conn, data_dir, other)
    assert start(staff, survey_id, code=code).status_code == 422
    assert start(staff, survey_id, code="not a code").status_code == 422


def test_the_refusal_is_in_the_users_language(as_role, conn, cast, survey_id):
    conn.execute("UPDATE users SET language = 'nl' WHERE id = ?", (cast["staff"].id,))
    conn.commit()
    page = start(as_role("staff"), survey_id, code="0000-0000-0000-0000")
    assert "Geen formulier van deze enquête heeft deze code" in page.get_data(as_text=True)


def test_a_coded_form_is_stored_as_paper_and_its_invitation_used(
    as_role, conn, data_dir, survey_id
):
    code, invitation_id = coded_invitation(conn, data_dir, survey_id)
    staff = as_role("staff")
    # Typed as people do: lower case, no dashes, O for 0 and so on are read as the code.
    summary = type_form(
        staff, survey_id, ANSWERS, code=code.replace("-", " ").lower(), language="en"
    )
    html = summary.get_data(as_text=True)
    assert summary.status_code == 200
    for shown in ("Friends", "Bread, Coffee", "Recommend?"):
        assert shown in html
    done = confirm(staff, survey_id, summary)
    assert done.status_code == 302 and done.headers["Location"].endswith("/paper/entry")
    (stored,) = responses(conn, survey_id)
    assert stored["mode"] == "paper" and stored["duration_s"] is None
    assert "speeder" not in json.loads(stored["flags"])
    assert json.loads(stored["answers"]) == {
        "nps": "9",
        "visited": "yes",
        "channel": "friend",
        "products": ["bread", "coffee"],
        "again": "4",
    }
    used = conn.execute("SELECT used FROM invitations WHERE id = ?", (invitation_id,)).fetchone()
    assert used[0] == 1
    # Used once, never twice: the same code is refused, and the same confirmation sent again
    # (a double click) stores nothing new.
    assert start(staff, survey_id, code=code).status_code == 422
    confirm(staff, survey_id, summary)
    assert len(responses(conn, survey_id)) == 1
    # The next form starts at the code, with the day's count.
    page = staff.get(done.headers["Location"]).get_data(as_text=True)
    assert "Entered today: 1" in page and 'id="code"' in page and "autofocus" in page


def test_nothing_of_the_code_reaches_the_response_or_the_audit_log(
    as_role, conn, data_dir, survey_id
):
    code, invitation_id = coded_invitation(conn, data_dir, survey_id)
    staff = as_role("staff")
    confirm(staff, survey_id, type_form(staff, survey_id, ANSWERS, code=code))
    (stored,) = responses(conn, survey_id)
    invitation = conn.execute(
        "SELECT code_hash, token_hash FROM invitations WHERE id = ?", (invitation_id,)
    ).fetchone()
    bare = code.replace("-", "")
    for value in tuple(stored):
        text = value.hex() if isinstance(value, bytes) else str(value)
        for trace in (bare, code, invitation["code_hash"].hex(), invitation["token_hash"].hex()):
            assert trace not in text
    assert str(invitation_id) not in json.loads(stored["segments"]).values()
    for entry in conn.execute("SELECT action, target, details FROM audit_log"):
        assert bare not in str(tuple(entry)) and code not in str(tuple(entry))
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
    assert "paper_form.entered" in actions


def test_an_anonymous_form(as_role, conn, survey_id):
    staff = as_role("staff")
    summary = type_form(staff, survey_id, {"nps": "10"}, anonymous="1", language="en")
    confirm(staff, survey_id, summary)
    (stored,) = responses(conn, survey_id)
    assert stored["mode"] == "paper" and stored["language"] == "en"
    assert json.loads(stored["answers"]) == {"nps": "10"}
    assert conn.execute("SELECT count(*) FROM invitations WHERE used = 1").fetchone()[0] == 0


def test_a_question_routed_past_keeps_nothing_typed_there(as_role, conn, survey_id):
    staff = as_role("staff")
    typed = {"nps": "9", "why": "typed by mistake", "visited": "n", "again": "5"}
    summary = type_form(staff, survey_id, typed, anonymous="1")
    html = summary.get_data(as_text=True)
    assert "typed by mistake" not in html.split("Not kept")[0]
    assert "Not kept" in html
    confirm(staff, survey_id, summary)
    (stored,) = responses(conn, survey_id)
    assert json.loads(stored["answers"]) == {"nps": "9", "visited": "no"}


def test_a_key_the_question_does_not_have_is_marked(as_role, survey_id):
    staff = as_role("staff")
    page = type_form(staff, survey_id, {"nps": "11", "channel": "z"}, anonymous="1")
    html = page.get_data(as_text=True)
    assert page.status_code == 422
    assert html.count("type one of the keys shown next to this question") == 2
    assert 'value="11"' in html  # kept as typed, to correct


def test_change_from_the_summary_gives_the_typed_values_back(as_role, survey_id):
    staff = as_role("staff")
    summary = type_form(staff, survey_id, {"nps": "3", "why": "koffie koud"}, anonymous="1")
    back = staff.post(
        f"/surveys/{survey_id}/paper/entry/answers",
        {
            "state": state_of(summary.get_data(as_text=True)),
            "k-nps": "3",
            "k-why": "koffie koud",
            "change": "1",
        },
    )
    html = back.get_data(as_text=True)
    assert back.status_code == 200 and 'value="3"' in html and "koffie koud</textarea>" in html


def test_a_forged_or_foreign_state_is_refused(as_role, survey_id, conn):
    staff = as_role("staff")
    summary = type_form(staff, survey_id, {"nps": "8"}, anonymous="1")
    state = state_of(summary.get_data(as_text=True))
    url = f"/surveys/{survey_id}/paper/entry/confirm"
    assert staff.post(url, {"state": state + "x", "k-nps": "8"}).status_code == 400
    # Another person cannot finish this person's entry.
    assert as_role("staff2").post(url, {"state": state, "k-nps": "8"}).status_code == 400
    assert responses(conn, survey_id) == []
