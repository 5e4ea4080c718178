"""The sending engine against a real SMTP server: bounces, temporary failures with backoff, a
relay that is down or refuses our sender, suppression at send time, pause, resume and cancel."""

from __future__ import annotations

import json
import time

import pytest

from appliance.auth.service import CLI
from appliance.db import transaction
from appliance.keys import load as load_keys
from appliance.mailing import outbox_store, store
from appliance.mailing import service as mailing_service
from appliance.privacy import suppression
from tests.mailing.smtp_server import free_port


def test_a_bounce_is_listed_for_staff_and_gets_no_reminder(world, conn):
    world.smtp.handler.refuse["els@example.nl"] = "550 5.1.1 <els@example.nl>: no such user"
    campaign_id = world.campaign(reminders=1)
    report = world.deliver()
    assert report.sent == 4 and "els@example.nl" not in world.received()
    assert world.states(campaign_id)["els@example.nl"] == "bounced"
    [problem] = outbox_store.problems(conn, campaign_id)
    assert problem["state"] == "bounced" and "550" in problem["error"]
    conn.execute("UPDATE campaigns SET next_wave_at = 0")
    conn.commit()
    world.smtp.handler.messages.clear()
    world.deliver()
    assert "els@example.nl" not in world.received() and len(world.received()) == 4


def test_a_temporary_failure_is_retried_after_a_backoff_and_then_goes_once(world, conn):
    world.smtp.handler.temporary["jan@example.nl"] = 1
    campaign_id = world.campaign(reminders=0)
    assert world.deliver().sent == 4
    row = conn.execute(
        "SELECT o.* FROM outbox o WHERE o.campaign_id = ? AND o.state = 'queued'", (campaign_id,)
    ).fetchone()
    assert row["attempts"] == 1 and "451" in row["error"] and row["next_at"] > time.time()
    assert world.deliver().sent == 0  # not due yet: the backoff is respected
    time.sleep(max(0.0, row["next_at"] - time.time()) + 0.05)
    assert world.deliver().sent == 1
    assert len(world.received()["jan@example.nl"]) == 1
    assert store.get_campaign(conn, campaign_id)["status"] == "done"


def test_after_the_last_attempt_a_message_is_given_up_as_failed(world, conn):
    world.smtp.handler.temporary["jan@example.nl"] = 99
    campaign_id = world.campaign(reminders=0)
    world.deliver(mail_max_attempts=1)
    assert world.states(campaign_id)["jan@example.nl"] == "failed"
    assert store.get_campaign(conn, campaign_id)["status"] == "done"


def test_a_relay_that_is_down_loses_nothing_and_is_tried_again_later(world, conn):
    campaign_id = world.campaign(reminders=0)
    report = world.deliver(smtp_port=free_port())
    assert report.sent == 0 and "cannot reach the relay" in report.problems[0]
    assert set(world.states(campaign_id).values()) == {"queued"}
    assert conn.execute("SELECT max(attempts) FROM outbox").fetchone()[0] == 0
    row = store.get_campaign(conn, campaign_id)
    assert "cannot reach" in row["message"] and row["not_before"] > time.time()
    conn.execute("UPDATE campaigns SET not_before = 0")
    conn.commit()
    assert world.deliver().sent == 5


def test_a_relay_refusing_our_sender_pauses_the_campaign(world, conn):
    world.smtp.handler.refuse_sender = "553 5.7.1 Sender address rejected: not owned by you"
    campaign_id = world.campaign(reminders=0)
    report = world.deliver()
    assert report.sent == 0 and "sender address" in report.problems[0]
    row = store.get_campaign(conn, campaign_id)
    assert row["status"] == "paused" and "553" in row["message"]
    assert set(world.states(campaign_id).values()) == {"queued"}
    world.smtp.handler.refuse_sender = ""
    mailing_service.change(conn, CLI, campaign_id, "resume")
    assert world.deliver().sent == 5


def test_someone_who_unsubscribed_after_the_campaign_was_built_is_not_mailed(world, conn):
    campaign_id = world.campaign(reminders=0)
    world.deliver(smtp_port=free_port())  # builds the wave; the relay is down
    keys = load_keys(world.data_dir)
    with transaction(conn):
        suppression.add(
            conn, [suppression.address_hash(keys.hasher(), "kim@example.nl")], "unsubscribe"
        )
        conn.execute("UPDATE campaigns SET not_before = 0")
    world.deliver()
    assert "kim@example.nl" not in world.received()
    assert world.states(campaign_id)["kim@example.nl"] == "suppressed"


