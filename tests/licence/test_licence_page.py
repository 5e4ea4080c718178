"""The admin's licence page: what is licensed, the days left, and uploading a licence."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from appliance.licence import service
from tests.conftest import app_settings, audit_actions
from tests.licensing import issue, new_key, public_text

KEY = new_key()


@pytest.fixture
def settings_overrides(data_dir):
    return {**app_settings(data_dir), "licence_test_key": public_text(KEY)}


def upload(browser, body: bytes, name: str = "voorbeeld.licence"):
    return browser.post(
        "/admin/licence/",
        {"file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def test_a_fresh_installation_shows_the_trial_and_every_module(as_role):
    page = as_role("admin").get("/admin/licence/").get_data(as_text=True)
    assert "Trial" in page and "30 days left" in page
    assert "No licence is installed." in page and "every module is available" in page
    assert "appliance licence install FILE" in page


def test_an_admin_installs_a_licence_and_sees_what_it_allows(as_role, conn):
    admin = as_role("admin")
    until = date.today() + timedelta(days=99)
    body = issue(KEY, licence_id="LIC-42", valid_until=until, modules=("paper",), researchers=4)
    r = upload(admin, body)
    assert r.status_code == 302 and r.headers["Location"] == "/admin/licence/"
    page = admin.get("/admin/licence/").get_data(as_text=True)
    assert "Licence LIC-42 for Voorbeeld B.V. is installed." in page
    assert "Licensed" in page and "100 days left" in page and "LIC-42" in page
    assert page.count('class="badge on">yes') == 1 and page.count('class="badge off">no') == 2
    assert ">4</td>" in page  # researchers allowed
    assert audit_actions(conn)[-1] == "licence.installed"


def test_a_forged_licence_is_refused_in_the_admins_language_and_nothing_changes(as_role, conn):
    admin = as_role("admin")
    r = upload(admin, issue(new_key()))
    assert r.status_code == 400
    assert "is not signed by the supplier of this appliance" in r.get_data(as_text=True)
    assert service.status(conn, date.today()).licence is None
    with admin.client.session_transaction() as sess:
        sess["language"] = "nl"
    conn.execute("UPDATE users SET language = 'nl' WHERE username = 'ada'")
    r = upload(admin, b"{not a licence")
    assert r.status_code == 400 and "geen licentie" in r.get_data(as_text=True)
    assert "licence.installed" not in audit_actions(conn)


def test_an_ended_licence_is_refused_with_its_end_date(as_role):
    ended = date.today() - timedelta(days=2)
    r = upload(as_role("admin"), issue(KEY, valid_until=ended))
    assert r.status_code == 400 and "This licence ended on" in r.get_data(as_text=True)


def test_only_admins_open_the_page(as_role):
    for role in ("staff", "researcher", "interviewer"):
        assert as_role(role).get("/admin/licence/").status_code == 403
