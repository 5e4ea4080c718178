"""Every refused request of a signed-in researcher leaves an entry that admin and staff see on the
Researcher activity page: the path, the status and why, never a query string or a token."""

from __future__ import annotations

import json
import re

import pytest

from tests.reports import study


def _activity_rows(browser) -> list[str]:
    """The rows of the activity table, as text without tags."""
    page = browser.get("/researchers/activity").get_data(as_text=True)
    table = re.search(r'<table id="activity">(.*?)</table>', page, re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def _refusals(conn, researcher_id) -> list[dict]:
    rows = conn.execute(
        "SELECT details FROM audit_log WHERE actor_id = ? AND action = 'request.refused'"
        " ORDER BY id",
        (researcher_id,),
    )
    return [json.loads(r[0]) for r in rows]


@pytest.fixture
def other_survey(conn):
    """A survey that exists but is not granted to the researcher."""
    return study.create(conn)


def test_a_row_level_page_is_refused_and_shown_to_admin_and_staff(as_role, conn, cast, survey):
    response = as_role("researcher").get(f"/surveys/{survey}/responses?since=2026-01-01")
    assert response.status_code == 403
    [entry] = _refusals(conn, cast["researcher"].id)
    assert entry == {
        "method": "GET",
        "path": f"/surveys/{survey}/responses",
        "reason": "role",
        "status": 403,
        "survey": survey,
    }
    for role in ("admin", "staff"):
        [row] = [r for r in _activity_rows(as_role(role)) if "refused" in r]
        assert f"GET /surveys/{survey}/responses" in row and "403" in row
        assert "role does not allow" in row and "rita" in row
        assert "since" not in row


def test_a_survey_not_granted_is_refused_and_shown(as_role, conn, cast, survey, other_survey):
    assert as_role("researcher").get(f"/reports/{other_survey}").status_code == 404
    [entry] = _refusals(conn, cast["researcher"].id)
    assert (entry["reason"], entry["status"], entry["path"]) == (
        "not_granted",
        404,
        f"/reports/{other_survey}",
    )
    [row] = [r for r in _activity_rows(as_role("staff")) if "refused" in r]
    assert f"/reports/{other_survey}" in row and "404" in row and "not granted" in row


def test_exports_not_allowed_are_refused_and_shown(as_role, conn, cast, survey, other_survey):
    researcher = as_role("researcher")
    assert researcher.get(f"/reports/{other_survey}/report.csv").status_code == 404
    assert researcher.get(f"/surveys/{survey}/responses.xlsx").status_code == 403
    entries = _refusals(conn, cast["researcher"].id)
    assert [(e["path"], e["status"], e["reason"]) for e in entries] == [
        (f"/reports/{other_survey}/report.csv", 404, "not_granted"),
        (f"/surveys/{survey}/responses.xlsx", 403, "role"),
    ]
    rows = [r for r in _activity_rows(as_role("staff")) if "refused" in r]
    assert len(rows) == 2  # newest first
    assert f"/surveys/{survey}/responses.xlsx" in rows[0] and "role does not allow" in rows[0]
    assert f"/reports/{other_survey}/report.csv" in rows[1] and "not granted" in rows[1]


def test_a_survey_that_does_not_exist_is_not_found(as_role, conn, cast, survey):
    assert as_role("researcher").get("/reports/9999/data.json").status_code == 404
    assert as_role("researcher").get("/no/such/page").status_code == 404
    entries = _refusals(conn, cast["researcher"].id)
    assert [(e["path"], e["reason"]) for e in entries] == [
        ("/reports/9999/data.json", "not_found"),
        ("/no/<unmatched>", "not_found"),  # what she typed after the first part: not kept
    ]
    rows = [r for r in _activity_rows(as_role("staff")) if "refused" in r]
    assert len(rows) == 2 and all("not found" in r for r in rows)


def test_tokens_in_a_refused_path_are_not_recorded(as_role, conn, cast, survey):
    token = "Zq9-invitation-token-of-someone"
    assert as_role("researcher").get(f"/i/{token}").status_code == 404
    [entry] = _refusals(conn, cast["researcher"].id)
    assert entry["path"] == "/i/<token>" and entry["reason"] == "not_found"
    assert (
        conn.execute(
            "SELECT count(*) FROM audit_log WHERE details LIKE ?", (f"%{token}%",)
        ).fetchone()[0]
        == 0
    )


def test_allowed_views_are_not_refusals_and_staff_refusals_are_not_researcher_activity(
    as_role, conn, cast, survey
):
    assert as_role("researcher").get(f"/reports/{survey}").status_code == 200
    assert as_role("staff").get("/reports/9999").status_code == 404
    assert as_role("staff").get("/admin/users/").status_code == 403
    assert (
        conn.execute("SELECT count(*) FROM audit_log WHERE action = 'request.refused'").fetchone()[
            0
        ]
        == 0
    )
