"""What an admin needs to know about backups: the last one (time, size, result), the next
nightly run, and whether something is wrong (off, failed, or older than expected).

Read from the audit log, where every backup and every failed nightly one is recorded (see
``appliance.backup.jobs``), so a backup written to another directory by ``appliance backup
--out`` counts too. Nothing here touches the backup files or their key.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from appliance.backup import store
from appliance.db import parse_iso, utcnow

# A nightly backup is expected every day; a little more than a day gives a late run its slack.
EXPECTED_EVERY = timedelta(hours=26)
OFF, FAILED, STALE, NONE_YET = "off", "failed", "stale", "none_yet"


@dataclass(frozen=True)
class Result:
    at: datetime
    ok: bool
    name: str
    kind: str  # nightly or manual
    size: int | None  # encrypted bytes
    reason: str = ""


@dataclass
class BackupStatus:
    time: str  # backup_time (HH:MM, local) or "" when nightly backups are switched off
    key_configured: bool
    last: Result | None
    last_ok: Result | None
    next_run: datetime | None
    history: list[Result] = field(default_factory=list)
    now: datetime = field(default_factory=utcnow)
    since: datetime | None = None  # when the appliance started keeping its log

    @property
    def enabled(self) -> bool:
        return bool(self.time) and self.key_configured

    @property
    def problem(self) -> str | None:
        """OFF, FAILED, STALE, NONE_YET or None when all is well."""
        if not self.enabled:
            return OFF
        if self.last is not None and not self.last.ok:
            return FAILED
        if self.last_ok is None:
            # Freshly installed, the first nightly run still ahead: nothing is late yet.
            young = self.since is None or self.now - self.since <= EXPECTED_EVERY
            return NONE_YET if young else STALE
        if self.now - self.last_ok.at > EXPECTED_EVERY:
            return STALE
        return None


def _result(row: sqlite3.Row) -> Result:
    details = json.loads(row["details"] or "{}")
    ok = row["action"] == "backup.written"
    return Result(
        at=parse_iso(row["at"]),
        ok=ok,
        name=details.get("name", ""),
        kind=details.get("kind") or str(details.get("name", "")).partition("-")[0],
        size=details.get("bytes") if ok else None,
        reason="" if ok else details.get("reason", ""),
    )


def next_run(backup_time: str, tz: ZoneInfo, now: datetime) -> datetime | None:
    """The next moment (aware, UTC) the nightly backup runs at ``backup_time`` local time."""
    if not backup_time:
        return None
    hour, minute = (int(part) for part in backup_time.split(":"))
    local = now.astimezone(tz)
    run = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if run <= local:
        run = (local + timedelta(days=1)).replace(hour=hour, minute=minute)
    return run.astimezone(ZoneInfo("UTC"))


def status(
    conn: sqlite3.Connection, settings: Mapping[str, Any], now: datetime | None = None
) -> BackupStatus:
    now = now or utcnow()
    history = [_result(row) for row in store.recent_results(conn)]
    key = bool(settings["backup_key_file"] or settings["backup_passphrase"])
    time_set = settings["backup_time"] or ""
    return BackupStatus(
        time=time_set,
        key_configured=key,
        last=history[0] if history else None,
        last_ok=next((r for r in history if r.ok), None),
        next_run=next_run(time_set, ZoneInfo(settings["timezone"]), now) if key else None,
        history=history,
        now=now,
        since=parse_iso(since) if (since := store.first_entry_at(conn)) else None,
    )
