"""Admin user management: create, change role and window, grant surveys, disable, reset."""

from __future__ import annotations

from datetime import date, timedelta

from appliance.auth import store as auth_store
from tests.conftest import Browser, audit_actions


def new_user(**fields):
    base = {
        "username": "nina",
        "password": "Nieuwe-medewerker-2026",
        "display_name": "Nina",
        "role": "staff",
        "language": "nl",
    }
    return {**base, **fields}


def test_it_creates_a_staff_account_that_can_sign_in(app, as_role, conn):
    r = as_role("admin").post("/admin/users/new", new_user())
    assert r.status_code == 302
    nina = auth_store.user_by_name(conn, "nina")
    assert nina.role == "staff" and nina.language == "nl" and nina.valid_until is None
    assert audit_actions(conn)[-1] == "user.created"
    # Staff set up two-factor login at the first sign-in, before anything else.
    nina_browser = Browser(app)
    r = nina_browser.login_password("nina", "Nieuwe-medewerker-2026")
    assert r.status_code == 302 and r.headers["Location"] == "/login/enrol"
    assert nina_browser.enrol(nina.id).status_code == 200
    # Then she replaces the password the admin gave (tests/auth/test_first_password.py).
    assert nina_browser.get("/contacts/").headers["Location"] == "/account/new-password"


def test_it_explains_every_problem_with_a_new_account(as_role, conn):
    r = as_role("admin").post("/admin/users/new", new_user(username="sam", password="kort"))
    assert r.status_code == 400
    assert b"Use at least 12 characters." in r.data
    r = as_role("admin").post("/admin/users/new", new_user(username="ne w", role="researcher"))
    assert b"A username has 2-64 characters" in r.data
    assert b"A researcher needs an access period" in r.data
    assert auth_store.user_by_name(conn, "nina") is None


def test_it_refuses_a_taken_username_case_insensitively(as_role):
    r = as_role("admin").post("/admin/users/new", new_user(username="SAM"))
    assert r.status_code == 400 and b"already taken" in r.data


def test_it_creates_a_researcher_with_window_and_grants(as_role, conn):
    conn.execute(
        "INSERT INTO surveys (id, title, created_at) VALUES (7, 'Klanttevredenheid 2026',"
        " '2026-01-01T00:00:00Z'), (8, 'Medewerkers', '2026-01-01T00:00:00Z')"
    )
    start, end = date.today(), date.today() + timedelta(days=14)
    r = as_role("admin").post(
        "/admin/users/new",
        new_user(
            username="bureau",
            role="researcher",
            valid_from=start.isoformat(),
            valid_until=end.isoformat(),
            surveys=["7"],
        ),
    )
    assert r.status_code == 302
    bureau = auth_store.user_by_name(conn, "bureau")
    assert (bureau.valid_from, bureau.valid_until) == (start.isoformat(), end.isoformat())
    assert auth_store.granted_survey_ids(conn, bureau.id) == {7}
    assert audit_actions(conn)[-2:] == ["user.created", "user.grants_changed"]


def test_it_refuses_a_window_that_ends_before_it_starts(as_role, cast):
    r = as_role("admin").post(
        f"/admin/users/{cast['researcher'].id}",
        {
            "role": "researcher",
            "language": "",
            "valid_from": "2026-05-10",
            "valid_until": "2026-05-01",
        },
    )
    assert r.status_code == 400 and b"ends before it starts" in r.data


def test_it_ends_sessions_when_the_role_changes(as_role, cast, conn):
    staff = as_role("staff")
    r = as_role("admin").post(
        f"/admin/users/{cast['staff'].id}", {"role": "admin", "language": "", "display_name": "Sam"}
    )
    assert r.status_code == 302
    assert staff.get("/reports/").status_code == 302
    details = conn.execute(
        "SELECT details FROM audit_log WHERE action = 'user.changed'"
    ).fetchone()[0]
    assert '"role": ["staff", "admin"]' in details


