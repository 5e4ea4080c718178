"""End to end in a real browser: first-admin setup, TOTP enrolment, a staff account, sign-out,
sign-in with TOTP.

Runs ``appliance init`` and ``appliance serve`` as subprocesses on a free port and drives Debian's
headless chromium (``/usr/bin/chromium``) through Playwright's sync API. Playwright's own browser
downloads are never used: install the browser with ``apt-get install chromium``.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from playwright.sync_api import BrowserContext, Page, expect, sync_playwright

from appliance.keys import load as load_keys
from tests.serving import Server, running_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "test-results" / "users-page.png"

ADMIN = "ada"
ADMIN_NAME = "Ada Lovelace"
ADMIN_PASSWORD = "Lange-zin-voor-de-beheerder-2026"
STAFF = "sam"
STAFF_PASSWORD = "Verse-koffie-bij-de-balie-77"

SETUP_PROMPT = "enter this one-time setup code:"
SETUP_CODE = re.compile(r"^[A-Z0-9]{5}(?:-[A-Z0-9]{5}){4}-[A-Z0-9]+$")
START_TIMEOUT = 30
UI_TIMEOUT_MS = 10_000


def _require_chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium. Install it "
            "with `apt-get install chromium` (never `playwright install`).",
            pytrace=False,
        )


@contextmanager
def chromium_context() -> Iterator[BrowserContext]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
            context.set_default_timeout(UI_TIMEOUT_MS)
            try:
                yield context
            finally:
                context.close()
        finally:
            browser.close()


def _sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Username", exact=True).fill(ADMIN)
    page.get_by_label("Password", exact=True).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _expect_users_page(page: Page, base_url: str) -> None:
    expect(page).to_have_url(f"{base_url}/admin/users/")
    expect(page.get_by_role("heading", name="Users", level=1)).to_be_visible()


def _wait_for_next_step(used_step: int) -> None:
    """TOTP codes are single-use per 30-second step: wait until a step after ``used_step``."""
    next_start = (used_step + 1) * 30
    delay = next_start - time.time()
    if delay > 0:
        time.sleep(delay + 0.2)


def test_first_admin_end_to_end(tmp_path):
    _require_chromium()  # before anything else: a missing browser is a failure, not a skip
    with running_server(tmp_path) as server, chromium_context() as context:
        _first_admin_flow(server, context)


def _first_admin_flow(server: Server, browser_context: BrowserContext) -> None:
    base = server.base_url
    page = browser_context.new_page()

    # 1-2. First admin via the one-time setup code printed by `serve`.
    page.goto(f"{base}/setup")
    expect(page.get_by_role("heading", name="Create the first admin")).to_be_visible()
    page.get_by_label("Setup code (printed on the server console)").fill(server.setup_code)
    page.get_by_label("Username for the first admin").fill(ADMIN)
    page.get_by_label("Full name").fill(ADMIN_NAME)
    page.get_by_label("New password (at least 12 characters)").fill(ADMIN_PASSWORD)
    page.get_by_label("Repeat the new password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Create admin").click()
    expect(page).to_have_url(f"{base}/login")
    expect(page.locator(".flash.success")).to_have_text(
        "The admin account is ready. Sign in to set up two-factor login."
    )
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    # Setup is closed now.
    assert page.request.get(f"{base}/setup").status == 404

    # 3. First sign-in: mandatory TOTP enrolment, then the recovery codes.
    _sign_in(page, base)
    expect(page).to_have_url(f"{base}/login/enrol")
    expect(page.get_by_role("heading", name="Set up two-factor login")).to_be_visible()
    qr = page.get_by_role("img", name="QR code for your authenticator app")
    expect(qr).to_be_visible()
    assert (qr.get_attribute("src") or "").startswith("data:image/svg+xml")
    secret = "".join(page.locator("#totp-secret").inner_text().split())
    assert re.fullmatch(r"[A-Z2-7]{32}", secret), secret
    totp = pyotp.TOTP(secret)
    enrol_time = time.time()
    enrol_step = int(enrol_time // 30)
    page.get_by_label("6-digit code shown by the app").fill(totp.at(enrol_time))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    for text in codes.all_inner_texts():
        assert re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", text.strip()), text
    page.get_by_role("link", name="I have stored them, continue").click()
    # The admin's start page: the system's health, then the users from the menu.
    expect(page).to_have_url(f"{base}/")
    expect(page.get_by_role("heading", name="System health", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    _expect_users_page(page, base)

    # 4. A staff account via "New user".
    page.get_by_role("link", name="New user").click()
    expect(page.get_by_role("heading", name="New user")).to_be_visible()
    page.get_by_label("Username", exact=True).fill(STAFF)
    page.get_by_label("Initial password (at least 12 characters)").fill(STAFF_PASSWORD)
    page.get_by_label("Role", exact=True).select_option(label="Staff")
    page.get_by_role("button", name="Create user").click()
    expect(page.locator(".flash.success")).to_have_text("Account created.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(STAFF)
    expect(page.get_by_role("heading", name=STAFF, level=1)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    _expect_users_page(page, base)
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    sam_row = rows.filter(has=page.get_by_role("link", name=STAFF, exact=True))
    expect(sam_row).to_have_count(1)
    expect(sam_row.locator("td").nth(2)).to_have_text("Staff")

    # 5. Sign out from the header.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{base}/login")
    expect(page.locator(".flash.info")).to_have_text("You are signed out.")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    # 6. Sign in again: password, then a fresh TOTP code (the enrolment code is spent).
    _sign_in(page, base)
    expect(page).to_have_url(f"{base}/login/code")
    expect(page.get_by_role("heading", name="Two-factor login")).to_be_visible()
    _wait_for_next_step(enrol_step)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(totp.now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="System health", level=1)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    _expect_users_page(page, base)
    expect(page.locator("header .who")).to_have_text(f"{ADMIN_NAME} · Admin")
    expect(page.get_by_role("link", name=STAFF, exact=True)).to_be_visible()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # 7. The only cookie is the signed Flask session: HttpOnly, SameSite=Lax, no personal data.
    cookies = browser_context.cookies()
    assert [c["name"] for c in cookies] == ["session"], cookies
    cookie = cookies[0]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # APPLIANCE_SECURE_COOKIES=false for plain http
    signer = Flask(__name__)
    signer.secret_key = load_keys(server.data_dir).session
    data = SecureCookieSessionInterface().get_signing_serializer(signer).loads(cookie["value"])
    # No "_id" (Flask-Login's hash of address and user agent): the app removes it at sign-in.
    assert set(data) <= {"_user_id", "_fresh", "csrf_token"}, data
    assert "_user_id" in data
    assert ADMIN not in data.values()
    for word in (ADMIN_NAME, ADMIN_PASSWORD, secret):
        assert word not in repr(data)
