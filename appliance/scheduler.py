"""The background jobs of ``serve``: one APScheduler, started once, kept thin.

Each job does one unit of work and returns; the scheduler only says when. ``coalesce`` and
``max_instances=1`` mean a slow round (a large campaign) is never run twice at once, and missed
rounds collapse into one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from appliance.keys import Keys
from appliance.mailing import jobs as mail_jobs

log = logging.getLogger(__name__)
MAIL_SECONDS = 5


class Jobs:
    def __init__(self, settings: Mapping[str, Any], keys: Keys):
        self.settings, self.keys = settings, keys
        self.stopping = threading.Event()
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
        self.scheduler.start()

    def stop(self) -> None:
        """Let a running send finish its message and record results, then stop."""
        self.stopping.set()
        self.scheduler.shutdown(wait=True)

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
