"""The retention engine: the one place that decides when personal data is erased.

Rules (settings, defaults from the privacy statement's promises):

- contact data (``contacts`` rows) ``retention_contact_months`` after the last invitation or
  reminder sent to the contact, or after its import if none was ever sent; whether the survey
  still runs does not matter;
- rows an import rejected (they hold the raw CSV row) on the same term, counted from the import;
- a name typed into a name field ``retention_name_months`` after the answer;
- a request to be contacted (the one link from an answer to a person) once staff mark it
  handled, or ``contact_request_days`` after the answer;
- invitation messages written to the mail folder (``mail_transport = "file"``) on the contact
  term, counted from the file's date;
- audit-log entries ``retention_audit_months`` after they were written, replaced by one signed
  summary so the chain still verifies (``appliance.audit.summarise``).

The unsubscribe list and the erasure ledger hold keyed hashes only and are never purged.

:func:`plan` says what falls due when (the page and ``appliance purge --dry-run``);
:func:`appliance.privacy.retention_service.apply` erases what is due in short write transactions
(turns of about 30 ms, so sign-ins and submissions never wait long), writes the deletion receipt
(counts per kind for the whole run) to the audit log in a last transaction, then removes mail
files and truncates the write-ahead log; the file is rebuilt after a large purge, or at the
nightly rebuild when the caller defers it.
"""

from __future__ import annotations

import os
import sqlite3
from calendar import monthrange
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from appliance.auth.service import Actor
from appliance.db import utcnow
from appliance.mailing.transport import MAIL_DIR
from appliance.privacy import retention_store

SYSTEM = Actor(None, "system")
RECEIPT = "retention.purged"  # the audit action of a deletion receipt
KINDS = ("contacts", "import_rejects", "names", "contact_requests", "mail_files", "audit_entries")


@dataclass(frozen=True)
class Rules:
    contact_months: int
    name_months: int
    request_days: int
    audit_months: int

    @classmethod
    def of(cls, settings: Mapping[str, Any]) -> Rules:
        return cls(
            settings["retention_contact_months"],
            settings["retention_name_months"],
            settings["contact_request_days"],
            settings["retention_audit_months"],
        )


def local_today(settings: Mapping[str, Any], now: datetime | None = None) -> str:
    moment = now or utcnow()
    return moment.astimezone(ZoneInfo(settings["timezone"])).date().isoformat()


@dataclass
class Line:
    """One kind of data: how many items are due now, and the coming due days with their counts.
    Every item has a due day."""

    kind: str
    due_now: int = 0
    upcoming: list[tuple[str, int]] = field(default_factory=list)

    @property
    def next_due(self) -> str | None:
        return self.upcoming[0][0] if self.upcoming else None


@dataclass
class Plan:
    today: str
    lines: dict[str, Line]

    @property
    def due_total(self) -> int:
        return sum(line.due_now for line in self.lines.values())


def plan(
    conn: sqlite3.Connection, settings: Mapping[str, Any], now: datetime | None = None
) -> Plan:
    rules, today = Rules.of(settings), local_today(settings, now)
    schedules = {
        "contacts": retention_store.contact_schedule(conn, rules.contact_months),
        "import_rejects": retention_store.reject_schedule(conn, rules.contact_months),
        **retention_store.other_schedules(
            conn, rules.name_months, rules.request_days, rules.audit_months, today
        ),
    }
    lines = {}
    for kind in KINDS:
        if kind == "mail_files":
            rows = [
                {"due": due, "n": n} for due, n in sorted(_mail_schedule(settings, rules).items())
            ]
        else:
            rows = schedules[kind]
        upcoming = [(r["due"], r["n"]) for r in rows if r["due"] > today]
        lines[kind] = Line(kind, retention_store.count_due(rows, today), upcoming)
    return Plan(today, lines)


def list_dates(conn: sqlite3.Connection, settings: Mapping[str, Any]) -> dict[int, sqlite3.Row]:
    """Per contact list: first_due and last_due (days) of its contacts; lists without contacts
    are absent."""
    return retention_store.list_erasure(conn, Rules.of(settings).contact_months)


def survey_dates(
    conn: sqlite3.Connection, settings: Mapping[str, Any], survey_id: int
) -> sqlite3.Row:
    """For one survey: contacts (invited and still held), contacts_first and contacts_last (the
    days the first and the last of them fall due; None without any), names_first, names_last."""
    rules = Rules.of(settings)
    return retention_store.survey_erasure(conn, survey_id, rules.contact_months, rules.name_months)


@dataclass
class Receipt:
    counts: dict[str, int] = field(default_factory=dict)
    compacted: bool = False
    audit_id: int | None = None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


# ---- the mail folder ---------------------------------------------------------------------------


def _mail_dir(settings: Mapping[str, Any]) -> Path:
    return Path(settings["data_dir"]) / MAIL_DIR


def _file_due(path: Path, rules: Rules) -> str:
    written = datetime.fromtimestamp(path.stat().st_mtime, UTC).date()
    return add_months(written, rules.contact_months).isoformat()


def _mail_files(settings: Mapping[str, Any]) -> list[Path]:
    folder = _mail_dir(settings)
    if not folder.is_dir():
        return []
    return [Path(root) / name for root, _, names in os.walk(folder) for name in names]


def _mail_schedule(settings: Mapping[str, Any], rules: Rules) -> dict[str, int]:
    days: dict[str, int] = {}
    for path in _mail_files(settings):
        due = _file_due(path, rules)
        days[due] = days.get(due, 0) + 1
    return days


def due_mail_files(settings: Mapping[str, Any], rules: Rules, today: str) -> list[Path]:
    """The files of the mail folder due on ``today`` (an ISO day) or before."""
    return [p for p in _mail_files(settings) if p.exists() and _file_due(p, rules) <= today]


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the last day of the month reached (31 Aug + 6 =
    28 Feb): the rule of every term here, and of the SQL in ``retention_store``."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))
