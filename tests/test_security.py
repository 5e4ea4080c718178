"""CSRF, cookies, security headers, Host-header independence."""

from __future__ import annotations

from appliance import create_app
from appliance.security import CSP
from tests.conftest import PASSWORD


def test_it_refuses_a_form_post_without_a_csrf_token(browser, as_role, cast, conn):
    r = browser.post("/login", {"username": "sam", "password": PASSWORD}, csrf=False)
    assert r.status_code == 400 and b"Form expired" in r.data
    admin = as_role("admin")
    r = admin.post(f"/admin/users/{cast['staff'].id}/disable", csrf=False)
    assert r.status_code == 400
    assert (
        conn.execute("SELECT disabled_at FROM users WHERE id = ?", (cast["staff"].id,)).fetchone()[
            0
        ]
        is None
    )


def test_it_refuses_a_csrf_token_from_another_session(app, as_role, cast):
    victim, attacker = as_role("admin"), as_role("staff")
    token = attacker.csrf()
    r = victim.client.post(f"/admin/users/{cast['staff'].id}/disable", data={"csrf_token": token})
    assert r.status_code == 400


def test_it_sets_strict_cookie_flags(settings_overrides):
    app = create_app(
        {**settings_overrides, "secure_cookies": True, "base_url": "https://survey.example.nl"}
    )
    client = app.test_client()
    r = client.get("/login", base_url="https://survey.example.nl")
    cookie = r.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=")
    for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie
    assert "Domain" not in cookie
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_it_sends_security_headers_and_no_store(browser):
    r = browser.get("/login")
    assert r.headers["Content-Security-Policy"] == CSP
    assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP
    assert "frame-ancestors 'none'" in CSP
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"
    assert r.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in r.headers  # plain http: HSTS would be ignored


def test_it_has_no_inline_script_or_style_in_pages(as_role):
    for role, url in (
        ("admin", "/admin/users/"),
        ("admin", "/admin/audit/"),
        ("staff", "/account/"),
        ("researcher", "/reports/"),
    ):
        page = as_role(role).get(url).data.decode()
        assert "<script>" not in page and "style=" not in page and "onclick" not in page


def test_it_never_builds_links_from_the_host_header(browser):
    r = browser.get("/admin/users/", headers={"Host": "evil.example"})
    assert r.headers["Location"].startswith("/login")
    page = browser.get("/login", headers={"Host": "evil.example"}).data
    assert b"evil.example" not in page


def test_it_trusts_forwarded_headers_only_from_configured_proxies(settings_overrides):
    direct = create_app(settings_overrides).test_client()
    r = direct.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in r.headers
    proxied = create_app({**settings_overrides, "trusted_proxies": 1}).test_client()
    r = proxied.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in r.headers


def test_it_escapes_user_supplied_text(as_role, cast, conn):
    conn.execute(
        "UPDATE users SET display_name = ? WHERE id = ?",
        ("<script>alert(1)</script>", cast["staff"].id),
    )
    page = as_role("admin").get("/admin/users/").data
    assert b"<script>alert(1)</script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_missing_trailing_slash_never_redirects_to_the_host_header(as_role):
    staff = as_role("staff")
    assert staff.get("/account").status_code == 200  # matched, not redirected
    for path in ("/account", "//account//", "/admin/users"):
        r = staff.get(path, headers={"Host": "evil.example"})
        assert "evil.example" not in r.headers.get("Location", ""), path
