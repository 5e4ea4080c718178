"""The sender's writes: every step of a sending round that changes the database.

:mod:`appliance.mailing.jobs` decides which step is due and :mod:`appliance.mailing.sender`
talks to the relay; each function here is one write transaction, together with the step's audit
entry when it has one (``actor`` 'system'). Campaign messages are msgids, shown translated on the
campaign page; a relay's own words are stored as they come. Nothing here logs an address.

Contract of the sending loop's functions (:func:`claim_batch`, :func:`record_results`,
:func:`withdraw_queued`): exactly the statements the loop always ran, one transaction each, so
the measured sending speed does not depend on where they live.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import TYPE_CHECKING

from appliance import audit
from appliance.db import transaction
from appliance.i18n import N_
from appliance.keys import Keys
from appliance.mailing import (
    bounce_service,
    bounce_store,
    build,
    outbox,
    outbox_store,
    return_path,
    store,
)
from appliance.mailing.outbox import Claimed
from appliance.privacy import suppression

if TYPE_CHECKING:
    from appliance.mailing.sender import Outcome

DAY = 86_400
RELAY_BACKOFF = 60.0
HOLD = 60.0
# Fixed campaign messages (msgids, shown translated); relay problems are shown as they come.
WAITING = N_("Waiting: the survey does not accept answers now.")
NOBODY = N_("Nobody left to invite: everyone was skipped.")
CLOSED = N_("The survey is closed: messages not yet sent were withdrawn.")
NO_SENDER = N_("Waiting: set the sender address (mail_from) under Settings.")
# Why a claimed message was withdrawn (shown to staff like the relay's reasons).
ANSWERED = "not sent: the invitation was answered meanwhile"


def recover(conn: sqlite3.Connection, handed_over: set[tuple[int, int]]) -> tuple[int, int]:
    """Settle the messages a dead sender left claimed (``handed_over``: its journal), with
    ``mailing.recovered`` when there were any. Returns (sent unconfirmed, queued again)."""
    with transaction(conn):
        result = outbox.recover(conn, handed_over)
        if any(result):
            audit.record(
                conn,
                "mailing.recovered",
                details={"sent_unconfirmed": result[0], "requeued": result[1]},
            )
    return result


def closed_for_good(survey: sqlite3.Row, today: date) -> bool:
    """Closed by staff, or past its closing date (a survey that has yet to open only waits)."""
    return survey["status"] == "closed" or bool(
        survey["closes_on"] and today > date.fromisoformat(survey["closes_on"])
    )


def hold_for_survey(
    conn: sqlite3.Connection, campaign: sqlite3.Row, survey: sqlite3.Row, today: date, now: float
) -> None:
    """The survey does not accept answers now. Closed for good: withdraw what is queued, plan
    no reminders, say so and audit ``mailing.survey_closed`` (then the campaign may be done).
    Otherwise wait and look again ``HOLD`` seconds from ``now``."""
    campaign_id = campaign["id"]
    with transaction(conn):
        if closed_for_good(survey, today):
            # Its links would lead nowhere: withdraw what is queued, plan no reminders.
            withdrawn = outbox_store.cancel_queued(conn, campaign_id)
            if campaign["status"] == "scheduled":
                store.set_status(conn, campaign_id, "cancelled", ("scheduled",))
            elif campaign["waves_built"] <= campaign["reminders"]:
                _skip_reminders(conn, campaign)
            store.set_message(conn, campaign_id, CLOSED)
            audit.record(
                conn,
                "mailing.survey_closed",
                target=f"campaign:{campaign_id}",
                details={"withdrawn": withdrawn},
            )
            _finish_if_done(conn, campaign_id)
        else:
            store.set_message(conn, campaign_id, WAITING, now + HOLD)


def wait_for_sender_address(conn: sqlite3.Connection, campaign_id: int, now: float) -> None:
    """No sender address is set: say so on the campaign and look again ``HOLD`` seconds on."""
    with transaction(conn):
        store.set_message(conn, campaign_id, NO_SENDER, now + HOLD)


def start(conn: sqlite3.Connection, keys: Keys, campaign: sqlite3.Row, now: float, k: int) -> bool:
    """Build the invitation wave (``k``: the smallest group a segment may have), plan the
    first reminder and audit ``mailing.campaign_started``. False, with nothing queued, when the
    campaign ended because nobody is left (``mailing.campaign_empty``), or staff paused or
    cancelled it a moment ago."""
    with transaction(conn):
        if store.get_campaign(conn, campaign["id"])["status"] != "scheduled":
            return False
        try:
            selection = build.invitation_wave(conn, keys.hasher(), campaign, k)
        except build.EmptyCampaign as empty:
            skipped = empty.selection.skipped
            store.set_status(conn, campaign["id"], "done", ("scheduled",))
            store.set_message(conn, campaign["id"], NOBODY)
            store.set_skipped(conn, campaign["id"], skipped)
            audit.record(
                conn,
                "mailing.campaign_empty",
                target=f"campaign:{campaign['id']}",
                details=skipped,
            )
            return False
        skipped = selection.skipped
        store.started(conn, campaign["id"], len(selection.contact_ids), skipped)
        if campaign["reminders"]:
            store.wave_built(conn, campaign["id"], 1, now + campaign["reminder_days"] * DAY)
        audit.record(
            conn,
            "mailing.campaign_started",
            target=f"campaign:{campaign['id']}",
            details={"recipients": len(selection.contact_ids), **skipped},
        )
    return True


def queue_reminder(conn: sqlite3.Connection, campaign: sqlite3.Row, now: float) -> None:
    """Build the reminder wave that is due, plan the next one (none after the last) and audit
    ``mailing.reminder_queued``."""
    wave = campaign["waves_built"]
    last = wave >= campaign["reminders"]
    with transaction(conn):
        queued = build.reminder_wave(conn, campaign["id"], wave)
        store.wave_built(
            conn, campaign["id"], wave + 1, None if last else now + campaign["reminder_days"] * DAY
        )
        audit.record(
            conn,
            "mailing.reminder_queued",
            target=f"campaign:{campaign['id']}",
            details={"reminder": wave, "recipients": queued},
        )


def after_round(
    conn: sqlite3.Connection, campaign_id: int, outcome: Outcome, clock: Callable[[], float]
) -> None:
    """Record what a sending round met: pause the campaign (``mailing.paused``) for a problem
    no retry solves, show a relay problem and try again ``RELAY_BACKOFF`` seconds on, clear the
    message once mail went out; then mark the campaign done when nothing is left."""
    with transaction(conn):
        if outcome.pause:
            store.set_status(conn, campaign_id, "paused", ("active",))
            store.set_message(conn, campaign_id, outcome.problem)
            audit.record(
                conn,
                "mailing.paused",
                target=f"campaign:{campaign_id}",
                details={"reason": "sending cannot go on without a change"},
            )
        elif outcome.problem:
            store.set_message(conn, campaign_id, outcome.problem, clock() + RELAY_BACKOFF)
        elif outcome.sent:
            store.set_message(conn, campaign_id, "")
        _finish_if_done(conn, campaign_id)


def _skip_reminders(conn: sqlite3.Connection, campaign: sqlite3.Row) -> None:
    store.wave_built(conn, campaign["id"], campaign["reminders"] + 1, None)
    audit.record(
        conn,
        "mailing.reminders_skipped",
        target=f"campaign:{campaign['id']}",
        details={"reason": "the survey does not accept answers"},
    )


def _finish_if_done(conn: sqlite3.Connection, campaign_id: int) -> None:
    campaign = store.get_campaign(conn, campaign_id)
    if campaign["status"] != "active" or outbox_store.has_open(conn, campaign_id):
        return
    if campaign["waves_built"] <= campaign["reminders"]:
        return  # a reminder is still to come
    store.set_status(conn, campaign_id, "done", ("active",))
    audit.record(
        conn,
        "mailing.campaign_finished",
        target=f"campaign:{campaign_id}",
        details=summary(conn, campaign_id),
    )


def summary(conn: sqlite3.Connection, campaign_id: int) -> dict[str, int]:
    """Messages per outcome over all waves (no addresses: fit for the audit log)."""
    return {k: v for k, v in outbox_store.totals(conn, campaign_id).items() if v}


# ---- the sending loop ------------------------------------------------------------------------


def claim_batch(
    conn: sqlite3.Connection, campaign_id: int, size: int, clock: Callable[[], float]
) -> tuple[list[Claimed], set[int], dict[int, bytes]]:
    """Claim up to ``size`` due messages (due as of ``clock()``, read inside the transaction),
    mark those whose address is on the suppression list now ``suppressed`` (those
    undeliverable say so) and withdraw those whose invitation was answered meanwhile (a
    reminder, or a message queued again after a temporary failure or a soft bounce), as
    reminder waves leave answered invitations out. Returns the claimed messages, the ids of
    those not to send, and each message's return-path token (drawn on its first claim, kept
    for retries)."""
    with transaction(conn):
        claimed = outbox.claim(conn, campaign_id, size, clock())
        blocked = _suppressed(conn, claimed)
        if blocked:
            outbox_store.mark_final(conn, "suppressed", [(i, "") for i in blocked])
            gone = bounce_service.undeliverable(conn, [c.email_hash for c in blocked.values()])
            if gone:
                bounce_service.note_undeliverable(
                    conn, [i for i, c in blocked.items() if c.email_hash in gone]
                )
        done = outbox_store.answered(conn, [c.id for c in claimed if c.id not in blocked])
        if done:
            outbox_store.mark_final(conn, "cancelled", [(i, ANSWERED) for i in done])
        skip = set(blocked) | set(done)
        ids = [c.id for c in claimed if c.id not in skip]
        tokens = bounce_store.draw_tokens(conn, ids, (return_path.new_token() for _ in ids))
    return claimed, skip, tokens


def _suppressed(conn: sqlite3.Connection, claimed: list[Claimed]) -> dict[int, Claimed]:
    hashes = [c.email_hash for c in claimed if c.email_hash]
    blocked = suppression.suppressed(conn, hashes)
    return {c.id: c for c in claimed if c.email_hash in blocked}


def record_results(
    conn: sqlite3.Connection,
    sent: list[int],
    unconfirmed: list[int],
    retry: Iterable[tuple[int, float, str]],
    final: Mapping[str, list[tuple[int, str]]],
    release: list[int],
) -> None:
    """Record a batch of sending results in one transaction: sent, sent but unconfirmed (the
    connection dropped after the end of data), queued again for (id, when, why), final states
    (bounced, failed) with their reasons, and handed back untouched. Bounced ones count as
    hard bounces of their addresses (``bounce_service.relay_refused``)."""
    with transaction(conn):
        outbox_store.mark_sent(conn, sent)
        outbox_store.mark_sent(conn, unconfirmed, unconfirmed=True)
        outbox_store.retry_later(conn, retry)
        for state, rows in final.items():
            outbox_store.mark_final(conn, state, rows)
        if final.get("bounced"):
            # A relay's 5xx is a hard bounce of the address, as a bounce message would be.
            bounce_service.relay_refused(conn, [i for i, _reason in final["bounced"]])
        outbox_store.release(conn, release)


def withdraw_queued(conn: sqlite3.Connection, campaign_id: int) -> int:
    """Withdraw what is queued for a cancelled campaign (what the sender handed back after the
    cancel); returns how many."""
    with transaction(conn):
        return outbox_store.cancel_queued(conn, campaign_id)
