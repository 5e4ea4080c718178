"""What each role's start page shows, gathered from the stores and services that own it.

Read-only: nothing here writes or logs. The researcher's page is not here: it reads through the
aggregate gate alone, which the report views open for it (``appliance.home_views``).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from appliance import audit
from appliance.auth import store as auth_store
from appliance.backup import status as backup_status
from appliance.db import parse_iso, utcnow
from appliance.privacy import register, retention
from appliance.startpage import store

# Walking the audit chain is linear in its length: once per this many seconds at most.
AUDIT_CHECK_SECONDS = 300
_checked: dict[str, tuple[float, int, audit.Verification]] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class SurveyLine:
    id: int
    title: str
    closes_on: str | None
    responses: int
    invited: int
    answered: int

    @property
    def rate(self) -> float | None:
        """Share of the invitations sent that were answered; None before any was sent."""
        return self.answered / self.invited if self.invited else None


@dataclass(frozen=True)
class RetentionLine:
    kind: str
    due_now: int
    next_due: str | None
    next_count: int


@dataclass(frozen=True)
class StaffStart:
    surveys: list[SurveyLine]
    campaigns: list[sqlite3.Row]
    requests: list[tuple[sqlite3.Row, str]]  # (request, 'overdue' | 'due_soon' | '')
    retention: list[RetentionLine]
    purge_time: str


def staff_start(conn: sqlite3.Connection, settings: Mapping[str, Any], today: date) -> StaffStart:
    surveys = [
        SurveyLine(r["id"], r["title"], r["closes_on"], r["responses"], r["invited"], r["answered"])
        for r in store.open_surveys(conn)
    ]
    plan = retention.plan(conn, settings)
    lines = [
        RetentionLine(
            line.kind,
            line.due_now,
            line.next_due,
            line.upcoming[0][1] if line.upcoming else 0,
        )
        for line in (plan.lines[kind] for kind in retention.KINDS)
        if line.due_now or line.upcoming
    ]
    return StaffStart(
        surveys=surveys,
        campaigns=store.current_campaigns(conn),
        requests=[(row, register.warning(row, today)) for row in register.open_requests(conn)],
        retention=lines,
        purge_time=settings["purge_time"],
    )


@dataclass(frozen=True)
class MailStatus:
    transport: str  # file or smtp
    host: str
    port: int
    security: str
    last_sent: datetime | None
    retrying: int
    failed: int
    test_at: datetime | None
    test_ok: bool | None
    test_reason: str


@dataclass(frozen=True)
class DiskStatus:
    path: str
    free: int
    total: int

    @property
    def free_share(self) -> float:
        return self.free / self.total if self.total else 0.0


@dataclass(frozen=True)
class AuditStatus:
    ok: bool
    checked: int
    summarised: int
    broken_id: int | None
    reason: str
    at: datetime


@dataclass(frozen=True)
class ResearcherLine:
    id: int
    username: str
    display_name: str
    valid_from: str | None
    valid_until: str | None
    open: bool
    days_left: int | None  # days until the end of the window, counting today; None if ended
    surveys: int


@dataclass(frozen=True)
class InterviewerLine:
    id: int
    username: str
    display_name: str
    surveys: int  # surveys assigned; none: the account can do nothing yet
    two_factor: bool  # enrolled; until then the first sign-in still has to set it up


@dataclass(frozen=True)
class AdminStart:
    backup: backup_status.BackupStatus
    mail: MailStatus
    disk: DiskStatus
    audit: AuditStatus
    researchers: list[ResearcherLine]
    interviewers: list[InterviewerLine]


def mail_status(conn: sqlite3.Connection, settings: Mapping[str, Any]) -> MailStatus:
    """The configured relay and how the last sends went. No connection is made: the appliance
    only ever talks to the relay to send (the admin's test message is the check on demand)."""
    activity = store.mail_activity(conn)
    test = store.last_test_mail(conn)
    reason = ""
    if test is not None and test["action"] == "mail.test_failed":
        reason = json.loads(test["details"] or "{}").get("reason", "")
    return MailStatus(
        transport=settings["mail_transport"],
        host=settings["smtp_host"],
        port=settings["smtp_port"],
        security=settings["smtp_security"],
        last_sent=parse_iso(activity["last_sent"]) if activity["last_sent"] else None,
        retrying=activity["retrying"],
        failed=activity["failed"],
        test_at=parse_iso(test["at"]) if test else None,
        test_ok=None if test is None else test["action"] == "mail.test_sent",
        test_reason=reason,
    )


def disk_status(data_dir: str) -> DiskStatus:
    usage = shutil.disk_usage(Path(data_dir))
    return DiskStatus(str(data_dir), usage.free, usage.total)


def audit_status(conn: sqlite3.Connection, db_path: str, public_key: bytes) -> AuditStatus:
    """The audit chain verified (as ``appliance audit verify`` does), at most every
    :data:`AUDIT_CHECK_SECONDS` per database, or again as soon as the log has shrunk."""
    newest = store.newest_audit_id(conn)
    with _lock:
        cached = _checked.get(db_path)
        fresh = (
            cached is not None
            and time.time() - cached[0] < AUDIT_CHECK_SECONDS
            and cached[1] <= newest
        )
        if not fresh:
            cached = (time.time(), newest, audit.verify(conn, public_key))
            _checked[db_path] = cached
    at, _newest, result = cached
    return AuditStatus(
        result.ok,
        result.checked,
        result.summarised,
        result.broken_id,
        result.reason,
        datetime.fromtimestamp(at, tz=utcnow().tzinfo),
    )


def researchers(conn: sqlite3.Connection, now: datetime, tz) -> list[ResearcherLine]:
    """Active researcher accounts with their access windows, the ones ending soonest first."""
    today = now.astimezone(tz).date()
    lines = []
    for user in auth_store.list_users(conn):
        if user.role != "researcher" or user.disabled:
            continue
        end = date.fromisoformat(user.valid_until) if user.valid_until else None
        days = (end - today).days + 1 if end and end >= today else None
        lines.append(
            ResearcherLine(
                user.id,
                user.username,
                user.display_name,
                user.valid_from,
                user.valid_until,
                user.window_open(now, tz),
                days,
                len(auth_store.granted_survey_ids(conn, user.id)),
            )
        )
    return sorted(lines, key=lambda r: (r.valid_until or "9999", r.username.lower()))


def interviewers(conn: sqlite3.Connection) -> list[InterviewerLine]:
    """Active interviewer accounts with how many surveys each is assigned, by username."""
    return [
        InterviewerLine(
            user.id,
            user.username,
            user.display_name,
            len(auth_store.granted_survey_ids(conn, user.id)),
            user.totp_enabled,
        )
        for user in auth_store.list_users(conn)
        if user.role == "interviewer" and not user.disabled
    ]


def admin_start(
    conn: sqlite3.Connection,
    settings: Mapping[str, Any],
    db_path: str,
    public_key: bytes,
    tz,
) -> AdminStart:
    now = utcnow()
    return AdminStart(
        backup=backup_status.status(conn, settings, now),
        mail=mail_status(conn, settings),
        disk=disk_status(settings["data_dir"]),
        audit=audit_status(conn, db_path, public_key),
        researchers=researchers(conn, now, tz),
        interviewers=interviewers(conn),
    )
