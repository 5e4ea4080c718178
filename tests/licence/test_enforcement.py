"""Where the licence takes effect: the banner (admins and staff only), the modules' pages (403
with the reason, hidden links), and no new surveys, campaigns or accounts once it refuses new
work, in the services (so the pages, the API and the console alike), with the account limits."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from babel.dates import format_date

from appliance.auth import service as auth_service
from appliance.auth import store as auth_store
from appliance.auth.service import CLI, AccountError
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.licence import store as licence_store
from appliance.mailing import service as mailing_service
from appliance.mailing import store as mail_store
from appliance.surveys import service as surveys_service
from tests.api.helpers import call, token_for
from tests.conftest import PASSWORD, app_settings
from tests.contacts.conftest import Importer
from tests.factories import open_survey
from tests.licensing import force, issue, new_key

KEY = new_key()
TODAY = date.today()
ALL = ("publication", "paper", "interviews")


def put(conn, state: str, *, modules=ALL, researchers=3, interviewers=5) -> None:
    """Bring the licence into ``state`` on today's date."""
    ends = {
        "licensed": TODAY + timedelta(days=100),
        "grace": TODAY - timedelta(days=5),  # grace until today + 25: 26 days left
        "expired": TODAY - timedelta(days=40),
    }
    if state == "trial_over":
        force(conn, None, trial_started=TODAY - timedelta(days=40))
    elif state != "trial":
        body = issue(
            KEY,
            valid_from=TODAY - timedelta(days=400),
            valid_until=ends[state],
            modules=modules,
            researchers=researchers,
            interviewers=interviewers,
        )
        force(conn, body)


@pytest.fixture
def settings_overrides(data_dir):
    return {**app_settings(data_dir), "mail_from": "Voorbeeld BV <enquete@voorbeeld.nl>"}


def _invitation_template(conn) -> int:
    return next(r["id"] for r in mail_store.list_templates(conn) if r["name"].startswith("Uitn"))


# ---- the banner ---------------------------------------------------------------------------------

BANNER = 'id="licence-banner"'


@pytest.mark.parametrize("state", ["trial", "grace", "expired", "trial_over", "licensed"])
def test_the_banner_shows_admins_and_staff_what_the_state_means(state, as_role, conn):
    put(conn, state)
    pages = {
        role: as_role(role).get("/account/").get_data(as_text=True)
        for role in ("admin", "staff", "researcher", "interviewer")
    }
    for role in ("researcher", "interviewer"):
        assert BANNER not in pages[role], role
    if state == "licensed":
        assert BANNER not in pages["admin"] and BANNER not in pages["staff"]
        return
    admin, staff = pages["admin"], pages["staff"]
    assert BANNER in admin and BANNER in staff
    expected = {
        "trial": "Trial: 30 days left.",
        "grace": "26 days of grace left",
        "expired": "no new surveys, campaigns or accounts can be made; everything else keeps",
        "trial_over": "The trial ended on",
    }[state]
    assert expected in admin and expected in staff
    # Only the admin, who can act on it, gets the link to the licence page.
    assert 'href="/admin/licence/"' in admin.split(BANNER)[1].split("</div>")[0]
    assert 'href="/admin/licence/"' not in staff.split(BANNER)[1].split("</div>")[0]


def test_the_banner_dates_read_as_dutch_users_expect(as_role, conn, cast):
    put(conn, "grace")
    conn.execute("UPDATE users SET language = 'nl' WHERE id = ?", (cast["staff"].id,))
    conn.commit()
    page = as_role("staff").get("/account/").get_data(as_text=True)
    ended = format_date(TODAY - timedelta(days=5), locale="nl")
    assert ended in page.split(BANNER)[1].split("</div>")[0], ended


def test_a_licence_that_failed_its_check_is_named(as_role, conn):
    force(conn, issue(KEY))
    with transaction(conn):
        licence_store.save_check(conn, int(time.time()), "bad_signature", "trial")
    page = as_role("admin").get("/account/").get_data(as_text=True)
    assert 'id="licence-problem"' in page and "failed its check" in page
    assert "Trial: 30 days left." in page  # it does not count: the trial runs on


def test_the_admin_menu_links_the_licence_page(as_role):
    assert 'href="/admin/licence/">Licence</a>' in as_role("admin").get("/").get_data(True)
    assert "/admin/licence/" not in as_role("staff").get("/").get_data(True)


# ---- the modules --------------------------------------------------------------------------------

REFUSAL = "is not part of this appliance"


def _refused(response, module_label: str) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 403, response.status_code
    assert REFUSAL in page and module_label in page, page[:2000]


