"""Only a failure of the address itself marks it towards "undeliverable": at send time a refusal
of the recipient (5.1.x, or 550/551/553 without a policy or system status), not a refusal of the
message, a policy denial or a relay refusing everything (the breaker). Marks lapse after a year,
also without a bounce to prune them; an answered invitation is not sent again."""

from __future__ import annotations

import time
from datetime import timedelta

from appliance.db import iso, transaction, utcnow
from appliance.keys import load as load_keys
from appliance.mailing import bounce_jobs, bounce_service, sender, store
from appliance.privacy import retention_service
from tests.mailing.bounces.conftest import BOUNCE_ADDRESS, bounce, return_paths


def _rows(conn, campaign: int) -> dict[str, tuple]:
    """contact's first name (or id) -> (state, error) of the invitation message."""
    order = ("jan", "els", "sam", "kim", "piet")
    first = conn.execute("SELECT min(id) FROM contacts").fetchone()[0]
    return {
        order[r[2] - first]: (r[0], r[1])
        for r in conn.execute(
            "SELECT o.state, o.error, i.contact_id FROM outbox o"
            " JOIN invitations i ON i.id = o.invitation_id WHERE o.campaign_id = ? AND o.wave = 0",
            (campaign,),
        )
    }


def _marks(conn) -> int:
    return conn.execute("SELECT count(*) FROM bounce_marks").fetchone()[0]


def test_only_a_refused_recipient_marks_the_address_and_no_relay_words_are_kept(world, conn):
    world.smtp.handler.refuse = {
        "jan@example.nl": "550 5.1.1 <jan@example.nl>: Jan Jansen unknown, call 06-12345678",
        "els@example.nl": "550 5.7.1 Relay access denied",
    }
    world.smtp.handler.refuse_data = {"sam@example.nl": "554 5.6.0 message content rejected"}
    campaign = world.campaign(reminders=0)
    world.deliver()
    rows = _rows(conn, campaign)
    assert rows["jan"] == (
        "bounced",
        "recipient refused: 550 5.1.1 bad destination mailbox address",
    )
    assert rows["els"] == ("failed", "refused: 550 5.7.1 delivery not authorized, message refused")
    assert rows["sam"][0] == "failed" and "5.6.0" in rows["sam"][1]
    assert conn.execute("SELECT email_hash FROM bounce_marks").fetchall() == [
        conn.execute(
            "SELECT email_hash FROM contacts WHERE id = (SELECT min(id) FROM contacts)"
        ).fetchone()
    ]


def test_a_relay_refusing_much_of_a_run_pauses_the_campaign_and_marks_nothing(
    world, conn, monkeypatch
):
    monkeypatch.setattr(sender, "BREAKER_MIN", 5)
    world.smtp.handler.refuse = {
        "jan@example.nl": "550 5.1.1 unknown",
        "els@example.nl": "550 5.1.1 unknown",
    }
    campaign = world.campaign(reminders=0)
    world.deliver()
    assert store.campaign_status(conn, campaign) == "paused"
    assert "refused 2 of 5" in store.get_campaign(conn, campaign)["message"]
    rows = _rows(conn, campaign)
    assert rows["jan"][0] == rows["els"][0] == "queued" and _marks(conn) == 0


def test_one_refusal_in_five_is_below_the_breaker(world, conn, monkeypatch):
    monkeypatch.setattr(sender, "BREAKER_MIN", 5)
    world.smtp.handler.refuse = {"jan@example.nl": "550 5.1.1 unknown"}
    campaign = world.campaign(reminders=0)
    world.deliver()
    assert store.campaign_status(conn, campaign) == "done"
    assert _rows(conn, campaign)["jan"][0] == "bounced" and _marks(conn) == 1


def test_marks_lapse_after_a_year_and_the_nightly_run_prunes_them(world, conn):
    first = world.campaign(reminders=0)
    email_hash = bytes(conn.execute("SELECT email_hash FROM contacts LIMIT 1").fetchone()[0])
    old = iso(utcnow() - timedelta(days=bounce_service.MARK_DAYS + 1))
    conn.execute(
        "INSERT INTO bounce_marks (email_hash, campaign_id, marked_at) VALUES (?, ?, ?)",
        (email_hash, first, old),
    )
    second = world.campaign(reminders=0, name="Zomer")
    with transaction(conn):
        # Pruning only happens at readings and at night: the count itself must not see it.
        added = bounce_service._hard_marks(conn, [(email_hash, second)])
    assert added == 0 and _marks(conn) == 2
    retention_service.apply(conn, world.settings(), compact=False)
    assert [r[0] for r in conn.execute("SELECT campaign_id FROM bounce_marks")] == [second]


def test_a_soft_bounce_of_an_answered_invitation_is_not_sent_again(world, conn, maildir):
    settings = world.settings(
        bounce_address=BOUNCE_ADDRESS, bounce_mailbox="maildir", bounce_maildir=str(maildir._path)
    )
    world.smtp.handler.temporary = {"sam@example.nl": 1}
    campaign = world.campaign(reminders=0)
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    paths = return_paths(world)
    maildir.add(bounce("soft_mailbox_full.eml", paths["els@example.nl"], "els@example.nl"))
    # Both answered (a colleague forwarded the link, or the person used the first copy).
    conn.execute("UPDATE invitations SET used = 1")
    reading = bounce_jobs.read_now(settings, load_keys(world.data_dir))
    assert reading.tally.soft == 1
    rows = _rows(conn, campaign)
    assert rows["els"][0] == "cancelled"
    # A message queued again after a 4xx is withdrawn when claimed, not sent.
    assert rows["sam"][0] == "queued"
    time.sleep(1.1)
    world.deliver(bounce_address=BOUNCE_ADDRESS)
    assert _rows(conn, campaign)["sam"][0] == "cancelled"
    assert "sam@example.nl" not in {m.recipients[0] for m in world.smtp.handler.messages}


def test_the_wave_counts_unsubscribed_and_undeliverable_apart(world, conn):
    hashes = [bytes(r[0]) for r in conn.execute("SELECT email_hash FROM contacts ORDER BY id")]
    conn.execute(
        "INSERT INTO suppressions (email_hash, source, created_at) VALUES (?, 'bounce', ?),"
        " (?, 'unsubscribe', ?)",
        (hashes[0], iso(utcnow()), hashes[1], iso(utcnow())),
    )
    campaign = world.campaign(reminders=0)
    world.deliver()
    skipped = store.skipped(store.get_campaign(conn, campaign))
    assert (skipped["suppressed"], skipped["undeliverable"]) == (1, 1)
