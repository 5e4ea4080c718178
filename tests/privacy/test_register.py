"""The register of data-subject requests: deadlines one calendar month after receipt, warnings
before they pass, closing a request, and actions on a person recorded in their entry."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from appliance.db import transaction
from appliance.privacy import register
from tests.privacy.subject_world import EMAIL, audit_rows, build, look_up, token_of


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        ("2026-01-31", "2026-02-28"),
        ("2028-01-31", "2028-02-29"),  # leap year
        ("2028-01-29", "2028-02-29"),
        ("2026-03-31", "2026-04-30"),
        ("2026-03-15", "2026-04-15"),
        ("2026-12-31", "2027-01-31"),
        ("2026-02-28", "2026-03-28"),
    ],
)
def test_the_deadline_is_one_calendar_month_later(received, deadline):
    assert register.deadline_for(date.fromisoformat(received)).isoformat() == deadline


def _add(conn, received: date, kind="access", reference="") -> int:
    with transaction(conn):
        return register.add(conn, received, kind, reference, None)


def test_due_soon_and_overdue(conn):
    request_id = _add(conn, date(2026, 3, 10))  # deadline 2026-04-10
    row = register.get(conn, request_id)
    assert row["deadline"] == "2026-04-10" and row["status"] == "open"
    expected = {
        date(2026, 4, 2): ("", 0),
        date(2026, 4, 3): ("due_soon", 1),
        date(2026, 4, 10): ("due_soon", 1),
        date(2026, 4, 11): ("overdue", 1),
    }
    for today, (flag, count) in expected.items():
        assert register.warning(row, today) == flag, today
        assert register.due_soon_count(conn, today) == count
    assert register.overdue_count(conn, date(2026, 4, 11)) == 1
    with transaction(conn):
        assert register.close(conn, request_id, "done", "copy sent", None, date(2026, 4, 12))
    row = register.get(conn, request_id)
    assert register.warning(row, date(2026, 5, 1)) == ""
    assert register.due_soon_count(conn, date(2026, 5, 1)) == 0


def test_the_page_warns_and_adds_and_closes(app, as_role, conn, cast):
    today = datetime.now(ZoneInfo(app.extensions["appliance"].settings["timezone"])).date()
    late = _add(conn, today - timedelta(days=40), "erasure", "INC-1")
    soon = _add(conn, today - timedelta(days=27), "access", "INC-2")  # deadline in 1-4 days
    assert register.warning(register.get(conn, soon), today) == "due_soon"
    staff = as_role("staff")
    page = staff.get("/compliance/requests").get_data(as_text=True)
    assert 'id="overdue"' in page and "1 open requests are past their deadline." in page
    assert 'id="due-soon"' in page and "1 open requests reach their deadline within 7 days" in page
    assert f'id="request-{late}"' in page and "overdue" in page and "due soon" in page
    assert f'value="{today.isoformat()}"' in page  # received today, unless changed

    response = staff.post(
        "/compliance/requests",
        {"received_on": "2026-01-31", "kind": "rectification", "reference": "brief 31 jan"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/compliance/requests"
    added = conn.execute("SELECT * FROM privacy_requests ORDER BY id DESC").fetchone()
    assert (added["kind"], added["reference"], added["deadline"]) == (
        "rectification",
        "brief 31 jan",
        "2026-02-28",
    )
    assert added["created_by"] == cast["staff"].id
    refused = staff.post(
        "/compliance/requests",
        {"received_on": "2026-02-01", "kind": "access", "reference": "anna@example.nl"},
    )
    assert refused.status_code == 400 and "Do not enter an e-mail address" in refused.get_data(True)

    response = staff.post(
        f"/compliance/requests/{late}/close",
        {"status": "refused", "outcome": "manifestly unfounded"},
    )
    assert response.status_code == 302
    row = register.get(conn, late)
    assert row["status"] == "refused" and row["handled_by"] == cast["staff"].id
    assert row["handled_on"] == today.isoformat() and row["outcome"] == "manifestly unfounded"
    again = staff.post(
        f"/compliance/requests/{late}/close", {"status": "done"}, follow_redirects=True
    )
    assert "The request was closed already." in again.get_data(as_text=True)
    assert register.get(conn, late)["status"] == "refused"
    actions = [(a, t, json.loads(d)) for a, t, d in audit_rows(conn) if a.startswith("privacy_")]
    assert actions == [
        ("privacy_request.added", f"privacy_request:{added['id']}", {"kind": "rectification"}),
        ("privacy_request.closed", f"privacy_request:{late}", {"status": "refused"}),
    ]
    assert staff.post("/compliance/requests/999/close", {"status": "done"}).status_code == 404


def test_actions_on_a_person_are_recorded_in_the_chosen_entry(as_role, conn, data_dir, tmp_path):
    build(conn, data_dir, tmp_path)
    request_id = _add(conn, date.today(), "access", "ticket 77")
    staff = as_role("staff")
    form = staff.get(f"/compliance/people?request={request_id}").get_data(as_text=True)
    assert f'<option selected value="{request_id}">' in form
    page = look_up(staff, EMAIL, request_id=str(request_id)).get_data(as_text=True)
    assert f'<option value="{request_id}" selected>' in page
    staff.post(
        "/compliance/people/export",
        {"token": token_of(page), "format": "pdf", "request_id": str(request_id)},
    )
    outcome = register.get(conn, request_id)["outcome"].splitlines()
    assert outcome[0].endswith("looked up: 2 contact rows")
    assert outcome[1].endswith("exported as PDF")
    assert "@" not in register.get(conn, request_id)["outcome"]
    linked = [json.loads(d) for a, _t, d in audit_rows(conn) if a.startswith("subject.")]
    assert [d["request"] for d in linked] == [request_id, request_id]
