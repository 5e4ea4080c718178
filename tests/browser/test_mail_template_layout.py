"""The mail template editor in a real browser: full-width text fields, a plain-text preview
whose long lines wrap, a tall sandboxed HTML preview, and no sideways scrolling on a phone
(390 px) or a laptop (1366 px), in English and Dutch."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_campaign import mailing_server
from tests.browser.test_contact_import import sign_in_staff
from tests.browser.test_first_admin import _require_chromium

LONG_LINE = "Een heel lange regel zonder afbreking " * 40


def test_the_template_editor_fits_phone_and_laptop(tmp_path):
    _require_chromium()
    with mailing_server(tmp_path) as (server, context):
        base = server.base_url

        page = context.new_page()
        sign_in_staff(page, base)
        # A survey for the preview, then the standard invitation with one very long line.
        nav = page.get_by_role("navigation", name="Main")
        nav.get_by_role("link", name="Surveys").click()
        page.get_by_role("link", name="New survey").click()
        page.get_by_role("radio", name=re.compile(r"^NPS only")).check()
        page.get_by_role("button", name="Create draft").click()
        page.goto(f"{base}/mailing/templates/")
        page.get_by_role("link", name="Uitnodiging / Invitation").click()
        text = page.locator("#nl_text")
        text.fill(text.input_value() + "\n" + LONG_LINE + "\n")
        page.get_by_role("button", name="Save the template").click()
        expect(page.locator(".flash.success")).to_be_visible()
        url = page.url
        for language in ("en", "nl"):
            context.set_extra_http_headers({"Accept-Language": language})
            for width, height in ((1366, 900), (390, 844)):
                page.set_viewport_size({"width": width, "height": height})
                page.goto(url)
                expect(page.locator("#preview-text")).to_be_visible()
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, (language, width, overflow)
                main = page.locator("main").bounding_box()
                area = page.locator("#nl_text").bounding_box()
                assert area["width"] >= main["width"] * 0.75, (width, area, main)
                frame = page.locator("iframe.mail-html")
                assert frame.get_attribute("sandbox") == ""
                box = frame.bounding_box()
                assert box["width"] >= main["width"] * 0.75 and box["height"] >= 0.5 * height
                if folder := os.environ.get("SHOTS_DIR"):
                    Path(folder).mkdir(parents=True, exist_ok=True)
                    page.screenshot(
                        path=f"{folder}/template-{language}-{width}.png", full_page=True
                    )


pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
