"""Sign-in: passwords, throttling, two-factor codes, access windows, no user enumeration."""

from __future__ import annotations

import re
import time

from appliance import create_app
from appliance.auth import store as auth_store
from tests.conftest import PASSWORD, Browser, audit_actions, totp_now


def test_it_requires_a_totp_code_for_staff(browser, cast, conn):
    r = browser.login_password("sam")
    assert r.headers["Location"] == "/login/code"
    assert browser.get("/contacts/").status_code == 302  # not signed in yet
    r = browser.post("/login/code", {"code": totp_now(cast["staff"].totp_secret)})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert browser.get("/contacts/").status_code == 200
    assert audit_actions(conn)[-1] == "login.success"


def test_it_makes_staff_without_2fa_enrol_at_their_next_sign_in(app, browser, cast, conn):
    auth_store.clear_totp(conn, cast["staff"].id)
    assert browser.login_password("sam").headers["Location"] == "/login/enrol"
    assert browser.get("/contacts/").status_code == 302
    r = browser.enrol(cast["staff"].id)
    assert r.status_code == 200 and r.data.count(b"<li><code>") == 10
    assert browser.get("/contacts/").status_code == 200
    assert auth_store.get_user(conn, cast["staff"].id).totp_enabled


def test_staff_sign_in_with_password_only_when_the_setting_is_off(settings_overrides, cast, conn):
    app = create_app({**settings_overrides, "staff_totp_required": False})
    auth_store.clear_totp(conn, cast["staff"].id)
    browser = Browser(app)
    r = browser.login_password("sam")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert browser.get("/reports/").status_code == 200
    assert audit_actions(conn)[-1] == "login.success"
    # A second factor that is on is still asked for, and admins and researchers always need one.
    assert Browser(app).login_password("sara").headers["Location"] == "/login/code"
    auth_store.clear_totp(conn, cast["admin"].id)
    auth_store.clear_totp(conn, cast["researcher"].id)
    assert Browser(app).login_password("ada").headers["Location"] == "/login/enrol"
    assert Browser(app).login_password("rita").headers["Location"] == "/login/enrol"


def test_it_gives_the_same_answer_for_unknown_user_and_wrong_password(browser, conn):
    unknown = browser.login_password("nobody-here", "whatever-password-123")
    wrong = browser.login_password("sam", "not-the-password-123")
    assert unknown.status_code == wrong.status_code == 401
    assert b"Username or password is incorrect." in unknown.data

    def page(response, name):  # the CSRF token carries a timestamp; everything else must match
        text = response.get_data(as_text=True).replace(name, "X")
        return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", text)

    assert page(unknown, "nobody-here") == page(wrong, "sam")
    rows = conn.execute("SELECT details FROM audit_log WHERE action = 'login.failed'").fetchall()
    assert [r[0] for r in rows] == ['{"reason": "unknown_account"}', '{"reason": "bad_password"}']


def test_it_takes_comparable_time_for_unknown_and_known_accounts(browser):
    def timed(name):
        start = time.perf_counter()
        browser.login_password(name, "not-the-password-123")
        return time.perf_counter() - start

    timed("sam")  # warm up
    known = min(timed("sam") for _ in range(3))
    unknown = min(timed(f"ghost{i}") for i in range(3))
    # Both verify one argon2 hash; without the dummy hash the unknown case would be ~100x faster.
    assert unknown > known * 0.5


def test_it_throttles_an_account_after_repeated_failures(browser, conn):
    for _ in range(5):
        assert browser.login_password("sam", "wrong-password-0000").status_code == 401
    r = browser.login_password("sam", PASSWORD)
    assert r.status_code == 429
    assert b"Too many failed sign-in attempts. Try again in 15 minutes." in r.data
    assert "login.throttled" in audit_actions(conn)


def test_it_throttles_unknown_names_exactly_like_real_ones(browser):
    for _ in range(5):
        browser.login_password("ghost", "wrong-password-0000")
    assert browser.login_password("ghost", "wrong-password-0000").status_code == 429


