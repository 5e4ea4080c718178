"""Bounces read from the return mailbox on the schedule, end to end: a campaign sent through the
real SMTP server, bounce messages for its return paths in a real IMAP server over TLS (or a real
Maildir), the real job; what each does, what is deleted, what is left, and that no address is
stored or logged."""

from __future__ import annotations

import json
import logging
import re
import time

from appliance.keys import load as load_keys
from appliance.mailing import bounce_jobs, store
from tests.factories import open_survey
from tests.mailing.bounces.conftest import (
    BOUNCE_ADDRESS,
    IMAP_PASSWORD,
    IMAP_USER,
    bounce,
    path_of,
    return_paths,
)

ADDRESSES = ("jan@example.nl", "els@example.nl", "sam@example.nl", "kim@example.nl")


def _imap_settings(world, imap, **extra) -> dict:
    return world.settings(
        **{
            "bounce_address": BOUNCE_ADDRESS,
            "bounce_mailbox": "imap",
            "bounce_imap_host": imap.host,
            "bounce_imap_port": imap.port,
            "bounce_imap_username": IMAP_USER,
            "bounce_imap_password": IMAP_PASSWORD,
            **extra,
        }
    )


def _outbox(world, campaign: int) -> dict[str, tuple]:
    """local part of the address -> (state, error, soft_bounces) of its invitation message."""
    cipher = load_keys(world.data_dir).cipher()
    return {
        cipher.decrypt(r[3], "contacts", "email", r[4]).split("@")[0]: (r[0], r[1], r[2])
        for r in world.conn.execute(
            "SELECT o.state, o.error, o.soft_bounces, c.email, c.id FROM outbox o"
            " JOIN invitations i ON i.id = o.invitation_id JOIN contacts c ON c.id = i.contact_id"
            " WHERE o.campaign_id = ? AND o.wave = 0",
            (campaign,),
        )
    }


def test_the_mailbox_is_read_settled_and_emptied_of_what_is_ours(
    world, conn, imap, monkeypatch, caplog, as_role
):
    monkeypatch.setenv("SSL_CERT_FILE", imap.cafile)  # the system's trust, told of the test CA
    campaign = world.campaign(reminders=0)
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    assert store.campaign_status(conn, campaign) == "done"
    paths = return_paths(world)
    good = paths["piet@example.nl"]
    tag_at = good.index("@") - 1
    forged = good[:tag_at] + ("a" if good[tag_at] != "a" else "b") + good[tag_at + 1 :]
    dropped = {
        "hard": imap.store.add(
            bounce("postfix_hard.eml", paths["jan@example.nl"], "jan@example.nl")
        ),
        "soft": imap.store.add(
            bounce("soft_mailbox_full.eml", paths["els@example.nl"], "els@example.nl")
        ),
        "delayed": imap.store.add(bounce("delayed.eml", paths["sam@example.nl"], "sam@example.nl")),
        "auto": imap.store.add(bounce("auto_reply.eml", paths["kim@example.nl"], "kim@example.nl")),
        "challenge": imap.store.add(
            bounce("challenge.eml", paths["piet@example.nl"], "piet@example.nl")
        ),
        "forged": imap.store.add(bounce("gmail.eml", forged, "piet@example.nl")),
        "person": imap.store.add(
            b"From: Jan <jan@example.nl>\r\nTo: bounces@voorbeeld.nl\r\nSubject: Vraag\r\n\r\n"
            b"Ik heb een vraag.\r\n"
        ),
    }
    caplog.set_level(logging.DEBUG)
    settings = _imap_settings(world, imap)

    reading = bounce_jobs.read_if_due(settings, load_keys(world.data_dir))

    assert reading.ran and not reading.problem, reading.problem
    tally = reading.tally
    assert (tally.hard, tally.soft, tally.delayed) == (1, 1, 1)
    assert (tally.auto_replies, tally.challenges, tally.left, tally.forged) == (1, 1, 2, 1)
    # Ours are deleted (they hold addresses); the forged one and a person's mail are left.
    assert sorted(imap.store.messages) == sorted([dropped["forged"], dropped["person"]])
    assert r"\Seen" not in set().union(*imap.store.flags.values())
    outbox = _outbox(world, campaign)
    state, reason, _soft = outbox["jan"]
    assert state == "bounced" and "5.1.1" in reason and "@" not in reason and "jan" not in reason
    assert outbox["els"][0] == "queued" and outbox["els"][2] == 1  # tried again, counted
    # A delay warning: counted for the campaign, apart; the message is not tried again.
    assert outbox["sam"] == ("sent", "", 0)
    assert outbox["kim"][0] == "sent" and outbox["piet"][0] == "sent"
    # A soft bounce makes the finished campaign send again, by the sender's own rules.
    assert store.campaign_status(conn, campaign) == "active"
    world.deliver(bounce_address=BOUNCE_ADDRESS, mail_retry_seconds=1)
    time.sleep(1.1)
    world.deliver(bounce_address=BOUNCE_ADDRESS, mail_retry_seconds=1)
    assert len(world.received()["els@example.nl"]) == 2
    assert _outbox(world, campaign)["els"][0] == "sent"
    assert store.campaign_status(conn, campaign) == "done"

    # Not due again before bounce_check_minutes: nothing is read.
    assert not bounce_jobs.read_if_due(settings, load_keys(world.data_dir)).ran

    # Read once more (the same bounces, as after a crash before the delete): nothing changes.
    imap.store.add(bounce("postfix_hard.eml", paths["jan@example.nl"], "jan@example.nl"))
    again = bounce_jobs.read_now(settings, load_keys(world.data_dir))
    assert again.tally.hard == 1 and _outbox(world, campaign)["jan"][0] == "bounced"

    # The audit log has counts only; nothing holds an address in the clear.
    entries = conn.execute(
        "SELECT details FROM audit_log WHERE action = 'mailing.bounces_read'"
    ).fetchall()
    assert json.loads(entries[0][0])["hard"] == 1
    dump = "\n".join(conn.iterdump())
    for address in (*ADDRESSES, "piet@example.nl"):
        assert address not in dump
        # The appliance's own log and the bounce library's (the test SMTP server's is its own).
        leaks = [
            (r.name, r.getMessage()[:200])
            for r in caplog.records
            if r.name.startswith(("appliance", "flufl", "root")) and address in r.getMessage()
        ]
        assert not leaks, leaks

    # Staff see the bounces by kind on the campaign page.
    page = as_role("staff").get(f"/mailing/{campaign}").get_data(as_text=True)
    figures = dict(re.findall(r'id="bounces-([a-z-]+)">(\d+)<', page))
    assert figures == {
        "hard": "1",
        "soft": "1",
        "delays": "1",
        "undeliverable": "0",
        "auto-replies": "2",
    }


