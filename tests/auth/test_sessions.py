"""Server-side sessions: timeouts, access windows and account changes end them at once."""

from __future__ import annotations

import time
from datetime import date, timedelta

from appliance.auth import store as auth_store
from tests.conftest import PASSWORD, Browser, audit_actions


def test_it_signs_out_an_expired_researcher_mid_session(as_role, cast, conn):
    b = as_role("researcher")
    assert b.get("/reports/").status_code == 200
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    conn.execute(
        "UPDATE users SET valid_until = ? WHERE id = ?", (yesterday, cast["researcher"].id)
    )
    r = b.get("/reports/")
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert b"Your access period has ended" in b.get("/login").data
    assert auth_store.count_user_sessions(conn, cast["researcher"].id) == 0
    assert audit_actions(conn)[-1] == "session.ended"
    assert b.get("/reports/").status_code == 302


def test_it_ends_a_session_after_the_idle_timeout(as_role, conn):
    b = as_role("staff")
    conn.execute("UPDATE sessions SET last_seen = ?", (time.time() - 31 * 60,))
    assert b.get("/reports/").status_code == 302
    assert b"inactivity" in b.get("/login").data


def test_it_ends_a_session_after_the_absolute_timeout(as_role, conn):
    b = as_role("staff")
    conn.execute("UPDATE sessions SET created_at = ?", (time.time() - 13 * 3600,))
    assert b.get("/reports/").status_code == 302


def test_it_ends_other_sessions_when_the_password_changes(app, as_role, cast, conn):
    laptop, phone = as_role("staff"), as_role("staff")
    r = laptop.post(
        "/account/password",
        {
            "pw-current_password": PASSWORD,
            "pw-new_password": "Een-heel-nieuw-wachtwoord-1",
            "pw-confirm": "Een-heel-nieuw-wachtwoord-1",
        },
        prefix="pw",
    )
    assert r.status_code == 302
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 302
    assert auth_store.count_user_sessions(conn, cast["staff"].id) == 1
    fresh = Browser(app)
    r = fresh.sign_in_with_code(cast["staff"], password="Een-heel-nieuw-wachtwoord-1")
    assert r.status_code == 302 and fresh.get("/account/").status_code == 200


def test_it_ends_every_session_when_an_admin_disables_the_account(as_role, cast, conn):
    victim = as_role("staff")
    admin = as_role("admin")
    r = admin.post(f"/admin/users/{cast['staff'].id}/disable")
    assert r.status_code == 302
    assert victim.get("/reports/").status_code == 302
    assert auth_store.count_user_sessions(conn, cast["staff"].id) == 0


def test_it_ends_the_session_server_side_at_logout(as_role, cast, conn):
    b = as_role("staff")
    with b.client.session_transaction() as sess:
        stolen = dict(sess)
    assert b.post("/logout").headers["Location"] == "/login"
    thief = as_role("staff2")
    with thief.client.session_transaction() as sess:
        sess.update(stolen)
    assert thief.get("/reports/").status_code == 302  # the copied cookie is worthless
    assert audit_actions(conn)[-1] == "logout"


def test_it_stores_only_a_hash_of_the_session_id(as_role, conn):
    b = as_role("staff")
    with b.client.session_transaction() as sess:
        sid = sess["_user_id"]
    stored = [bytes(r[0]) for r in conn.execute("SELECT id_hash FROM sessions")]
    assert sid.encode() not in stored and all(len(h) == 32 for h in stored)


def test_the_cookie_holds_no_address_or_browser_hash(browser, cast):
    browser.sign_in_with_code(cast["staff"])
    with browser.client.session_transaction() as sess:
        assert set(sess) <= {"_user_id", "_fresh", "csrf_token"}


def test_dead_sessions_and_old_failures_are_cleaned_up_at_sign_in(app, as_role, cast, conn):
    as_role("staff2")
    conn.execute("UPDATE sessions SET last_seen = ?", (time.time() - 86400,))
    conn.execute("INSERT INTO login_failures (key, at) VALUES (x'00', ?)", (time.time() - 90000,))
    b = Browser(app)
    b.login_password("sam", "wrong-password-0000")
    assert b.sign_in_with_code(cast["staff"]).status_code == 302
    assert conn.execute("SELECT count(*) FROM sessions").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM login_failures WHERE key = x'00'").fetchone()[0] == 0