def test_it_keeps_at_least_one_active_admin(as_role, cast, conn):
    admin = as_role("admin")
    r = admin.post(f"/admin/users/{cast['admin'].id}/disable")
    assert r.status_code == 302
    assert b"You cannot disable your own account." in admin.get(r.headers["Location"]).data
    r = admin.post(f"/admin/users/{cast['admin'].id}", {"role": "staff", "language": ""})
    assert r.status_code == 400 and b"last active admin" in r.data
    assert auth_store.get_user(conn, cast["admin"].id).role == "admin"


def test_it_disables_and_enables_an_account(app, as_role, cast, conn):
    admin = as_role("admin")
    admin.post(f"/admin/users/{cast['staff'].id}/disable")
    assert auth_store.get_user(conn, cast["staff"].id).disabled
    admin.post(f"/admin/users/{cast['staff'].id}/enable")
    assert not auth_store.get_user(conn, cast["staff"].id).disabled
    assert audit_actions(conn)[-2:] == ["user.disabled", "user.enabled"]


def test_it_resets_a_password_and_two_factor(app, as_role, cast, conn):
    admin = as_role("admin")
    researcher = as_role("researcher")
    r = admin.post(
        f"/admin/users/{cast['researcher'].id}/password",
        {"new_password": "Herstel-wachtwoord-2026", "confirm": "Herstel-wachtwoord-2026"},
    )
    assert r.status_code == 302
    assert researcher.get("/reports/").status_code == 302
    admin.post(f"/admin/users/{cast['researcher'].id}/reset-2fa")
    assert not auth_store.get_user(conn, cast["researcher"].id).totp_enabled
    b = Browser(app)
    assert b.login_password("rita", "Herstel-wachtwoord-2026").headers["Location"] == "/login/enrol"
    assert audit_actions(conn)[-1] == "2fa.reset"


def test_it_shows_each_account_with_role_and_state(as_role):
    page = as_role("admin").get("/admin/users/").data.decode()
    for name in ("ada", "sam", "sara", "rita", "rex"):
        assert f">{name}</a>" in page


def test_it_returns_404_for_an_unknown_account(as_role):
    assert as_role("admin").get("/admin/users/9999").status_code == 404


def test_flash_messages_keep_usernames_out_of_the_cookie(as_role):
    admin = as_role("admin")
    admin.post("/admin/users/new", new_user(username="jan.jansen@klant.nl"))
    with admin.client.session_transaction() as sess:
        assert "jan.jansen" not in repr(dict(sess))


def test_a_refused_password_reset_keeps_the_grants_on_the_page(as_role, cast, conn):
    conn.execute("INSERT INTO surveys (id, title, created_at) VALUES (7, 'NPS', 'x')")
    conn.execute("INSERT INTO researcher_grants VALUES (?, 7)", (cast["researcher"].id,))
    r = as_role("admin").post(
        f"/admin/users/{cast['researcher'].id}/password",
        {"new_password": "kort", "confirm": "kort"},
    )
    assert r.status_code == 400
    assert '<input checked id="surveys-0" name="surveys"' in r.get_data(as_text=True)


def test_an_admin_resetting_their_own_password_stays_signed_in(as_role, cast):
    admin = as_role("admin")
    r = admin.post(
        f"/admin/users/{cast['admin'].id}/password",
        {"new_password": "Mijn-eigen-nieuwe-zin-2026", "confirm": "Mijn-eigen-nieuwe-zin-2026"},
    )
    assert r.status_code == 302
    assert admin.get("/admin/users/").status_code == 200


def test_grants_are_cleared_when_a_researcher_becomes_staff(as_role, cast, conn):
    conn.execute("INSERT INTO surveys (id, title, created_at) VALUES (7, 'NPS', 'x')")
    conn.execute("INSERT INTO researcher_grants VALUES (?, 7)", (cast["researcher"].id,))
    r = as_role("admin").post(
        f"/admin/users/{cast['researcher'].id}", {"role": "staff", "language": "", "surveys": ["7"]}
    )
    assert r.status_code == 302
    assert auth_store.granted_survey_ids(conn, cast["researcher"].id) == set()
    user = auth_store.get_user(conn, cast["researcher"].id)
    assert (user.role, user.valid_from, user.valid_until) == ("staff", None, None)