def test_it_throttles_a_client_address_guessing_many_accounts(app, browser):
    for i in range(20):
        browser.login_password(f"user{i}", "wrong-password-0000")
    r = browser.login_password("sam", PASSWORD)
    assert r.status_code == 429
    # The same account from another address is not affected.
    other = Browser(app)
    r = other.login_password("sam", PASSWORD, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert r.status_code == 302


def test_it_requires_a_totp_code_for_admins(browser, cast, conn):
    r = browser.login_password("ada")
    assert r.headers["Location"] == "/login/code"
    assert browser.get("/admin/users/").status_code == 302  # not signed in yet
    r = browser.post("/login/code", {"code": totp_now(cast["admin"].totp_secret)})
    assert r.status_code == 302
    assert browser.get("/admin/users/").status_code == 200
    assert audit_actions(conn)[-1] == "login.success"


def test_it_refuses_a_replayed_totp_code(app, cast, conn):
    code = totp_now(cast["admin"].totp_secret)
    first, second = Browser(app), Browser(app)
    first.login_password("ada")
    assert first.post("/login/code", {"code": code}).status_code == 302
    second.login_password("ada")
    r = second.post("/login/code", {"code": code})
    assert r.status_code == 401
    assert b"not valid (or was already used)" in r.data
    assert second.get("/admin/users/").status_code == 302


def test_it_refuses_an_older_code_after_a_newer_one_was_used(app, cast):
    secret = cast["admin"].totp_secret
    b = Browser(app)
    b.login_password("ada")
    assert b.post("/login/code", {"code": totp_now(secret, +1)}).status_code == 302
    c = Browser(app)
    c.login_password("ada")
    assert c.post("/login/code", {"code": totp_now(secret, 0)}).status_code == 401


def test_it_accepts_a_recovery_code_once(app, conn):
    b = Browser(app)
    b.login_password("ada")
    assert b.post("/login/code", {"code": "AAAA BBBB CCCC 0003"}).status_code == 302
    c = Browser(app)
    c.login_password("ada")
    assert c.post("/login/code", {"code": "aaaa-bbbb-cccc-0003"}).status_code == 401
    details = conn.execute(
        "SELECT details FROM audit_log WHERE action = 'login.success'"
    ).fetchone()[0]
    assert "recovery_code" in details


def test_it_ends_the_pending_login_after_five_wrong_codes(browser):
    browser.login_password("ada")
    for _ in range(4):
        assert browser.post("/login/code", {"code": "000000"}).status_code == 401
    r = browser.post("/login/code", {"code": "000000"})
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert browser.get("/login/code").headers["Location"] == "/login"


def test_it_makes_a_researcher_without_2fa_enrol_before_anything_else(app, cast, conn):
    auth_store.clear_totp(conn, cast["researcher"].id)
    b = Browser(app)
    assert b.login_password("rita").headers["Location"] == "/login/enrol"
    assert b.get("/reports/").status_code == 302
    page = b.get("/login/enrol").data.decode()
    assert "data:image/svg+xml" in page
    secret = auth_store.totp_secret(
        conn, app.extensions["appliance"].keys.cipher(), cast["researcher"].id
    )
    r = b.post("/login/enrol", {"code": totp_now(secret)})
    assert r.status_code == 200 and r.data.count(b"<li><code>") == 10
    assert b.get("/reports/").status_code == 200
    assert "2fa.enabled" in audit_actions(conn)


def test_it_refuses_a_researcher_outside_the_access_window(browser, conn):
    r = browser.login_password("rex")
    assert r.status_code == 403
    assert b"Your access period is not open" in r.data
    assert audit_actions(conn)[-1] == "login.refused"


def test_it_refuses_a_disabled_account_with_the_generic_message(browser, cast, conn):
    auth_store.set_disabled(conn, cast["staff"].id, True)
    r = browser.login_password("sam")
    assert r.status_code == 401 and b"Username or password is incorrect." in r.data


def test_it_follows_a_local_next_but_not_a_foreign_one(app, cast):
    b = Browser(app)
    b.get("/login?next=/account/")
    assert b.sign_in_with_code(cast["staff"]).headers["Location"] == "/account/"
    evil = ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x")
    for i, target in enumerate(evil):
        c = Browser(app)
        c.get("/login", query_string={"next": target})
        # One TOTP code per time step: the further sign-ins use the recovery codes.
        code = f"aaaa-bbbb-cccc-{i:04d}"
        assert c.sign_in_with_code(cast["staff"], code).headers["Location"] == "/"


def test_it_rotates_the_session_id_at_sign_in(browser, cast):
    with browser.client.session_transaction() as sess:
        sess["_user_id"] = "planted-by-attacker"
    browser.sign_in_with_code(cast["staff"])
    with browser.client.session_transaction() as sess:
        assert sess["_user_id"] != "planted-by-attacker"


def test_wrong_codes_count_against_the_account_across_sign_ins(browser, cast):
    browser.login_password("ada")
    for _ in range(5):
        browser.post("/login/code", {"code": "000000"})
    # The correct password no longer wipes the count: the account is throttled now.
    assert browser.login_password("ada").status_code == 429


def test_a_flood_of_throttled_attempts_is_logged_once(browser, conn):
    for _ in range(5):
        browser.login_password("sam", "wrong-password-0000")
    for _ in range(30):
        assert browser.login_password("sam", "wrong-password-0000").status_code == 429
    assert audit_actions(conn).count("login.throttled") == 1


def test_a_repeated_code_submit_keeps_the_new_session(app, cast):
    b = Browser(app)
    b.login_password("ada")
    with b.client.session_transaction() as sess:
        before = dict(sess)
    assert b.post("/login/code", {"code": totp_now(cast["admin"].totp_secret)}).status_code == 302
    with b.client.session_transaction() as sess:
        signed_in = dict(sess)
        sess.update(before)  # the browser resends the code form from its history
    b.post("/login/code", {"code": "123456"})
    with b.client.session_transaction() as sess:
        sess.update(signed_in)
    assert b.get("/admin/users/").status_code == 200
