"""First admin: no default account; a one-time code printed on the console opens /setup once."""

from __future__ import annotations

import time

from appliance import create_app, db
from appliance.auth import store as auth_store
from appliance.cli import initialise
from appliance.settings import load
from tests.conftest import Browser


def fresh_app(tmp_path):
    values = load({"data_dir": str(tmp_path / "fresh")}, environ={})
    initialise(values)
    conn = db.connect(db.db_path(values["data_dir"]))
    code = auth_store.issue_setup_code(conn, time.time(), 60)
    app = create_app(
        {"data_dir": values["data_dir"], "secure_cookies": False, "default_language": "en"}
    )
    return app, conn, code


def setup_form(code, username="root-admin", password="Een-lange-beheerderszin-7"):
    return {
        "code": code,
        "username": username,
        "display_name": "Root",
        "new_password": password,
        "confirm": password,
    }


def test_it_has_no_account_until_setup(tmp_path):
    app, conn, _ = fresh_app(tmp_path)
    assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0
    assert b"Create the first admin" in app.test_client().get("/login").data


def test_it_creates_the_first_admin_with_the_code_once(tmp_path):
    app, conn, code = fresh_app(tmp_path)
    b = Browser(app)
    r = b.post("/setup", setup_form(code.lower().replace("-", " ")))
    assert r.status_code == 302 and r.headers["Location"] == "/login"
    admin = auth_store.user_by_name(conn, "root-admin")
    assert admin.role == "admin" and not admin.totp_enabled
    assert b.get("/setup").status_code == 404  # closed for good
    assert (
        b.login_password("root-admin", "Een-lange-beheerderszin-7").headers["Location"]
        == "/login/enrol"
    )


def test_it_refuses_a_wrong_or_expired_code_and_keeps_the_right_one(tmp_path):
    app, conn, code = fresh_app(tmp_path)
    b = Browser(app)
    r = b.post("/setup", setup_form("WRONG-CODE"))
    assert r.status_code == 400 and b"wrong or has expired" in r.data
    r = b.post("/setup", setup_form(code, password="short"))
    assert r.status_code == 400 and b"at least 12 characters" in r.data
    assert auth_store.setup_code_valid(conn, code, time.time())  # a typo does not burn the code
    conn.execute("UPDATE setup_codes SET expires_at = 0")
    assert b.post("/setup", setup_form(code)).status_code == 400


def test_it_throttles_setup_code_guessing_per_address_only(tmp_path):
    app, conn, code = fresh_app(tmp_path)
    guesser = Browser(app)
    for _ in range(20):
        guesser.post("/setup", setup_form("GUESS"), environ_base={"REMOTE_ADDR": "10.0.0.66"})
    r = guesser.post("/setup", setup_form(code), environ_base={"REMOTE_ADDR": "10.0.0.66"})
    assert r.status_code == 429
    # Someone else, at the console, is not locked out by the guesser.
    r = Browser(app).post("/setup", setup_form(code), environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert r.status_code == 302
    assert (
        conn.execute("SELECT count(*) FROM audit_log WHERE action = 'setup.failed'").fetchone()[0]
        == 20
    )
