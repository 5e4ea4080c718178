"""Double entry of paper forms (appliance.paper.entry_views): the first entry is held in the
identity plane until a different person enters the same form; equal entries are stored at once,
different ones after a decision; the held answers are erased when the response is stored."""

from __future__ import annotations

import json
import re

import pytest

from tests.paper.entry_helpers import (
    coded_invitation,
    confirm,
    hidden_values,
    responses,
    start,
    state_of,
    survey,
    type_form,
)

FIRST = {"nps": "8", "visited": "n", "channel": "a", "products": "b"}


@pytest.fixture
def survey_id(conn, as_role):
    found = survey(conn)
    saved = as_role("staff").post(
        f"/surveys/{found}/paper/settings", {"double_entry": "all", "percent": "10"}
    )
    assert saved.status_code == 302
    return found


def pending(conn):
    return conn.execute("SELECT * FROM paper_pending").fetchall()


def used(conn, invitation_id: int) -> int:
    return conn.execute("SELECT used FROM invitations WHERE id = ?", (invitation_id,)).fetchone()[0]


def test_identical_entries_store_the_response_and_erase_the_held_one(
    as_role, conn, data_dir, survey_id
):
    code, invitation_id = coded_invitation(conn, data_dir, survey_id)
    sam, sara = as_role("staff"), as_role("staff2")
    held = confirm(sam, survey_id, type_form(sam, survey_id, FIRST, code=code))
    assert held.status_code == 302
    assert responses(conn, survey_id) == [] and used(conn, invitation_id) == 0
    (row,) = pending(conn)
    assert row["invitation_id"] == invitation_id and row["batch"] is None
    listing = sam.get(f"/surveys/{survey_id}/paper/entry").get_data(as_text=True)
    assert "Waiting for a second entry" in listing and "Sam" in listing
    # The same person cannot be the second: refused at the code, and at a confirmation too.
    refused = start(sam, survey_id, code=code)
    assert refused.status_code == 422 and "a colleague enters it the second time" in (
        refused.get_data(as_text=True)
    )
    done = confirm(sara, survey_id, type_form(sara, survey_id, FIRST, code=code))
    assert done.status_code == 302
    (stored,) = responses(conn, survey_id)
    assert json.loads(stored["answers"]) == {
        "nps": "8",
        "visited": "no",
        "channel": "web",
        "products": ["cake"],
    }
    assert pending(conn) == [] and used(conn, invitation_id) == 1
    actions = [r[0] for r in conn.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions[-2:] == ["paper_form.held", "paper_form.entered"]


def test_different_entries_are_decided_by_the_second_person(as_role, conn, data_dir, survey_id):
    code, _id = coded_invitation(conn, data_dir, survey_id)
    sam, sara = as_role("staff"), as_role("staff2")
    confirm(sam, survey_id, type_form(sam, survey_id, FIRST, code=code))
    second = {**FIRST, "nps": "6", "channel": "b", "why": "te druk"}
    decision = confirm(sara, survey_id, type_form(sara, survey_id, second, code=code))
    html = decision.get_data(as_text=True)
    assert decision.status_code == 200 and "The two entries differ" in html
    assert responses(conn, survey_id) == []
    # Side by side: the first entry's answer and the second's, per differing question.
    assert re.search(r"First entry: <strong>8</strong>", html)
    assert re.search(r"Your entry: <strong>6</strong>", html)
    form = {"state": state_of(html), **hidden_values(html)}
    url = f"/surveys/{survey_id}/paper/entry/decide"
    # Every difference needs a choice.
    assert sara.post(url, form).status_code == 422
    # nps: the first entry's 8 (so "why" no longer applies); channel: typed again from the form.
    decided = sara.post(
        url, {**form, "c-nps": "first", "c-why": "second", "c-channel": "own", "o-k-channel": "-"}
    )
    assert decided.status_code == 302, decided.get_data(as_text=True)[:3000]
    (stored,) = responses(conn, survey_id)
    assert json.loads(stored["answers"]) == {
        "nps": "8",
        "visited": "no",
        "channel": "na",
        "products": ["cake"],
    }
    assert pending(conn) == []


def test_an_anonymous_form_is_held_under_a_batch_code(as_role, conn, survey_id):
    sam, sara = as_role("staff"), as_role("staff2")
    held = confirm(sam, survey_id, type_form(sam, survey_id, FIRST, anonymous="1"))
    (row,) = pending(conn)
    assert row["invitation_id"] is None and len(row["batch"]) == 8
    notice = sam.get(held.headers["Location"]).get_data(as_text=True)
    assert f"Write {row['batch']} on the form" in notice
    # Only a colleague is offered the second entry.
    assert f'value="{row["id"]}"' not in notice
    assert start(sam, survey_id, pending=row["id"]).status_code == 422
    listing = sara.get(f"/surveys/{survey_id}/paper/entry").get_data(as_text=True)
    assert f'value="{row["id"]}"' in listing
    confirm(sara, survey_id, type_form(sara, survey_id, FIRST, pending=row["id"]))
    assert len(responses(conn, survey_id)) == 1 and pending(conn) == []


def test_a_form_answered_meanwhile_erases_the_held_entry(as_role, conn, data_dir, survey_id):
    code, invitation_id = coded_invitation(conn, data_dir, survey_id)
    sam, sara = as_role("staff"), as_role("staff2")
    confirm(sam, survey_id, type_form(sam, survey_id, FIRST, code=code))
    summary = type_form(sara, survey_id, FIRST, code=code)
    # The respondent answered online (or another typist was quicker) before the confirmation.
    conn.execute("UPDATE invitations SET used = 1 WHERE id = ?", (invitation_id,))
    conn.commit()
    refused = confirm(sara, survey_id, summary)
    assert refused.status_code == 409
    assert responses(conn, survey_id) == [] and pending(conn) == []


def test_a_held_entry_can_be_erased_and_the_setting_can_sample(as_role, conn, survey_id):
    sam = as_role("staff")
    confirm(sam, survey_id, type_form(sam, survey_id, FIRST, anonymous="1"))
    (row,) = pending(conn)
    gone = sam.post(f"/surveys/{survey_id}/paper/pending/{row['id']}/discard")
    assert gone.status_code == 302 and pending(conn) == []
    assert sam.post(f"/surveys/{survey_id}/paper/pending/{row['id']}/discard").status_code == 404
    sam.post(f"/surveys/{survey_id}/paper/settings", {"double_entry": "off"})
    confirm(sam, survey_id, type_form(sam, survey_id, FIRST, anonymous="1"))
    assert len(responses(conn, survey_id)) == 1 and pending(conn) == []
    sam.post(f"/surveys/{survey_id}/paper/settings", {"double_entry": "sample", "percent": "100"})
    confirm(sam, survey_id, type_form(sam, survey_id, FIRST, anonymous="1"))
    assert len(pending(conn)) == 1
    refused = sam.post(
        f"/surveys/{survey_id}/paper/settings", {"double_entry": "sample", "percent": "0"}
    )
    assert "Choose off, a sample" in sam.get(refused.headers["Location"]).get_data(as_text=True)
