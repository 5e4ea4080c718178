"""The first password an admin gives must be replaced at the first sign-in: until then every
page leads to the change-password page (signing out excepted)."""

from __future__ import annotations

from click.testing import CliRunner

from appliance.auth import store as auth_store
from appliance.cli import main
from tests.conftest import PASSWORD, Browser, audit_actions, totp_now

GIVEN = "Van-de-beheerder-2026"
OWN = "Mijn-eigen-geheim-wachtwoord-77"


def change(b: Browser, current: str, new: str, confirm: str | None = None):
    return b.post(
        "/account/new-password",
        {"pw-current_password": current, "pw-new_password": new, "pw-confirm": confirm or new},
        prefix="pw",
    )


def test_a_new_staff_account_must_replace_its_first_password(app, as_role, conn):
    admin = as_role("admin")
    r = admin.post(
        "/admin/users/new",
        {
            "username": "nina",
            "password": GIVEN,
            "display_name": "Nina",
            "role": "staff",
            "language": "en",
        },
    )
    assert r.status_code == 302
    nina = auth_store.user_by_name(conn, "nina")
    assert nina.must_change_password

    b = Browser(app)
    assert b.login_password("nina", GIVEN).headers["Location"] == "/login/enrol"
    b.enrol(nina.id)
    # Signing in lands on the start page, which sends her to choose her own password first;
    # so does every other page, whatever it is.
    for path in ("/", "/surveys/", "/account/", "/contacts/", "/reports/"):
        r = b.get(path)
        assert r.status_code == 302 and r.headers["Location"] == "/account/new-password", path
    page = b.get("/account/new-password")
    assert page.status_code == 200 and b"Choose your own password" in page.data
    # Refusals keep the demand: a wrong current password, a mismatch, the same password again.
    assert change(b, "not-the-given-one-at-all", OWN).status_code == 400
    assert change(b, GIVEN, OWN, OWN + "x").status_code == 400
    r = change(b, GIVEN, GIVEN)
    assert r.status_code == 400 and b"not the one you have now" in r.data
    assert auth_store.user_by_name(conn, "nina").must_change_password

    r = change(b, GIVEN, OWN)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert not auth_store.user_by_name(conn, "nina").must_change_password
    start = b.get("/")
    assert start.status_code == 200 and b"Open surveys" in start.data
    assert b.get("/surveys/").status_code == 200
    assert audit_actions(conn)[-1] == "password.changed"

    # The old password no longer works; the new one does.
    b.post("/logout")
    fresh = Browser(app)
    assert fresh.login_password("nina", GIVEN).status_code == 401
    assert fresh.login_password("nina", OWN).headers["Location"] == "/login/code"
    secret = auth_store.totp_secret(conn, app.extensions["appliance"].keys.cipher(), nina.id)
    # The next step: the current one was used at enrolment (a replay is refused).
    r = fresh.post("/login/code", {"code": totp_now(secret, 1)})
    assert r.headers["Location"] == "/"
    assert b"Open surveys" in fresh.get("/").data


def test_signing_out_stays_possible_and_the_page_needs_a_demand(app, as_role, cast, conn):
    staff = as_role("staff")
    # Without a password to replace, the page leads to the start page.
    assert staff.get("/account/new-password").headers["Location"] == "/"
    conn.execute("UPDATE users SET must_change_password = 1 WHERE id = ?", (cast["staff"].id,))
    assert staff.get("/").headers["Location"] == "/account/new-password"
    r = staff.post("/logout")
    assert r.status_code == 302 and r.headers["Location"] == "/login"


def test_an_admin_reset_demands_a_new_password_and_her_own_does_not(app, as_role, cast, conn):
    admin = as_role("admin")
    new = {"new_password": GIVEN, "confirm": GIVEN}
    assert admin.post(f"/admin/users/{cast['researcher'].id}/password", new).status_code == 302
    assert auth_store.get_user(conn, cast["researcher"].id).must_change_password
    assert as_role("researcher").get("/reports/").headers["Location"] == "/account/new-password"
    # An admin setting her own password on the users page chose it herself.
    assert admin.post(f"/admin/users/{cast['admin'].id}/password", new).status_code == 302
    assert not auth_store.get_user(conn, cast["admin"].id).must_change_password


def test_the_console_gives_first_passwords_to_staff_but_not_to_its_own_admin(data_dir, conn):
    def add(name, role):
        result = CliRunner().invoke(
            main,
            ["--data-dir", str(data_dir), "user", "add", name, "--role", role, "--password-stdin"],
            input=PASSWORD + "\n",
            env={},
        )
        assert result.exit_code == 0, result.output
        return auth_store.user_by_name(conn, name)

    assert add("tom", "staff").must_change_password
    assert not add("beheer2", "admin").must_change_password
