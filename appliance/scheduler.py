"""The background jobs of ``serve``: one APScheduler, started once, kept thin.

Each job does one unit of work and returns; the scheduler only says when. ``coalesce`` and
``max_instances=1`` mean a slow round (a large campaign) is never run twice at once, and missed
rounds collapse into one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from appliance import audit, db
from appliance.admin import store as admin_store
from appliance.backup import jobs as backup_jobs
from appliance.keys import Keys
from appliance.keys import load as load_keys
from appliance.licence import service as licence_service
from appliance.mailing import bounce_jobs
from appliance.mailing import jobs as mail_jobs
from appliance.privacy import retention, retention_service
from appliance.publication import service as publication_service
from appliance.reports import fold_service, release_service

log = logging.getLogger(__name__)


def retention_overdue(settings: Mapping[str, Any]) -> bool:
    """Whether no retention run finished in the last 25 hours (the appliance was down)."""
    conn = db.connect(db.db_path(settings["data_dir"]))
    try:
        receipts = audit.search(conn, audit.Filter(action=retention.RECEIPT), limit=1)
    finally:
        conn.close()
    return not receipts or db.parse_iso(receipts[0]["at"]) < db.utcnow() - timedelta(hours=25)


def nightly_backups_configured(settings: Mapping[str, Any]) -> bool:
    """A backup key is configured; without one ``serve`` says so and makes no backups."""
    if settings["backup_key_file"] or settings["backup_passphrase"]:
        return True
    log.warning("nightly backups are off: set backup_key_file or backup_passphrase")
    return False


def purge_due(settings: Mapping[str, Any], keys: Keys):
    """One retention run on its own connection."""
    conn = db.connect(db.db_path(settings["data_dir"]))
    try:
        return retention_service.apply(conn, settings, signer=keys.signer(), defer_rebuild=True)
    finally:
        conn.close()


def release_due(settings: Mapping[str, Any], keys: Keys | None = None) -> list[int]:
    """One round of report releases on its own connection, with the effective minimum group
    size (an admin's override, else the config's); then the public snapshot of each published
    survey released since its last one."""
    keys = keys or load_keys(settings["data_dir"])
    conn = db.connect(db.db_path(settings["data_dir"]))
    try:
        released = release_service.cut_due(
            conn, admin_store.effective(conn, settings)["min_group_size"]
        )
        publication_service.refresh_due(conn, keys.cipher())
        return released
    finally:
        conn.close()


def rebuild_file(settings: Mapping[str, Any]) -> None:
    """One rebuild of the database file on its own connection."""
    conn = db.connect(db.db_path(settings["data_dir"]))
    try:
        db.forget_order(conn)
    finally:
        conn.close()


def recount_queued(settings: Mapping[str, Any]) -> list[int]:
    """The recounts staff asked for, on a connection of their own."""
    conn = db.connect(db.db_path(settings["data_dir"]))
    try:
        return fold_service.recount_queued(conn)
    finally:
        conn.close()


def licence_check(settings: Mapping[str, Any]) -> licence_service.Status:
    """Re-check the installed licence's signature and record its state (audited on change)."""
    conn = db.connect(db.db_path(settings["data_dir"]))
    try:
        checked = licence_service.check(
            conn, licence_service.trusted_key(settings), licence_service.today()
        )
        # As after respondents' commits: the log keeps no page image of this write, so the
        # next commits start from a settled file.
        db.clear_log(conn)
        return checked
    finally:
        conn.close()


def fold_round(conn) -> fold_service.Folded:
    """One round of the fold: every response waiting is added to the counters."""
    return fold_service.fold_pending(conn)


MAIL_SECONDS = 5
BOUNCE_SECONDS = 60
RECOUNT_SECONDS = 5
# The fold runs at most this often, however often the group commit wakes it.
FOLD_GAP_SECONDS = 0.25


