"""Staff reading responses: list, detail, exclusion, exports safe against formulas and scripts,
and the quality flags."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from appliance.auth.service import CLI
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.responses import store as responses_store
from appliance.surveys import service
from tests.conftest import audit_actions
from tests.factories import open_survey, submit_response


@pytest.fixture
def survey(conn):
    return service.create_from_template(conn, CLI, "employee_satisfaction")


STRAIGHT = {"statements": {f"i{n}": "3" for n in range(1, 6)}, "grade": "7"}


def test_staff_list_open_and_exclude_a_response(as_role, conn, data_dir, survey):
    rid = submit_response(
        conn, data_dir, survey, {**STRAIGHT, "improve": "<script>alert(1)</script>"}, "k1"
    )
    staff = as_role("staff")
    page = staff.get(f"/surveys/{survey}/responses").get_data(as_text=True)
    assert "straight_lining" in page and rid in page
    detail = staff.get(f"/surveys/{survey}/responses/{rid}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail and "<script>alert" not in detail
    staff.post(f"/surveys/{survey}/responses/{rid}/exclude", {"reason": "test response"})
    assert responses_store.get_response(conn, survey, rid)["excluded_reason"] == "test response"
    assert (
        staff.get(f"/surveys/{survey}/responses?excluded=no").get_data(as_text=True).count(rid) == 0
    )
    staff.post(f"/surveys/{survey}/responses/{rid}/exclude", {"reason": ""})
    assert responses_store.get_response(conn, survey, rid)["excluded_on"] is None
    assert audit_actions(conn)[-2:] == ["response.excluded", "response.included"]


def test_exports_are_formula_safe_and_leave_names_out(as_role, conn, data_dir, survey):
    submit_response(conn, data_dir, survey, {**STRAIGHT, "improve": '=HYPERLINK("http://x")'}, "k1")
    staff = as_role("staff")
    rows = list(
        csv.reader(
            io.StringIO(staff.get(f"/surveys/{survey}/responses.csv").get_data(as_text=True))
        )
    )
    header, row = rows
    assert header[:6] == [
        "response",
        "submitted_on",
        "mode",
        "language",
        "excluded_reason",
        "flags",
    ]
    assert row[header.index("improve")] == '\'=HYPERLINK("http://x")'
    assert row[header.index("statements.i1")] == "3"
    book = openpyxl.load_workbook(io.BytesIO(staff.get(f"/surveys/{survey}/responses.xlsx").data))
    row = list(book.active.iter_rows())[1]
    cell = next(c for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s"  # text, never a formula
    assert "responses.exported" in audit_actions(conn)


def test_a_refused_submission_leaves_no_copied_text_trace(conn, data_dir, survey):
    with transaction(conn):
        token = responses_store.create_invitation(conn, load_keys(data_dir).hasher(), survey, None)
    invited = {
        "invitation_hash": responses_store.invitation_hash(load_keys(data_dir).hasher(), token)
    }
    text = {"grade": "8", "improve": "Meer thuiswerken graag"}
    submit_response(conn, data_dir, survey, text, "a", **invited)
    with pytest.raises(responses_store.AlreadyAnswered):
        submit_response(
            conn, data_dir, survey, {"grade": "8", "improve": "Iets heel anders nu"}, "b", **invited
        )
    later = submit_response(
        conn, data_dir, survey, {"grade": "8", "improve": "Iets heel anders nu"}, "c"
    )
    assert json.loads(responses_store.get_response(conn, survey, later)["flags"]) == []


def test_flags_for_speeders_and_copied_text(conn, data_dir, survey):
    for n in range(20):
        submit_response(
            conn,
            data_dir,
            survey,
            {"grade": "8", "statements": {"i1": "4"}},
            f"k{n}",
            duration_s=120,
        )
    fast = submit_response(conn, data_dir, survey, {"grade": "8"}, "fast", duration_s=20)
    first = submit_response(
        conn, data_dir, survey, {"grade": "8", "improve": "Meer thuiswerken graag"}, "t1"
    )
    copied = submit_response(
        conn, data_dir, survey, {"grade": "8", "improve": "meer  thuiswerken GRAAG"}, "t2"
    )
    flags = {
        rid: json.loads(responses_store.get_response(conn, survey, rid)["flags"])
        for rid in (fast, first, copied)
    }
    assert flags == {fast: ["speeder"], first: [], copied: ["duplicate_text"]}


def test_a_one_second_response_is_a_speeder_even_as_the_first_response(conn, data_dir):
    survey = _ten_question_survey(conn, data_dir)
    answers = {f"q{i}": "4" for i in range(10)}
    fast = submit_response(conn, data_dir, survey, answers, "fast", duration_s=1)
    calm = submit_response(conn, data_dir, survey, answers, "calm", duration_s=60)
    # Faster than 2 s an answer, but for one answer only: 10 s is no speeder.
    single = submit_response(conn, data_dir, survey, {"q0": "4"}, "single", duration_s=10)
    flags = {
        rid: json.loads(responses_store.get_response(conn, survey, rid)["flags"])
        for rid in (fast, calm, single)
    }
    assert flags == {fast: ["speeder"], calm: [], single: []}


def test_the_absolute_speeder_floor_counts_matrix_rows_and_can_be_switched_off(conn, data_dir):
    from appliance.responses import quality
    from appliance.surveys import store

    survey = _ten_question_survey(conn, data_dir)
    definition = store.definition_of(store.get_survey(conn, survey))
    answers = {f"q{i}": "4" for i in range(3)}
    assert quality.answered(definition, answers) == 3
    hasher = load_keys(data_dir).hasher()
    assert quality.flags_for(conn, hasher, survey, definition, answers, 5) == ["speeder"]
    assert quality.flags_for(conn, hasher, survey, definition, answers, 6) == []
    off = quality.flags_for(conn, hasher, survey, definition, answers, 1, seconds_per_answer=0)
    assert off == []


TEN = {
    "languages": ["nl"],
    "title": {"nl": "Tien vragen"},
    "closing": {"nl": "Dank!"},
    "pages": [
        {
            "id": "p1",
            "questions": [
                {"id": f"q{i}", "type": "nps", "required": True, "text": {"nl": f"Vraag {i}"}}
                for i in range(10)
            ],
        }
    ],
}


def _ten_question_survey(conn, data_dir) -> int:
    survey_id = open_survey(conn, TEN)
    return survey_id


def test_the_respondent_page_flags_a_ten_answer_response_given_at_once(app, conn, data_dir):
    import re

    from appliance.surveys import store

    survey = _ten_question_survey(conn, data_dir)
    client = app.test_client()
    url = f"/s/{store.get_survey(conn, survey)['link_token']}"
    page = client.get(url).get_data(as_text=True)
    state = re.search(r'name="state" value="([^"]+)"', page).group(1)
    done = client.post(url, data={"state": state, **{f"q{i}": "8" for i in range(10)}})
    assert "Dank!" in done.get_data(as_text=True)
    (row,) = responses_store.responses_of(conn, survey)
    assert json.loads(row["flags"]) == ["speeder"]


def test_a_dutch_reader_sees_labels_not_codes(as_role, conn, data_dir, cast):
    """Choice values, yes/no and the mode are shown by their label in the reader's language."""
    survey_id = service.create_from_template(conn, CLI, "nps")
    definition = {
        "languages": ["nl", "en"],
        "title": {"nl": "Balie", "en": "Desk"},
        "pages": [
            {
                "id": "p1",
                "questions": [
                    {
                        "id": "where",
                        "type": "single",
                        "text": {"nl": "Waar?", "en": "Where?"},
                        "choices": [
                            {
                                "value": "balie_in_de_vestiging",
                                "label": {"nl": "Aan de balie", "en": "At the desk"},
                            },
                            {"value": "online", "label": {"nl": "Online", "en": "Online"}},
                        ],
                    },
                    {"id": "again", "type": "yesno", "text": {"nl": "Weer?", "en": "Again?"}},
                ],
            }
        ],
    }
    service.update_definition(conn, CLI, survey_id, definition)
    rid = submit_response(
        conn, data_dir, survey_id, {"where": "balie_in_de_vestiging", "again": "no"}
    )
    conn.execute("UPDATE users SET language = 'nl' WHERE id = ?", (cast["staff"].id,))
    staff = as_role("staff")
    listed = staff.get(f"/surveys/{survey_id}/responses").get_data(as_text=True)
    assert '">open link</td>' in listed and ">papier</option>" in listed
    detail = staff.get(f"/surveys/{survey_id}/responses/{rid}").get_data(as_text=True)
    assert "Aan de balie" in detail and "balie_in_de_vestiging" not in detail
    assert "<dd>nee</dd>" in detail.replace("\n", "").replace("  ", "")