def test_each_module_is_refused_with_its_reason_and_hidden(as_role, conn):
    survey_id = open_survey(conn)
    put(conn, "licensed", modules=())
    staff = as_role("staff")
    _refused(staff.get(f"/surveys/{survey_id}/paper/form.pdf"), "Paper forms")
    _refused(staff.get(f"/surveys/{survey_id}/paper/entry"), "Paper forms")
    _refused(staff.get(f"/surveys/{survey_id}/paper/scans"), "Paper forms")
    _refused(staff.get(f"/surveys/{survey_id}/publication"), "Publication of results")
    _refused(staff.post(f"/surveys/{survey_id}/publication/export"), "Publication of results")
    _refused(staff.get(f"/interviews/surveys/{survey_id}/setup"), "Interviewer modes")
    _refused(as_role("interviewer").get("/interviews/"), "Interviewer modes")
    edit = staff.get(f"/surveys/{survey_id}").get_data(as_text=True)
    for link in ("paper-forms", "paper-entry-link", "interviewing-link", "publication-link"):
        assert f'id="{link}"' not in edit, link
    assert 'value="post"' not in staff.get("/mailing/new").get_data(as_text=True)
    assert 'href="/interviews/"' not in as_role("interviewer").get("/account/").get_data(True)


def test_the_refusal_is_in_the_users_language(as_role, conn, cast):
    survey_id = open_survey(conn)
    put(conn, "licensed", modules=("publication",))
    conn.execute("UPDATE users SET language = 'nl' WHERE id = ?", (cast["staff"].id,))
    conn.commit()
    r = as_role("staff").get(f"/surveys/{survey_id}/paper/form.pdf")
    assert r.status_code == 403 and 'lang="nl"' in r.get_data(as_text=True)


def test_licensed_modules_answer(as_role, conn):
    survey_id = open_survey(conn)
    put(conn, "licensed", modules=ALL)
    staff = as_role("staff")
    assert staff.get(f"/surveys/{survey_id}/paper/form.pdf").status_code == 200
    assert staff.get(f"/surveys/{survey_id}/publication").status_code == 200
    assert staff.get(f"/interviews/surveys/{survey_id}/setup").status_code == 200
    edit = staff.get(f"/surveys/{survey_id}").get_data(as_text=True)
    assert 'id="paper-forms"' in edit and 'id="interviewing-link"' in edit
    assert 'value="post"' in staff.get("/mailing/new").get_data(as_text=True)


def test_expired_keeps_the_licensed_modules(as_role, conn):
    survey_id = open_survey(conn)
    put(conn, "expired", modules=("paper",))
    staff = as_role("staff")
    assert staff.get(f"/surveys/{survey_id}/paper/form.pdf").status_code == 200
    _refused(staff.get(f"/surveys/{survey_id}/publication"), "Publication of results")


def test_a_post_or_phone_campaign_needs_its_module_in_the_service(conn, data_dir, tmp_path):
    survey_id = open_survey(conn)
    imports = Importer(conn, data_dir, tmp_path)
    imports.run(b"email\na@example.nl\n", targets=["field:email"], list_name="L")
    put(conn, "licensed", modules=())
    for channel, reason in (("post", "Paper forms"), ("phone", "Interviewer modes")):
        plan = mailing_service.Plan(
            name="x",
            survey_id=survey_id,
            list_id=imports.list_id("L"),
            template_id=_invitation_template(conn),
            reminder_template_id=None,
            send_at=time.time(),
            reminders=0,
            reminder_days=3,
            segment_filter={},
            channel=channel,
        )
        with pytest.raises(mailing_service.CampaignError) as refused:
            mailing_service.create(conn, CLI, plan, load_keys(data_dir))
        assert any(reason in r for r in refused.value.reasons)


# ---- no new work --------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["expired", "trial_over"])
def test_no_new_survey_campaign_or_account_on_the_pages(state, as_role, conn, data_dir, tmp_path):
    survey_id = open_survey(conn)
    imports = Importer(conn, data_dir, tmp_path)
    imports.run(b"email\na@example.nl\n", targets=["field:email"], list_name="L")
    put(conn, state)
    staff, admin = as_role("staff"), as_role("admin")
    before = conn.execute("SELECT count(*) FROM surveys").fetchone()[0]
    r = staff.post("/surveys/new", {"template": "nps"})
    assert r.status_code == 403 and "no new surveys, campaigns or accounts" in r.get_data(True)
    assert re.search(r"checked[^>]*value=\"nps\"|value=\"nps\"[^>]*checked", r.get_data(True))
    assert conn.execute("SELECT count(*) FROM surveys").fetchone()[0] == before
    assert 'id="new-refused"' in staff.get("/surveys/").get_data(as_text=True)

    form = {
        "name": "Najaar",
        "survey_id": survey_id,
        "list_id": imports.list_id("L"),
        "channel": "email",
        "template_id": _invitation_template(conn),
        "reminder_template_id": 0,
        "when": "now",
        "reminders": 0,
        "reminder_days": 7,
        "action": "create",
    }
    r = staff.post("/mailing/new", form)
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "no new surveys, campaigns or accounts" in page, page[:3000]
    assert 'value="Najaar"' in page  # what was typed is shown again
    assert conn.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0

    r = admin.post(
        "/admin/users/new",
        {"username": "nieuw", "role": "staff", "password": PASSWORD, "display_name": "Nieuw"},
    )
    assert r.status_code == 400 and "no new surveys, campaigns or accounts" in r.get_data(True)
    assert 'value="nieuw"' in r.get_data(as_text=True)
    assert auth_store.user_by_name(conn, "nieuw") is None
    assert 'id="new-refused"' in admin.get("/admin/users/").get_data(as_text=True)


