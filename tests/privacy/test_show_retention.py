"""The retention page (admin and staff): terms, what is due when, receipts, and the button
that erases what is due now. Lists and surveys show their erasure dates."""

from __future__ import annotations

from babel.dates import format_date

from tests.privacy import world as w
from tests.privacy.world import world_fixture  # noqa: F401


def shown(day) -> str:
    """A day as the English pages show it (\"Jun 3, 2027\")."""
    return format_date(day, "medium", locale="en")


def test_the_page_shows_what_falls_due_when(as_role, world):
    page = as_role("staff").get("/compliance/retention").get_data(as_text=True)
    assert shown(world.day(6)) in page  # carol, never invited
    assert "6 months after the answer" in page
    assert "No retention run yet." in page
    assert as_role("admin").get("/compliance/retention").status_code == 200


def test_the_button_erases_what_is_due_and_shows_the_receipt(as_role, cast, conn, world):
    conn.execute("UPDATE contact_requests SET handled_at = '2026-01-01T00:00:00Z'")
    staff = as_role("staff")
    response = staff.post("/compliance/retention/run", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "1 items erased" in page
    assert conn.execute("SELECT count(*) FROM contact_requests").fetchone()[0] == 0
    row = conn.execute("SELECT actor FROM audit_log WHERE action = 'retention.purged'").fetchone()
    assert row["actor"] == cast["staff"].name


def test_the_button_needs_the_form_token(app, as_role, conn, world):
    conn.execute("UPDATE contact_requests SET handled_at = '2026-01-01T00:00:00Z'")
    response = as_role("staff").post("/compliance/retention/run", csrf=False)
    assert response.status_code == 400
    assert conn.execute("SELECT count(*) FROM contact_requests").fetchone()[0] == 1


def test_contact_lists_show_their_erasure_dates(as_role, world):
    page = as_role("staff").get("/contacts/").get_data(as_text=True)
    assert "Erased on" in page
    assert f'<td class="erasure">{shown(world.day(6))}</td>' in page


def test_a_survey_shows_when_its_contact_data_and_names_go(as_role, conn, world):
    staff = as_role("staff")
    page = staff.get(f"/surveys/{world.survey_id}").get_data(as_text=True)
    assert f"the 2 people invited is erased on {shown(world.day(6))}" in page
    assert f"Typed names are erased on {shown(world.day(6))}" in page
    w.close(conn, world)  # closing changes nothing
    page = staff.get(f"/surveys/{world.survey_id}").get_data(as_text=True)
    assert f"the 2 people invited is erased on {shown(world.day(6))}" in page


def test_staff_mark_a_contact_request_handled(as_role, conn, world):
    staff = as_role("staff")
    url = f"/surveys/{world.survey_id}/responses/{world.response_id}"
    assert "Mark as handled" in staff.get(url).get_data(as_text=True)
    page = staff.post(url + "/contact-handled", follow_redirects=True).get_data(as_text=True)
    assert "Handled on" in page
    assert conn.execute("SELECT handled_at FROM contact_requests").fetchone()[0]
    assert "contact_request.handled" in {r[0] for r in conn.execute("SELECT action FROM audit_log")}