class Jobs:
    def __init__(self, settings: Mapping[str, Any], keys: Keys):
        self.settings, self.keys = settings, keys
        self.stopping = threading.Event()
        self._fold_wake = threading.Event()
        self._fold_thread: threading.Thread | None = None
        self.scheduler = BackgroundScheduler(
            timezone=settings["timezone"],
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )

    def start(self) -> None:
        self.scheduler.add_job(
            self.deliver_mail,
            "interval",
            seconds=MAIL_SECONDS,
            id="mail",
            next_run_time=datetime.now(self.scheduler.timezone),
        )
        if self.settings["purge_time"]:
            hour, minute = self.settings["purge_time"].split(":")
            self.scheduler.add_job(self.purge, "cron", hour=hour, minute=minute, id="purge")
            if retention_overdue(self.settings):
                # Down at the usual time: run once now rather than keep data a day longer.
                self.scheduler.add_job(
                    self.purge, "date", run_date=datetime.now(self.scheduler.timezone)
                )
        self.scheduler.add_job(
            self.release,
            "interval",
            seconds=release_service.RELEASE_SECONDS,
            id="release",
            next_run_time=datetime.now(self.scheduler.timezone),
        )
        self.scheduler.add_job(
            self.recount,
            "interval",
            seconds=RECOUNT_SECONDS,
            id="recount",
            next_run_time=datetime.now(self.scheduler.timezone),
        )
        if self.settings["rebuild_time"]:
            hour, minute = self.settings["rebuild_time"].split(":")
            self.scheduler.add_job(self.rebuild, "cron", hour=hour, minute=minute, id="rebuild")
        # Every minute; the job itself reads the mailbox when bounce_check_minutes have passed
        # (the admin changes that under Settings, without a restart).
        self.scheduler.add_job(self.read_bounces, "interval", seconds=BOUNCE_SECONDS, id="bounces")
        # Just after midnight: the day a licence, grace or trial ends counts in full.
        self.scheduler.add_job(self.check_licence, "cron", hour=0, minute=5, id="licence")
        if self.settings["backup_time"] and nightly_backups_configured(self.settings):
            hour, minute = self.settings["backup_time"].split(":")
            self.scheduler.add_job(self.backup, "cron", hour=hour, minute=minute, id="backup")
        self.scheduler.start()
        # Its own thread, not a scheduler job: it runs every second or so and on demand (kick).
        self._fold_thread = threading.Thread(target=self._fold_loop, name="fold", daemon=True)
        self._fold_thread.start()

    def stop(self) -> None:
        """Let a running send finish its message and record results, let a running fold round
        finish, then stop."""
        self.stopping.set()
        self._fold_wake.set()
        self.scheduler.shutdown(wait=True)
        if self._fold_thread is not None:
            self._fold_thread.join()

    def kick(self) -> None:
        """Fold soon (after a group commit): at most every FOLD_GAP_SECONDS."""
        self._fold_wake.set()

    def _fold_loop(self) -> None:
        conn = db.connect(db.db_path(self.settings["data_dir"]))
        unsettled = False
        try:
            while not self.stopping.is_set():
                self._fold_wake.wait(fold_service.FOLD_SECONDS)
                self._fold_wake.clear()
                if self.stopping.is_set():
                    break
                try:
                    unsettled = fold_round(conn).batches > 0 or unsettled
                    if unsettled:
                        # As after a group commit: no page image of the fold's commits (the
                        # responses it marked) stays in the log; readers may delay it a round.
                        unsettled = not db.clear_log(conn, 0)
                except Exception:  # noqa: BLE001 - the next round tries again
                    log.exception("fold round failed")
                self.stopping.wait(FOLD_GAP_SECONDS)
        finally:
            conn.close()

    def purge(self) -> None:
        """The daily retention run (its receipt goes to the audit log)."""
        try:
            receipt = purge_due(self.settings, self.keys)
        except Exception:  # noqa: BLE001 - keep the scheduler alive; the next run tries again
            log.exception("retention run failed")
            return
        log.info("retention run: %d items erased (audit entry %s)", receipt.total, receipt.audit_id)

    def release(self) -> None:
        """Cut the report releases that are due (what researchers see)."""
        try:
            released = release_due(self.settings, self.keys)
        except Exception:  # noqa: BLE001 - keep the scheduler alive; the next round tries again
            log.exception("report release failed")
            return
        if released:
            log.info("report releases cut for %d surveys", len(released))

    def recount(self) -> None:
        """Recount the surveys whose reportable segments staff changed (large ones wait here)."""
        try:
            done = recount_queued(self.settings)
        except Exception:  # noqa: BLE001 - the mark stays; the next round tries again
            log.exception("recount failed")
            return
        if done:
            log.info("figures recounted for %d surveys", len(done))

    def rebuild(self) -> None:
        """The nightly rebuild of the database file (see ``db.forget_order``)."""
        try:
            rebuild_file(self.settings)
        except Exception:  # noqa: BLE001 - keep the scheduler alive; tomorrow tries again
            log.exception("nightly rebuild failed")
            return
        log.info("database file rebuilt")

    def backup(self) -> None:
        """The nightly encrypted backup, rotated to keep ``backup_keep`` (audited either way)."""
        try:
            outcome = backup_jobs.nightly(self.settings)
        except Exception:  # noqa: BLE001 - recorded as backup.failed; tomorrow tries again
            log.exception("nightly backup failed")
            return
        log.info(
            "nightly backup %s written; %d old ones removed", outcome.name, len(outcome.removed)
        )

    def check_licence(self) -> None:
        """The daily licence check: never stops anything, only records the state."""
        try:
            current = licence_check(self.settings)
        except Exception:  # noqa: BLE001 - tomorrow tries again
            log.exception("licence check failed")
            return
        log.info("licence: %s, %d days left", current.state, current.days_left)

    def read_bounces(self) -> None:
        """Read the return mailbox when it is due (counts in the log, never an address)."""
        try:
            reading = bounce_jobs.read_if_due(self.settings, self.keys)
        except Exception:  # noqa: BLE001 - keep the scheduler alive; the next round tries again
            log.exception("reading the return mailbox failed")
            return
        if reading.problem:
            log.warning("return mailbox: %s", reading.problem)
        elif reading.ran and reading.tally.deleted + reading.tally.left:
            log.info("return mailbox: %s", reading.tally.as_dict())

    def deliver_mail(self) -> None:
        try:
            report = mail_jobs.deliver(self.settings, self.keys, self.stopping)
        except Exception:  # noqa: BLE001 - keep the scheduler alive; no data in the log line
            log.exception("mail round failed")
            return
        if report.sent or report.problems or any(report.recovered):
            log.info(
                "mail round: %d sent, recovered %s, problems: %s",
                report.sent,
                report.recovered,
                "; ".join(report.problems) or "none",
            )
