"""The user's own account page: password, language, two-factor on/off, recovery codes."""

from __future__ import annotations

from appliance import create_app
from appliance.auth import store as auth_store
from tests.conftest import PASSWORD, Browser, audit_actions, totp_now


def test_it_refuses_a_wrong_current_password(as_role, cast, conn):
    r = as_role("staff").post(
        "/account/password",
        {
            "pw-current_password": "not-my-password-at-all",
            "pw-new_password": "X" * 20,
            "pw-confirm": "X" * 20,
        },
        prefix="pw",
    )
    assert r.status_code == 400 and b"current password is not correct" in r.data
    assert "password.changed" not in audit_actions(conn)


def test_it_switches_the_interface_language(as_role, cast, conn):
    staff = as_role("staff")
    staff.post("/account/language", {"lang-language": "nl"}, prefix="lang")
    assert auth_store.get_user(conn, cast["staff"].id).language == "nl"
    assert "Mijn account" in staff.get("/account/").get_data(as_text=True)


def test_staff_cannot_turn_two_factor_off(as_role, cast, conn):
    r = as_role("staff").post(
        "/account/2fa/disable", {"2fa-current_password": PASSWORD}, prefix="2fa"
    )
    assert r.status_code == 302
    assert auth_store.get_user(conn, cast["staff"].id).totp_enabled
    assert "2fa.disabled" not in audit_actions(conn)


def test_staff_can_turn_two_factor_on_and_off_when_the_setting_allows(
    settings_overrides, cast, conn
):
    app = create_app({**settings_overrides, "staff_totp_required": False})
    auth_store.clear_totp(conn, cast["staff"].id)
    staff = Browser(app)
    staff.sign_in(cast["staff"])
    assert b"data:image/svg+xml" in staff.get("/account/2fa").data
    secret = auth_store.totp_secret(
        conn, app.extensions["appliance"].keys.cipher(), cast["staff"].id
    )
    r = staff.post("/account/2fa", {"code": totp_now(secret)})  # no password: refused
    assert not auth_store.get_user(conn, cast["staff"].id).totp_enabled
    r = staff.post("/account/2fa", {"code": totp_now(secret, 1), "current_password": PASSWORD})
    assert r.status_code == 200 and r.data.count(b"<li><code>") == 10
    assert auth_store.get_user(conn, cast["staff"].id).totp_enabled
    staff.post("/account/2fa/disable", {"2fa-current_password": PASSWORD}, prefix="2fa")
    assert not auth_store.get_user(conn, cast["staff"].id).totp_enabled
    assert audit_actions(conn)[-2:] == ["2fa.enabled", "2fa.disabled"]


def test_opening_the_enrol_page_never_replaces_a_working_second_factor(app, as_role, cast, conn):
    admin = as_role("admin")
    r = admin.get("/account/2fa")
    assert r.status_code == 302
    user = auth_store.get_user(conn, cast["admin"].id)
    secret = auth_store.totp_secret(conn, app.extensions["appliance"].keys.cipher(), user.id)
    assert user.totp_enabled and secret == cast["admin"].totp_secret


def test_admins_cannot_turn_two_factor_off(as_role, cast, conn):
    r = as_role("admin").post(
        "/account/2fa/disable", {"2fa-current_password": PASSWORD}, prefix="2fa"
    )
    assert r.status_code == 302
    assert auth_store.get_user(conn, cast["admin"].id).totp_enabled


def test_it_renews_recovery_codes_after_the_password(as_role, cast, conn):
    admin = as_role("admin")
    r = admin.post("/account/recovery-codes", {"2fa-current_password": PASSWORD}, prefix="2fa")
    assert r.status_code == 200 and r.data.count(b"<li><code>") == 10
    assert auth_store.unused_recovery_codes(conn, cast["admin"].id) == 10
    assert audit_actions(conn)[-1] == "2fa.recovery_codes_renewed"


def test_guessing_the_current_password_ends_the_session(as_role, cast, conn):
    staff = as_role("staff")
    for _ in range(4):
        r = staff.post(
            "/account/recovery-codes", {"2fa-current_password": "guess-1234567"}, prefix="2fa"
        )
        assert staff.get("/account/").status_code == 200
    r = staff.post(
        "/account/password",
        {
            "pw-current_password": "guess-1234567",
            "pw-new_password": "X" * 20,
            "pw-confirm": "X" * 20,
        },
        prefix="pw",
    )
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert staff.get("/account/").status_code == 302
    assert audit_actions(conn).count("password.confirm_failed") == 5
    assert auth_store.count_user_sessions(conn, cast["staff"].id) == 0
