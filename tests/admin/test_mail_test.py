"""The admin's "send a test message": it goes through the configured transport, and when it
cannot, the admin reads why."""

from __future__ import annotations

import email

import pytest

from appliance import create_app
from tests.conftest import Browser, audit_actions
from tests.mailing.smtp_server import free_port, smtp_server


def _set_sender(admin, sender="Enquêtes Voorbeeld BV <enquete@voorbeeld.nl>"):
    r = admin.post(
        "/admin/settings/",
        {
            "organisation_name": "Voorbeeld BV",
            "default_language": "en",
            "min_group_size": "5",
            "mail_from": sender,
            "mail_reply_to": "",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)


def test_a_test_message_lands_in_the_mail_folder_by_default(as_role, conn, data_dir):
    admin = as_role("admin")
    page = admin.get("/admin/settings/").get_data(as_text=True)
    assert "files in" in page and "smtp_password" in page and "(not set)" in page
    _set_sender(admin)
    done = admin.post(
        "/admin/settings/mail-test", {"recipient": "ada@voorbeeld.nl"}, follow_redirects=True
    )
    assert "Test message handed over" in done.get_data(as_text=True)
    [file] = list((data_dir / "mail").rglob("*.eml"))
    message = email.message_from_bytes(file.read_bytes())
    assert message["To"] == "ada@voorbeeld.nl" and "Voorbeeld BV" in message["Subject"]
    assert audit_actions(conn)[-1] == "mail.test_sent"
    assert (
        "ada@voorbeeld.nl"
        not in conn.execute("SELECT group_concat(details) FROM audit_log").fetchone()[0]
    )


def test_without_a_sender_nothing_is_sent(as_role, data_dir):
    done = as_role("admin").post(
        "/admin/settings/mail-test", {"recipient": "ada@voorbeeld.nl"}, follow_redirects=True
    )
    assert "Set the sender of invitations first" in done.get_data(as_text=True)
    assert not (data_dir / "mail").exists()


def test_a_bad_sender_is_refused_with_a_clear_message(as_role):
    r = as_role("admin").post(
        "/admin/settings/",
        {
            "organisation_name": "",
            "default_language": "en",
            "min_group_size": "5",
            "mail_from": "Voorbeeld BV\r\nBcc: x@evil.example",
            "mail_reply_to": "",
        },
    )
    assert r.status_code == 400 and "optionally with a name" in r.get_data(as_text=True)


@pytest.fixture
def smtp_app(data_dir, cast):
    def make(**settings):
        return create_app(
            {
                "data_dir": str(data_dir),
                "default_language": "en",
                "secure_cookies": False,
                "mail_transport": "smtp",
                **settings,
            }
        )

    return make


def _admin_of(app, cast) -> Browser:
    browser = Browser(app)
    browser.sign_in(cast["admin"])
    return browser


def test_through_a_real_relay_and_when_the_relay_is_down(smtp_app, cast):
    with smtp_server() as server:
        app = smtp_app(smtp_host=server.host, smtp_port=server.port, smtp_security="none")
        admin = _admin_of(app, cast)
        _set_sender(admin)
        done = admin.post(
            "/admin/settings/mail-test", {"recipient": "ada@voorbeeld.nl"}, follow_redirects=True
        )
        assert "Test message handed over" in done.get_data(as_text=True)
        assert server.handler.messages[0].recipients == ["ada@voorbeeld.nl"]
        assert server.handler.messages[0].sender == "enquete@voorbeeld.nl"
    app = smtp_app(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none")
    admin = _admin_of(app, cast)
    failed = admin.post(
        "/admin/settings/mail-test", {"recipient": "ada@voorbeeld.nl"}, follow_redirects=True
    )
    text = failed.get_data(as_text=True)
    assert "could not be sent" in text and "The mail server at 127.0.0.1:" in text
    assert "cannot be reached. Technical detail: Connection refused" in text
