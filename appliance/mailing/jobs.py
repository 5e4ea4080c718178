"""One unit of mail work: deliver whatever is due now, then return.

Called by the scheduler that ``serve`` starts (every few seconds) and by ``appliance mail send``.
Only one sender works on a data directory at a time: an exclusive lock on a file
(``locks.MAIL_SENDER_LOCK``), which the kernel releases when its holder dies. So whoever takes
the lock knows that any message still ``claimed`` belongs to a sender that died, and recovers it
from the journal first.

For each due campaign :func:`deliver`:
- builds the invitation wave when its time has come (or finishes an empty campaign);
- builds the next reminder wave when it is due (none for a survey that no longer accepts
  answers);
- holds sending while the survey does not accept answers (links must work when they arrive);
- drains the due outbox rows with the :class:`~appliance.mailing.sender.Sender`;
- records a relay problem on the campaign and tries again later, pauses the campaign when the
  relay refuses the sender address, and marks it done (audit summary) when all is delivered.

This module decides what is due and in which order; every step that writes, with its audit
entry, is one transaction of :mod:`~appliance.mailing.send_service`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from appliance import db, locks
from appliance.admin.store import effective
from appliance.keys import Keys
from appliance.mailing import errors, send_service, store, transport
from appliance.mailing.render import CampaignMail
from appliance.mailing.return_path import ReturnPath
from appliance.mailing.sender import Journal, Sender
from appliance.surveys import store as surveys_store
from appliance.surveys.service import accepting


@dataclass
class Report:
    """What one :func:`deliver` call did (for logs and tests)."""

    busy: bool = False
    recovered: tuple[int, int] = (0, 0)
    sent: int = 0
    problems: list[str] = field(default_factory=list)


def recover(conn: sqlite3.Connection, data_dir: str | Path) -> tuple[int, int]:
    """Holding the lock: settle the messages a dead sender left claimed."""
    result = send_service.recover(conn, Journal.read(data_dir))
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
    with locks.attempt(Path(data_dir) / locks.MAIL_SENDER_LOCK) as mine:
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
        send_service.hold_for_survey(conn, campaign, survey, _today(values), now)
        return
    if not values["mail_from"]:
        send_service.wait_for_sender_address(conn, campaign_id, now)
        report.problems.append(send_service.NO_SENDER)
        return
    if campaign["status"] == "scheduled":
        if not send_service.start(conn, keys, campaign, now, values["min_group_size"]):
            return
        campaign = store.get_campaign(conn, campaign_id)
    if _reminders_due(campaign, now):
        send_service.queue_reminder(conn, campaign, now)
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
        return_path=_return_path(values, keys),
    )
    outcome = sender.send_campaign(campaign_id, stop)
    report.sent += outcome.sent
    send_service.after_round(conn, campaign_id, outcome, clock)
    if outcome.problem:
        report.problems.append(errors.plain(outcome.problem))


def _return_path(values: Mapping[str, Any], keys: Keys):
    """Token -> envelope sender when ``bounce_address`` is set, else None (mail_from's)."""
    path = ReturnPath.of(values["bounce_address"], keys.session)
    return None if path is None else path.address


def _reminders_due(campaign, now: float) -> bool:
    return (
        campaign["next_wave_at"] is not None
        and campaign["next_wave_at"] <= now
        and campaign["waves_built"] <= campaign["reminders"]
    )