def test_two_hard_bounces_in_different_campaigns_make_an_address_undeliverable(
    world, conn, maildir, tmp_path
):
    """One from the mailbox (a Maildir here, qmail's format), one a relay's 5xx at send time."""
    settings = world.settings(
        bounce_address=BOUNCE_ADDRESS, bounce_mailbox="maildir", bounce_maildir=str(maildir._path)
    )
    keys = load_keys(world.data_dir)
    first = world.campaign(reminders=0, name="Voorjaar")
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    maildir.add(bounce("qmail.eml", return_paths(world)["jan@example.nl"], "jan@example.nl"))
    maildir.add(b"From: a@example.com\r\nSubject: iets anders\r\n\r\nniet van ons\r\n")
    reading = bounce_jobs.read_now(settings, keys)
    assert reading.tally.hard == 1 and reading.tally.undeliverable == 0
    assert len(maildir) == 1  # the bounce removed, the other message left
    assert _outbox(world, first)["jan"][0] == "bounced"

    # A second survey, a second campaign: the relay refuses jan (5xx) at send time.
    world.survey_id = open_survey(conn)
    world.smtp.handler.refuse["jan@example.nl"] = "550 5.1.1 no such user"
    second = world.campaign(reminders=0, name="Zomer")
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    assert _outbox(world, second)["jan"][0] == "bounced"
    assert [r[0] for r in conn.execute("SELECT source FROM suppressions")] == ["bounce"]
    assert conn.execute("SELECT count(*) FROM bounce_marks").fetchone()[0] == 0

    # Later campaigns skip the address, and say why.
    world.survey_id = open_survey(conn)
    third = world.campaign(reminders=0, name="Najaar")
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    row = store.get_campaign(conn, third)
    assert store.skipped(row)["undeliverable"] == 1 and row["recipients"] == 4
    assert "jan" not in _outbox(world, third)


def test_a_mailbox_that_cannot_be_read_says_why_once(world, conn, imap, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", imap.cafile)
    keys = load_keys(world.data_dir)
    wrong = _imap_settings(world, imap, bounce_imap_password="fout")
    for _ in range(2):
        reading = bounce_jobs.read_now(wrong, keys)
        assert reading.ran and "refused the login" in reading.problem
    failed = conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'mailing.bounce_check_failed'"
    ).fetchone()[0]
    assert failed == 1
    # Without the test CA the certificate does not verify: no login is tried.
    monkeypatch.delenv("SSL_CERT_FILE")
    logins = len(imap.store.logins)
    reading = bounce_jobs.read_now(_imap_settings(world, imap), keys)
    assert "TLS" in reading.problem and len(imap.store.logins) == logins


def test_return_paths_of_another_key_are_left_alone(world, conn, maildir):
    world.campaign(reminders=0)
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    settings = world.settings(
        bounce_address=BOUNCE_ADDRESS, bounce_mailbox="maildir", bounce_maildir=str(maildir._path)
    )
    other = path_of(world).__class__("bounces", "voorbeeld.nl", b"z" * 32)
    token = conn.execute("SELECT return_token FROM outbox LIMIT 1").fetchone()[0]
    maildir.add(bounce("postfix_hard.eml", other.address(bytes(token)), "jan@example.nl"))
    reading = bounce_jobs.read_now(settings, load_keys(world.data_dir))
    assert reading.tally.forged >= 1 and reading.tally.hard == 0 and len(maildir) == 1
    assert conn.execute("SELECT count(*) FROM outbox WHERE state = 'bounced'").fetchone()[0] == 0
