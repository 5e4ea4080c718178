"""One unit of mail work: deliver whatever is due now, then return.

Called by the scheduler that ``serve`` starts (every few seconds) and by ``appliance mail send``.
Only one sender works on a data directory at a time: an exclusive lock on a file, which the
kernel releases when its holder dies. So whoever takes the lock knows that any message still
``claimed`` belongs to a sender that died, and recovers it from the journal first.

For each due campaign :func:`deliver`:
- builds the invitation wave when its time has come (or finishes an empty campaign);
- builds the next reminder wave when it is due (none for a survey that no longer accepts
  answers);
- holds sending while the survey does not accept answers (links must work when they arrive);
- drains the due outbox rows with the :class:`~appliance.mailing.sender.Sender`;
- records a relay problem on the campaign and tries again later, pauses the campaign when the
  relay refuses the sender address, and marks it done (audit summary) when all is delivered.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from appliance import audit, db
from appliance.admin.store import effective
from appliance.db import transaction
from appliance.i18n import N_
from appliance.keys import Keys
from appliance.mailing import build, errors, outbox, outbox_store, store, transport
from appliance.mailing.render import CampaignMail
from appliance.mailing.sender import Journal, Sender
from appliance.surveys import store as surveys_store
from appliance.surveys.service import accepting

LOCK = "mail-sender.lock"
DAY = 86_400
RELAY_BACKOFF = 60.0
HOLD = 60.0
# Fixed campaign messages (msgids, shown translated); relay problems are shown as they come.
WAITING = N_("Waiting: the survey does not accept answers now.")
NOBODY = N_("Nobody left to invite: everyone was skipped.")
CLOSED = N_("The survey is closed: messages not yet sent were withdrawn.")
NO_SENDER = N_("Waiting: set the sender address (mail_from) under Settings.")


@dataclass
class Report:
    """What one :func:`deliver` call did (for logs and tests)."""

    busy: bool = False
    recovered: tuple[int, int] = (0, 0)
    sent: int = 0
    problems: list[str] = field(default_factory=list)


@contextmanager
def sender_lock(data_dir: str | Path) -> Iterator[bool]:
    """True when this caller is now the only sender; False when another one runs."""
    fd = os.open(Path(data_dir) / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock


def recover(conn: sqlite3.Connection, data_dir: str | Path) -> tuple[int, int]:
    """Holding the lock: settle the messages a dead sender left claimed."""
    handed_over = Journal.read(data_dir)
    with transaction(conn):
        result = outbox.recover(conn, handed_over)
        if any(result):
            audit.record(
                conn,
                "mailing.recovered",
                details={"sent_unconfirmed": result[0], "requeued": result[1]},
            )
    journal = Journal(data_dir)
    journal.clear()
    journal.close()
    return result


def deliver(
    settings: Mapping[str, Any],
    keys: Keys,
    stop: threading.Event | None = None,
    clock=time.time,
) -> Report:
    data_dir = settings["data_dir"]
    report = Report()
    with sender_lock(data_dir) as mine:
        if not mine:
            report.busy = True
            return report
        conn = db.connect(db.db_path(data_dir))
        try:
            report.recovered = recover(conn, data_dir)
            # Read on every round: relay settings changed under Settings apply without a restart.
            values = effective(conn, settings, keys.cipher())
            for campaign in store.due(conn, clock()):
                if stop is not None and stop.is_set():
                    break
                _campaign(conn, values, keys, campaign["id"], report, stop, clock)
        finally:
            conn.close()
    return report


def _today(values: Mapping[str, Any]) -> date:
    return datetime.now(ZoneInfo(values["timezone"])).date()


def _campaign(conn, values, keys: Keys, campaign_id: int, report: Report, stop, clock) -> None:
    campaign = store.get_campaign(conn, campaign_id)
    survey = surveys_store.get_survey(conn, campaign["survey_id"])
    open_now = accepting(survey, _today(values))
    now = clock()
    if not open_now:
        with transaction(conn):
            if _closed_for_good(survey, _today(values)):
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
        return
    if not values["mail_from"]:
        with transaction(conn):
            store.set_message(conn, campaign_id, NO_SENDER, now + HOLD)
        report.problems.append(NO_SENDER)
        return
    if campaign["status"] == "scheduled":
        if not _start(conn, keys, campaign, now, values["min_group_size"]):
            return
        campaign = store.get_campaign(conn, campaign_id)
    if _reminders_due(campaign, now):
        _reminder(conn, campaign, now)
    sender = Sender(
        conn,
        values["data_dir"],
        transport.from_settings(values).connect,
        lambda row, wave: CampaignMail.for_wave(conn, row, wave, values, keys),
        connections=values["mail_connections"],
        per_minute=values["mail_per_minute"],
        retry_seconds=values["mail_retry_seconds"],
        max_attempts=values["mail_max_attempts"],
        clock=clock,
    )
    outcome = sender.send_campaign(campaign_id, stop)
    report.sent += outcome.sent
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
        if outcome.problem:
            report.problems.append(errors.plain(outcome.problem))
        _finish_if_done(conn, campaign_id)


def _closed_for_good(survey, today: date) -> bool:
    """Closed by staff, or past its closing date (a survey that has yet to open only waits)."""
    return survey["status"] == "closed" or bool(
        survey["closes_on"] and today > date.fromisoformat(survey["closes_on"])
    )


def _start(conn, keys: Keys, campaign, now: float, k: int) -> bool:
    """Build the invitation wave; False when the campaign ended because nobody is left, or
    staff paused or cancelled it a moment ago."""
    with transaction(conn):
        if store.get_campaign(conn, campaign["id"])["status"] != "scheduled":
            return False
        try:
            selection = build.invitation_wave(conn, keys.hasher(), campaign, k)
        except build.EmptyCampaign as empty:
            store.set_status(conn, campaign["id"], "done", ("scheduled",))
            store.set_message(conn, campaign["id"], NOBODY)
            store.set_skipped(conn, campaign["id"], empty.selection.skipped)
            audit.record(
                conn,
                "mailing.campaign_empty",
                target=f"campaign:{campaign['id']}",
                details=empty.selection.skipped,
            )
            return False
        store.started(conn, campaign["id"], len(selection.contact_ids), selection.skipped)
        if campaign["reminders"]:
            store.wave_built(conn, campaign["id"], 1, now + campaign["reminder_days"] * DAY)
        audit.record(
            conn,
            "mailing.campaign_started",
            target=f"campaign:{campaign['id']}",
            details={"recipients": len(selection.contact_ids), **selection.skipped},
        )
    return True


def _reminders_due(campaign, now: float) -> bool:
    return (
        campaign["next_wave_at"] is not None
        and campaign["next_wave_at"] <= now
        and campaign["waves_built"] <= campaign["reminders"]
    )


def _reminder(conn, campaign, now: float) -> None:
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


def _skip_reminders(conn, campaign) -> None:
    store.wave_built(conn, campaign["id"], campaign["reminders"] + 1, None)
    audit.record(
        conn,
        "mailing.reminders_skipped",
        target=f"campaign:{campaign['id']}",
        details={"reason": "the survey does not accept answers"},
    )


def _finish_if_done(conn, campaign_id: int) -> None:
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


def summary(conn, campaign_id: int) -> dict[str, int]:
    """Messages per outcome over all waves (no addresses: fit for the audit log)."""
    return {k: v for k, v in outbox_store.totals(conn, campaign_id).items() if v}
