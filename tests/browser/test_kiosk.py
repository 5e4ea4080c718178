"""Kiosk mode in a real browser: the vendored script runs under the CSP, a respondent who walks
away is reset to the start, and after a response the kiosk returns to the start by itself."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from appliance import db
from appliance.auth.service import CLI
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.surveys import service, store
from tests.browser.test_first_admin import _require_chromium, chromium_context
from tests.serving import running_server


def test_a_kiosk_resets_after_idle_time_and_after_each_response(tmp_path):
    _require_chromium()
    with running_server(tmp_path) as server:
        conn = db.connect(db.db_path(server.data_dir))
        survey_id = service.create_from_template(conn, CLI, "nps")
        service.change_status(conn, CLI, survey_id, "open")
        with transaction(conn):
            key = store.create_kiosk(
                conn, load_keys(server.data_dir).hasher(), survey_id, "Balie", 15
            )
        conn.close()
        url = f"{server.base_url}/k/{key}"
        errors: list[str] = []
        with chromium_context() as context:
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(url)
            # Someone starts typing and walks away: after 15 idle seconds the kiosk starts over.
            page.fill("textarea", "half a thought")
            expect(page.locator("textarea")).to_have_value("", timeout=25_000)
            # A complete response: thanks, then back to the start after 5 seconds.
            page.locator("label.option", has_text=re.compile(r"^\s*9\s*$")).click()
            page.get_by_role("button").click()
            expect(page.locator("p.thanks")).to_be_visible()
            expect(page.locator("label.option").first).to_be_visible(timeout=10_000)
        assert page.url == url
        assert not [e for e in errors if "Content Security Policy" in e], errors
        conn = db.connect(db.db_path(server.data_dir))
        modes = [r[0] for r in conn.execute("SELECT mode FROM responses")]
        conn.close()
        assert modes == ["kiosk"]
