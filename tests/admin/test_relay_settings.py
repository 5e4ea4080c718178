"""The SMTP relay set under Settings: applied to the next message without a restart, the
password stored sealed and never shown, the change audited without it; relay errors in the
reader's language; the sender example shown literally."""

from __future__ import annotations

import json

import pytest

from appliance import create_app, db
from tests.admin.test_mail_test import _set_sender
from tests.conftest import Browser, app_settings
from tests.mailing.smtp_server import free_port, smtp_server

PASSWORD = "Relay-Geheim-7f3Q!"


@pytest.fixture
def admin_of(data_dir, cast, monkeypatch):
    for name in ("APPLIANCE_SMTP_PASSWORD", "APPLIANCE_SMTP_USERNAME"):
        monkeypatch.delenv(name, raising=False)

    def make(**settings) -> Browser:
        app = create_app({**app_settings(data_dir), **settings})

        browser = Browser(app)
        browser.sign_in(cast["admin"])
        return browser

    return make


def _relay(admin, **fields):
    form = {
        "mail_transport": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": "25",
        "smtp_security": "none",
        "smtp_username": "",
        "smtp_password": "",
        **fields,
    }
    return admin.post("/admin/settings/mail-relay", form)


def _test_mail(admin) -> str:
    return admin.post(
        "/admin/settings/mail-test", {"recipient": "ada@voorbeeld.nl"}, follow_redirects=True
    ).get_data(as_text=True)


def test_the_relay_changed_in_the_page_is_used_at_once_with_a_sealed_password(
    admin_of, data_dir, conn
):
    # Started with a relay where nothing listens: the config file's mistake.
    admin = admin_of(mail_transport="smtp", smtp_host="127.0.0.1", smtp_port=free_port())
    _set_sender(admin)
    assert "cannot be reached" in _test_mail(admin)
    with smtp_server(users={"enquete": PASSWORD}) as server:
        r = _relay(
            admin, smtp_port=str(server.port), smtp_username="enquete", smtp_password=PASSWORD
        )
        assert r.status_code == 302, r.get_data(as_text=True)
        page = _test_mail(admin)
        assert "Test message handed over" in page
        assert [m.recipients for m in server.handler.messages] == [["ada@voorbeeld.nl"]]
    # Never shown back: the page says only that it is set.
    page = admin.get("/admin/settings/").get_data(as_text=True)
    assert PASSWORD not in page and 'id="password-state"' in page and ">set<" in page
    assert f'value="{server.port}"' in page
    # Not in the database file in clear (nor in its write-ahead log).
    conn.execute("PRAGMA wal_checkpoint(FULL)")
    raw = b"".join(p.read_bytes() for p in data_dir.glob(db.db_path(data_dir).name + "*"))
    assert PASSWORD.encode() not in raw and b"enquete" in raw
    # Audited, without the password.
    details = conn.execute(
        "SELECT details FROM audit_log WHERE action = 'settings.changed' ORDER BY id DESC"
    ).fetchone()[0]
    changes = json.loads(details)["changes"]
    assert changes["smtp_port"][1] == server.port and changes["smtp_password"] == "set"
    assert PASSWORD not in details


def test_a_login_needs_its_password_and_the_password_can_be_cleared(admin_of, conn):
    admin = admin_of()
    r = _relay(admin, smtp_username="enquete")
    assert r.status_code == 400 and "Give the password for this login name" in r.get_data(
        as_text=True
    )
    r = _relay(admin, smtp_host="")
    assert r.status_code == 400 and "Give the relay&#39;s host name" in r.get_data(as_text=True)
    assert _relay(admin, smtp_username="enquete", smtp_password=PASSWORD).status_code == 302
    # Saving again with the password left empty keeps it.
    assert _relay(admin, smtp_username="enquete", smtp_port="2525").status_code == 302
    assert ">set<" in admin.get("/admin/settings/").get_data(as_text=True)
    assert _relay(admin, clear_password="y").status_code == 302
    page = admin.get("/admin/settings/").get_data(as_text=True)
    assert ">not set<" in page
    assert (
        conn.execute(
            "SELECT sealed FROM setting_overrides WHERE name = 'smtp_password'"
        ).fetchone()[0]
        is None
    )
    details = conn.execute(
        "SELECT details FROM audit_log WHERE action = 'settings.changed' ORDER BY id DESC"
    ).fetchone()[0]
    assert json.loads(details)["changes"]["smtp_password"] == "cleared"


def test_an_unreachable_relay_is_told_in_dutch_as_an_error(admin_of):
    admin = admin_of(mail_transport="smtp", smtp_host="127.0.0.1", smtp_port=free_port())
    r = admin.post(
        "/admin/settings/",
        {
            "organisation_name": "Voorbeeld BV",
            "default_language": "nl",
            "min_group_size": "5",
            "min_open_text_count": "10",
            "mail_from": "Enquêtes <enquete@voorbeeld.nl>",
            "mail_reply_to": "",
        },
    )
    assert r.status_code == 302
    page = _test_mail(admin)
    assert '<p class="flash error">' in page
    assert "is niet bereikbaar" in page and "Technische details:" in page
    assert "cannot reach" not in page


def test_the_sender_example_is_shown_literally(admin_of):
    admin = admin_of()
    example = "Klantenservice Voorbeeld BV &lt;klantenservice@voorbeeld.nl&gt;"
    assert example in admin.get("/admin/settings/").get_data(as_text=True)
    r = admin.post(
        "/admin/settings/",
        {
            "organisation_name": "",
            "default_language": "en",
            "min_group_size": "5",
            "min_open_text_count": "10",
            "mail_from": "not an address",
            "mail_reply_to": "",
        },
    )
    text = r.get_data(as_text=True)
    assert r.status_code == 400 and f"optionally with a name: &#34;{example}&#34;" in text
