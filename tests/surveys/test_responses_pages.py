"""Staff reading responses: list, detail, exclusion, exports safe against formulas and scripts,
and the quality flags."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from appliance.auth.accounts import CLI
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.responses import store as responses
from appliance.surveys import service
from tests.conftest import audit_actions
from tests.surveys.helpers import submit


@pytest.fixture
def survey(conn):
    return service.create_from_template(conn, CLI, "employee_satisfaction")


STRAIGHT = {"statements": {f"i{n}": "3" for n in range(1, 6)}, "grade": "7"}


def test_staff_list_open_and_exclude_a_response(as_role, conn, data_dir, survey):
    rid = submit(conn, data_dir, survey, {**STRAIGHT, "improve": "<script>alert(1)</script>"}, "k1")
    staff = as_role("staff")
    page = staff.get(f"/surveys/{survey}/responses").get_data(as_text=True)
    assert "straight_lining" in page and rid in page
    detail = staff.get(f"/surveys/{survey}/responses/{rid}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in detail and "<script>alert" not in detail
    staff.post(f"/surveys/{survey}/responses/{rid}/exclude", {"reason": "test response"})
    assert responses.get_response(conn, survey, rid)["excluded_reason"] == "test response"
    assert (
        staff.get(f"/surveys/{survey}/responses?excluded=no").get_data(as_text=True).count(rid) == 0
    )
    staff.post(f"/surveys/{survey}/responses/{rid}/exclude", {"reason": ""})
    assert responses.get_response(conn, survey, rid)["excluded_on"] is None
    assert audit_actions(conn)[-2:] == ["response.excluded", "response.included"]


def test_exports_are_formula_safe_and_leave_names_out(as_role, conn, data_dir, survey):
    submit(conn, data_dir, survey, {**STRAIGHT, "improve": '=HYPERLINK("http://x")'}, "k1")
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
    cell = next(c for c in list(book.active.iter_rows())[1] if c.value and "HYPERLINK" in c.value)
    assert cell.data_type == "s"  # text, never a formula
    assert "responses.exported" in audit_actions(conn)


def test_a_refused_submission_leaves_no_copied_text_trace(conn, data_dir, survey):
    with transaction(conn):
        token = responses.create_invitation(conn, load_keys(data_dir).hasher(), survey, None)
    invited = {"invitation_hash": responses.invitation_hash(load_keys(data_dir).hasher(), token)}
    text = {"grade": "8", "improve": "Meer thuiswerken graag"}
    submit(conn, data_dir, survey, text, "a", **invited)
    with pytest.raises(responses.AlreadyAnswered):
        submit(
            conn, data_dir, survey, {"grade": "8", "improve": "Iets heel anders nu"}, "b", **invited
        )
    later = submit(conn, data_dir, survey, {"grade": "8", "improve": "Iets heel anders nu"}, "c")
    assert json.loads(responses.get_response(conn, survey, later)["flags"]) == []


def test_flags_for_speeders_and_copied_text(conn, data_dir, survey):
    for n in range(20):
        submit(
            conn,
            data_dir,
            survey,
            {"grade": "8", "statements": {"i1": "4"}},
            f"k{n}",
            duration_s=120,
        )
    fast = submit(conn, data_dir, survey, {"grade": "8"}, "fast", duration_s=20)
    first = submit(
        conn, data_dir, survey, {"grade": "8", "improve": "Meer thuiswerken graag"}, "t1"
    )
    copied = submit(
        conn, data_dir, survey, {"grade": "8", "improve": "meer  thuiswerken GRAAG"}, "t2"
    )
    flags = {
        rid: json.loads(responses.get_response(conn, survey, rid)["flags"])
        for rid in (fast, first, copied)
    }
    assert flags == {fast: ["speeder"], first: [], copied: ["duplicate_text"]}
