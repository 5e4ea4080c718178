"""The return mailbox is public: whatever anyone sends to it must not hold up later bounces, be
downloaded again and again, or make the reader expunge a person's mail. A real IMAP server over
TLS (Dovecot's habits: UIDPLUS announced only after the login, or not at all) and a real
Maildir."""

from __future__ import annotations

from pathlib import Path

from appliance.keys import load as load_keys
from appliance.mailing import bounce_jobs, bounce_mailbox
from tests.mailing.bounces.conftest import (
    BOUNCE_ADDRESS,
    IMAP_PASSWORD,
    IMAP_USER,
    bounce,
    return_paths,
)

FOREIGN = b"From: x@example.com\r\nTo: bounces@voorbeeld.nl\r\nSubject: hallo\r\n\r\nniets\r\n"


def _imap(world, imap, monkeypatch) -> dict:
    monkeypatch.setenv("SSL_CERT_FILE", imap.cafile)
    return world.settings(
        bounce_address=BOUNCE_ADDRESS,
        bounce_mailbox="imap",
        bounce_imap_host=imap.host,
        bounce_imap_port=imap.port,
        bounce_imap_username=IMAP_USER,
        bounce_imap_password=IMAP_PASSWORD,
    )


def _hard(world, who: str = "jan@example.nl") -> bytes:
    return bounce("postfix_hard.eml", return_paths(world)[who], who)


def _state(conn, who: str) -> str:
    return conn.execute(
        "SELECT o.state FROM outbox o JOIN invitations i ON i.id = o.invitation_id"
        " WHERE i.contact_id = (SELECT min(c.id) + ? FROM contacts c) AND o.wave = 0",
        (("jan", "els", "sam", "kim", "piet").index(who.split("@")[0]),),
    ).fetchone()[0]


def test_foreign_mail_is_examined_once_so_it_never_blocks_later_bounces(
    world, conn, imap, monkeypatch
):
    monkeypatch.setattr(bounce_jobs, "BATCH", 3)
    settings, keys = _imap(world, imap, monkeypatch), load_keys(world.data_dir)
    world.campaign(reminders=0)
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    foreign = [imap.store.add(FOREIGN) for _ in range(3)]
    imap.store.add(_hard(world))

    first = bounce_jobs.read_now(settings, keys)
    assert (first.tally.left, first.tally.hard) == (3, 0)
    second = bounce_jobs.read_now(settings, keys)
    assert (second.tally.left, second.tally.hard) == (0, 1)
    assert _state(conn, "jan") == "bounced" and sorted(imap.store.messages) == foreign
    # Nothing new: the foreign mail is not downloaded again.
    fetches = sum(c.startswith("FETCH (BODY") for c in imap.store.commands)
    assert bounce_jobs.read_now(settings, keys).tally.left == 0
    assert sum(c.startswith("FETCH (BODY") for c in imap.store.commands) == fetches
    # A folder renumbered (a new UIDVALIDITY) is read from its start again.
    imap.store.renumber()
    assert bounce_jobs.read_now(settings, keys).tally.left == 3


def test_a_maildir_reads_new_mail_only_and_moves_what_it_leaves(world, conn, maildir, monkeypatch):
    monkeypatch.setattr(bounce_jobs, "BATCH", 2)
    settings = world.settings(
        bounce_address=BOUNCE_ADDRESS, bounce_mailbox="maildir", bounce_maildir=str(maildir._path)
    )
    keys = load_keys(world.data_dir)
    world.campaign(reminders=0)
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    for _ in range(2):
        maildir.add(FOREIGN)
    maildir.add(_hard(world))
    assert bounce_jobs.read_now(settings, keys).tally.left == 2
    assert bounce_jobs.read_now(settings, keys).tally.hard == 1
    assert _state(conn, "jan") == "bounced"
    # The foreign mail stays, unread for a person, in cur/.
    assert len(maildir) == 2 and not list((Path(maildir._path) / "new").iterdir())
    assert all(p.name.endswith(":2,") for p in (Path(maildir._path) / "cur").iterdir())


def test_large_messages_are_left_alone_without_being_downloaded(world, conn, imap, monkeypatch):
    settings, keys = _imap(world, imap, monkeypatch), load_keys(world.data_dir)
    world.campaign(reminders=0)
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    raw = _hard(world)
    monkeypatch.setattr(bounce_mailbox, "MAX_BYTES", len(raw) - 1)
    big = imap.store.add(raw)
    reading = bounce_jobs.read_now(settings, keys)
    assert (reading.tally.too_large, reading.tally.left, reading.tally.hard) == (1, 1, 0)
    assert list(imap.store.messages) == [big] and _state(conn, "jan") == "sent"
    assert not any(c.startswith("FETCH (BODY") for c in imap.store.commands)


def test_uidplus_announced_after_the_login_expunges_only_ours(world, conn, imap, monkeypatch):
    settings, keys = _imap(world, imap, monkeypatch), load_keys(world.data_dir)
    world.campaign(reminders=0)
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    persons = imap.store.add(FOREIGN, r"\Deleted")  # a person's, flagged, not yet expunged
    imap.store.add(_hard(world))
    reading = bounce_jobs.read_now(settings, keys)
    assert reading.tally.hard == 1 and reading.tally.not_expunged == 0
    assert list(imap.store.messages) == [persons]
    assert "EXPUNGE" not in imap.store.commands  # UID EXPUNGE, not the plain one


def test_without_uidplus_a_persons_flagged_mail_is_never_expunged(world, conn, imap, monkeypatch):
    imap.store.uidplus = False
    settings, keys = _imap(world, imap, monkeypatch), load_keys(world.data_dir)
    world.campaign(reminders=0)
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    persons = imap.store.add(FOREIGN, r"\Deleted")
    ours = imap.store.add(_hard(world))
    reading = bounce_jobs.read_now(settings, keys)
    assert reading.tally.hard == 1 and reading.tally.not_expunged == 1
    assert sorted(imap.store.messages) == [persons, ours]
    assert r"\Deleted" in imap.store.flags[ours]
    assert "EXPUNGE" not in imap.store.commands

    # Once the person's mail is gone, ours are expunged with a plain EXPUNGE.
    with imap.store.lock:
        del imap.store.messages[persons], imap.store.flags[persons]
    imap.store.add(_hard(world, "els@example.nl"))
    again = bounce_jobs.read_now(settings, keys)
    assert again.tally.not_expunged == 0 and not imap.store.messages
    assert "EXPUNGE" in imap.store.commands