def test_contacts_without_address_are_skipped_and_counted_and_an_empty_list_refused(world, conn):
    world.imports.run(
        b"E-mailadres;Achternaam;Telefoon\n;Zonder;0612345678\nok@example.nl;Met;\n",
        list_name="Gemengd",
    )
    campaign_id = world.campaign(list_name="Gemengd", reminders=0)
    world.deliver()
    row = store.get_campaign(conn, campaign_id)
    assert row["recipients"] == 1 and store.skipped(row)["no_address"] == 1
    # The same list again: everyone is already invited (or has no address).
    with pytest.raises(mailing_service.CampaignError, match="Nobody to invite"):
        world.campaign(list_name="Gemengd", reminders=0)
    world.imports.run(b"E-mailadres;Achternaam;Telefoon\n;Zonder;0612345679\n", list_name="Leeg")
    with pytest.raises(mailing_service.CampaignError, match="Nobody to invite"):
        world.campaign(list_name="Leeg", reminders=0)


def test_a_segment_filter_chooses_the_recipients(world):
    world.campaign(reminders=0, segment_filter={"vestiging": ["Deventer"]})
    world.deliver()
    assert sorted(world.received()) == ["kim@example.nl", "sam@example.nl"]


def test_a_scheduled_campaign_waits_for_its_time(world, conn):
    campaign_id = world.campaign(reminders=0, send_at=time.time() + 3600)
    assert world.deliver().sent == 0
    assert store.get_campaign(conn, campaign_id)["status"] == "scheduled"
    conn.execute("UPDATE campaigns SET send_at = 0")
    conn.commit()
    assert world.deliver().sent == 5


def test_pause_resume_and_cancel(world, conn):
    first = world.campaign(reminders=0)
    mailing_service.change(conn, CLI, first, "pause")
    assert world.deliver().sent == 0
    mailing_service.change(conn, CLI, first, "resume")
    assert store.get_campaign(conn, first)["status"] == "scheduled"  # it had not started yet
    with pytest.raises(mailing_service.CampaignError):
        mailing_service.change(conn, CLI, first, "resume")
    world.deliver(smtp_port=free_port())  # built, nothing sent: the relay is down
    mailing_service.change(conn, CLI, first, "cancel")
    assert set(world.states(first).values()) == {"cancelled"}
    conn.execute("UPDATE campaigns SET not_before = 0")
    conn.commit()
    assert world.deliver().sent == 0 and not world.smtp.handler.messages
    with pytest.raises(mailing_service.CampaignError):
        mailing_service.change(conn, CLI, first, "resume")


def test_a_survey_that_opens_later_holds_the_invitations(world, conn):
    campaign_id = world.campaign(reminders=0)
    conn.execute("UPDATE surveys SET opens_on = '2999-01-01'")
    conn.commit()
    assert world.deliver().sent == 0
    row = store.get_campaign(conn, campaign_id)
    assert row["status"] == "scheduled" and "does not accept" in row["message"]


def test_a_closed_survey_withdraws_what_is_queued_and_ends_the_campaign(world, conn):
    from appliance.surveys import service

    campaign_id = world.campaign(reminders=2)
    world.deliver(smtp_port=free_port())  # built; the relay is down, so all are queued
    service.change_status(conn, CLI, world.survey_id, "closed")
    conn.execute("UPDATE campaigns SET not_before = 0")
    conn.commit()
    assert world.deliver().sent == 0 and not world.smtp.handler.messages
    row = store.get_campaign(conn, campaign_id)
    assert row["status"] == "done" and "closed" in row["message"]
    assert set(world.states(campaign_id).values()) == {"cancelled"}


def test_a_template_that_fails_for_a_contact_pauses_the_campaign_and_loses_nothing(world, conn):
    campaign_id = world.campaign(reminders=0)
    template_id = world.template_id()
    parts = store.template_parts(store.get_template(conn, template_id))
    # Passes the check on save (sample values), fails for a real name: a type error.
    parts["nl"]["text"] += "{{ (first_name ~ '') | int // 0 if first_name else '' }}"
    with transaction(conn):
        conn.execute(
            "UPDATE mail_templates SET parts = ? WHERE id = ?",
            (json.dumps(parts), template_id),
        )
    report = world.deliver()
    row = store.get_campaign(conn, campaign_id)
    assert row["status"] == "paused" and report.problems
    assert conn.execute("SELECT count(*) FROM outbox WHERE state = 'claimed'").fetchone()[0] == 0
    sent = conn.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0]
    assert sent == len(world.smtp.handler.messages)  # what went out is recorded as sent


def test_without_a_sender_address_nothing_is_sent_and_the_page_says_why(world, conn):
    campaign_id = world.campaign(reminders=0)
    report = world.deliver(mail_from="")
    assert report.sent == 0 and "sender address" in report.problems[0]
    assert "mail_from" in store.get_campaign(conn, campaign_id)["message"]


def test_a_421_after_the_end_of_data_is_retried_not_counted_as_sent(world, conn):
    world.smtp.handler.closing_after_data["jan@example.nl"] = 1
    campaign_id = world.campaign(reminders=0)
    assert world.deliver().sent == 4
    assert world.states(campaign_id)["jan@example.nl"] == "queued"
    conn.execute("UPDATE outbox SET next_at = 0")
    conn.commit()
    assert world.deliver().sent == 1
    assert len(world.received()["jan@example.nl"]) == 1
