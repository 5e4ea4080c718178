"""The admin sets the return mailbox in the browser (its password stored sealed) and checks it."""

from __future__ import annotations

from appliance import db
from tests.mailing.bounces.conftest import BOUNCE_ADDRESS, IMAP_PASSWORD, IMAP_USER, bounce


def _form(imap, **extra) -> dict:
    return {
        "bounce_address": BOUNCE_ADDRESS,
        "bounce_mailbox": "imap",
        "bounce_imap_host": imap.host,
        "bounce_imap_port": imap.port,
        "bounce_imap_username": IMAP_USER,
        "bounce_imap_password": IMAP_PASSWORD,
        "bounce_imap_folder": "INBOX",
        "bounce_imap_verify_certificate": "y",
        "bounce_check_minutes": 10,
        **extra,
    }


def test_the_admin_saves_the_mailbox_sealed_and_checks_it_now(
    as_role, world, conn, data_dir, imap, monkeypatch
):
    monkeypatch.setenv("SSL_CERT_FILE", imap.cafile)
    admin = as_role("admin")
    done = admin.post("/admin/settings/return-mailbox", _form(imap), follow_redirects=True)
    assert "Return mailbox settings saved" in done.get_data(as_text=True)
    row = conn.execute(
        "SELECT value, sealed FROM setting_overrides WHERE name = 'bounce_imap_password'"
    ).fetchone()
    assert row["value"] == "true" and IMAP_PASSWORD.encode() not in bytes(row["sealed"])
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert IMAP_PASSWORD.encode() not in db.db_path(data_dir).read_bytes()
    audit = conn.execute("SELECT group_concat(details) FROM audit_log").fetchone()[0]
    assert IMAP_PASSWORD not in audit and "bounce_imap_password" in audit

    # A campaign goes out with return paths (the setting saved above), one bounces.
    world.campaign(reminders=0)
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    sender = next(m.sender for m in world.smtp.handler.messages if "kim@" in m.recipients[0])
    imap.store.add(bounce("exchange_o365.eml", sender, "kim@example.nl"))
    page = admin.post("/admin/settings/return-mailbox/check", {}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Return mailbox read: 1 hard" in text, text[:3000]
    assert imap.store.logins == [IMAP_USER] and not imap.store.messages
    assert "Last read:" in text
    actors = conn.execute(
        "SELECT actor FROM audit_log WHERE action = 'mailing.bounces_read'"
    ).fetchall()
    assert [r[0] for r in actors] != ["system"]

    # A wrong password: the page says the login was refused.
    admin.post(
        "/admin/settings/return-mailbox",
        _form(imap, bounce_imap_password="fout"),
        follow_redirects=True,
    )
    failed = admin.post("/admin/settings/return-mailbox/check", {}, follow_redirects=True)
    assert "refused the login" in failed.get_data(as_text=True)


def test_a_return_address_with_a_plus_or_a_line_break_is_refused(as_role, imap):
    admin = as_role("admin")
    for bad in ("bounces+x@voorbeeld.nl", "bounces@voorbeeld.nl\r\nBcc: x@example.nl"):
        page = admin.post("/admin/settings/return-mailbox", _form(imap, bounce_address=bad))
        assert page.status_code == 400


def test_no_one_but_the_admin_reads_the_mailbox(as_role, imap):
    for role in ("staff", "researcher"):
        page = as_role(role).post("/admin/settings/return-mailbox/check", {})
        assert page.status_code in (403, 404)
    assert not imap.store.logins