@pytest.mark.parametrize("state", ["expired", "trial_over"])
def test_no_new_work_from_the_console_either(state, conn, cast):
    put(conn, state)
    with pytest.raises(surveys_service.SurveyError):
        surveys_service.create_from_template(conn, CLI, "nps")
    with pytest.raises(AccountError):
        auth_service.create(conn, CLI, username="nina", role="staff", password=PASSWORD)
    # Re-enabling is a new account too.
    user = auth_store.get_user(conn, cast["staff2"].id)
    auth_service.set_disabled(conn, CLI, user, True)
    with pytest.raises(AccountError):
        auth_service.set_disabled(conn, CLI, auth_store.get_user(conn, user.id), False)
    # The operator's way back in: an admin made or re-enabled from the console.
    admin_id = auth_service.create(conn, CLI, username="redder", role="admin", password=PASSWORD)
    auth_service.set_disabled(conn, CLI, auth_store.get_user(conn, admin_id), True)
    auth_service.set_disabled(conn, CLI, auth_store.get_user(conn, admin_id), False)
    assert not auth_store.get_user(conn, admin_id).disabled


def test_the_api_makes_no_new_work_past_the_licence_either(app, cast, conn):
    """The API creates surveys through the same service as the page, so the same refusal
    holds (campaigns: tests/api/test_campaigns.py)."""
    put(conn, "trial_over")
    token = token_for(conn, cast["staff"], scopes={"surveys.manage"})
    r = call(app, "post", "/api/v1/surveys", token, json={"template": "nps"})
    assert r.status_code == 409 and "licen" in r.get_json()["error"]
    assert conn.execute("SELECT count(*) FROM surveys").fetchone()[0] == 0


def test_the_grace_period_still_allows_new_work(as_role, conn):
    put(conn, "grace")
    r = as_role("staff").post("/surveys/new", {"template": "nps"})
    assert r.status_code == 302
    auth_service.create(conn, CLI, username="nina", role="staff", password=PASSWORD)


def test_the_first_admin_setup_always_works(conn):
    put(conn, "trial_over")
    conn.execute("UPDATE users SET disabled_at = '2026-01-01' WHERE role = 'admin'")
    conn.commit()
    code = auth_service.issue_setup_code(conn, 10)
    user_id = auth_service.create(
        conn,
        auth_service.Actor(None, "anonymous"),
        username="eerste",
        role="admin",
        password=PASSWORD,
        claim=lambda c: auth_service.claim_setup_code(c, code, time.time()),
    )
    assert auth_store.get_user(conn, user_id).role == "admin"


# ---- account limits -----------------------------------------------------------------------------


def test_the_account_limits(conn, cast, as_role):
    # The cast holds one active researcher (and one whose access ended) and one interviewer.
    put(conn, "licensed", researchers=1, interviewers=1)
    with pytest.raises(AccountError) as refused:
        auth_service.create(
            conn,
            CLI,
            username="rob",
            role="researcher",
            password=PASSWORD,
            valid_from=TODAY.isoformat(),
            valid_until=(TODAY + timedelta(days=9)).isoformat(),
        )
    assert "limit of active researcher accounts" in refused.value.reasons[0]
    with pytest.raises(AccountError) as refused:
        auth_service.create(conn, CLI, username="iris", role="interviewer", password=PASSWORD)
    assert "limit of active interviewer accounts" in refused.value.reasons[0]
    # Extending the ended researcher's access would make a second active one.
    ended = auth_store.get_user(conn, cast["expired"].id)
    with pytest.raises(AccountError):
        auth_service.update(conn, CLI, ended, valid_until=(TODAY + timedelta(days=9)).isoformat())
    # Moving staff into the interviewer role would too.
    with pytest.raises(AccountError):
        auth_service.update(
            conn, CLI, auth_store.get_user(conn, cast["staff2"].id), role="interviewer"
        )
    # Freeing a place lets the next one in; re-enabling the first is then refused.
    interviewer = auth_store.get_user(conn, cast["interviewer"].id)
    auth_service.set_disabled(conn, CLI, interviewer, True)
    auth_service.create(conn, CLI, username="iris", role="interviewer", password=PASSWORD)
    with pytest.raises(AccountError):
        auth_service.set_disabled(conn, CLI, auth_store.get_user(conn, interviewer.id), False)
    # On the page, with the reason.
    r = as_role("admin").post(f"/admin/users/{interviewer.id}/enable", {}, follow_redirects=True)
    assert "limit of active interviewer accounts" in r.get_data(as_text=True)
    assert auth_store.get_user(conn, interviewer.id).disabled
