"""The start page of each role, where signing in lands: staff see what needs doing, the admin
the system's health, the researcher her granted surveys and how long her access lasts."""

from __future__ import annotations

import time
from datetime import date, timedelta

from appliance import audit
from appliance.auth import store as auth_store
from appliance.auth.service import CLI
from appliance.contacts import store as contacts_store
from appliance.db import transaction
from appliance.mailing import store as mailing_store
from appliance.privacy import register
from appliance.surveys import service as survey_service
from tests.conftest import Browser, totp_now


def open_survey(conn, title: str) -> int:
    survey_id = survey_service.create_from_template(conn, CLI, "customer_satisfaction")
    survey_service.change_status(conn, CLI, survey_id, "open")
    with transaction(conn):
        conn.execute("UPDATE surveys SET title = ? WHERE id = ?", (title, survey_id))
    return survey_id


def test_signing_in_lands_on_the_start_page(app, cast):
    b = Browser(app)
    r = b.sign_in_with_code(cast["staff"])
    assert r.status_code == 302 and r.headers["Location"] == "/"
    page = b.get("/")
    assert page.status_code == 200 and b"<h1>Start</h1>" in page.data


def test_staff_see_surveys_campaigns_requests_and_retention(as_role, conn):
    survey_id = open_survey(conn, "Klantonderzoek najaar")
    with transaction(conn):
        list_id = contacts_store.create_list(conn, "Klanten", None)
        campaign_id = mailing_store.create_campaign(
            conn,
            name="Najaarsronde",
            survey_id=survey_id,
            list_id=list_id,
            segment_filter={},
            template_id=1,
            reminder_template_id=None,
            send_at=time.time() + 86400,
            reminders=0,
            reminder_days=7,
            user_id=None,
        )
        # A wave already sent: 1,991 invitations, 400 answered through them.
        conn.execute(
            "INSERT INTO campaigns (name, survey_id, list_id, segment_filter, template_id,"
            " send_at, reminders, reminder_days, created_at, status, recipients, responses,"
            " started_at) VALUES ('Eerste ronde', ?, ?, '{}', 1, 0, 0, 7, '2026-01-01', 'done',"
            " 1991, 400, '2026-01-01')",
            (survey_id, list_id),
        )
        late = register.add(conn, date.today() - timedelta(days=40), "erasure", "brief 12", None)
        register.add(conn, date.today(), "access", "ticket 7", None)
    page = as_role("staff").get("/").get_data(as_text=True)
    assert "Klantonderzoek najaar" in page and f'id="survey-{survey_id}"' in page
    assert "1,991" in page and "20%" in page  # the response rate: 400 of 1,991
    assert f'id="campaign-{campaign_id}"' in page and "Najaarsronde" in page
    assert "Eerste ronde" not in page  # done: no longer current
    assert "brief 12" in page and "ticket 7" in page
    assert f'id="request-{late}"' in page and "overdue" in page
    assert 'id="retention"' in page

    # Dutch readers get Dutch numbers.
    nl = as_role("staff")
    nl.post("/account/language", {"lang-language": "nl"}, prefix="lang")
    assert "1.991" in nl.get("/").get_data(as_text=True)


def test_the_admin_sees_backups_mail_disk_audit_and_researchers(as_role, cast, conn):
    admin = as_role("admin")
    page = admin.get("/").get_data(as_text=True)
    assert "System health" in page and "No backup has been made yet." in page
    assert 'id="disk"' in page and "free of" in page
    assert "chain verified" in page
    assert "No relay: messages are written as files" in page
    assert "Rita" in page and "Rex" in page  # the researchers, with their windows
    until = auth_store.get_user(conn, cast["researcher"].id).valid_until
    assert f'id="researcher-{cast["researcher"].id}"' in page
    assert "31 days left" in page and "ended" in page
    assert date.fromisoformat(until).strftime("%b") in page

    audit.record(
        conn,
        "backup.written",
        actor="system",
        target="backup",
        details={"name": "nightly-20261202T013000Z", "kind": "nightly", "bytes": 1_500_000},
    )
    page = admin.get("/").get_data(as_text=True)
    assert "1.5 MB" in page and "written" in page

    # A changed audit entry shows as a broken chain (checked again after the cache expires).
    from appliance.startpage import service

    service._checked.clear()
    conn.execute("DROP TRIGGER audit_log_no_update")  # edited around the application
    conn.execute("UPDATE audit_log SET details = '{}' WHERE id = 1")
    assert "chain broken" in admin.get("/").get_data(as_text=True)


def test_the_researcher_sees_only_her_granted_surveys_and_her_window(as_role, cast, conn):
    granted = open_survey(conn, "Gedeeld onderzoek")
    open_survey(conn, "Intern onderzoek")
    with transaction(conn):
        auth_store.set_grants(conn, cast["researcher"].id, {granted})
    page = as_role("researcher").get("/").get_data(as_text=True)
    assert "Gedeeld onderzoek" in page and "Intern onderzoek" not in page
    assert f"/reports/{granted}" in page
    assert "Days left, today included: 31." in page
    # Nothing of the staff or admin pages.
    assert "Open surveys" not in page and "System health" not in page


def test_a_totp_sign_in_of_the_researcher_lands_on_her_start_page(app, cast):
    b = Browser(app)
    r = b.login_password(cast["researcher"].name)
    r = b.post("/login/code", {"code": totp_now(cast["researcher"].totp_secret)})
    assert r.headers["Location"] == "/"
    assert b"Surveys granted to you" in b.get("/").data
