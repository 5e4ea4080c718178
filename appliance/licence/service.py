"""What the licence allows today, installing a licence, and the start-up and daily check.

States (:attr:`Status.state`):

- ``trial``: no licence (or none that checks out), within :data:`TRIAL_DAYS` of the trial's
  start: everything is allowed, with a banner;
- ``trial_over``: no licence after the trial: no new surveys, campaigns or accounts, and the
  modules are off;
- ``licensed``: between the licence's first and last day: its modules and account limits;
- ``grace``: up to :data:`GRACE_DAYS` after the last day: as licensed, with a banner;
- ``expired``: after the grace: the licensed modules still work (work in progress is never cut
  off), but no new surveys, campaigns or accounts.

The licence never blocks what the law requires or what people are in the middle of: answering
an open survey, unsubscribing, data-subject requests and exports, retention and erasure,
backups and restores, and reports of existing data. Only :meth:`Status.may_create`,
:meth:`Status.allows` and :meth:`Status.account_room` restrict, and only the creation of new
work and the module pages use them.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from appliance import audit, db
from appliance.licence import document, store
from appliance.licence.document import MODULES, Licence, LicenceError

TRIAL_DAYS = 30
GRACE_DAYS = 30
LIMITED_ROLES = ("researcher", "interviewer")
CREATE_BLOCKED = ("trial_over", "expired")
LICENCE_STATES = ("licensed", "grace", "expired")


@dataclass(frozen=True)
class Status:
    state: str
    today: date
    licence: Licence | None
    last_day: date  # of the trial, the licence, or the grace period, as the state says
    problem: str | None = None  # why the installed licence did not count (a LicenceError code)

    @property
    def days_left(self) -> int:
        """Days from today to :attr:`last_day`, that day included; 0 once it has passed."""
        return max(0, (self.last_day - self.today).days + 1)

    @property
    def counts(self) -> bool:
        """The licence is in force (in its period, its grace or after it), not one that has not
        started yet beside a trial."""
        return self.licence is not None and self.state in LICENCE_STATES

    @property
    def modules(self) -> frozenset[str]:
        if self.state == "trial":
            return frozenset(MODULES)
        return self.licence.modules if self.counts else frozenset()

    def allows(self, module: str) -> bool:
        return module in self.modules

    @property
    def may_create(self) -> bool:
        """New surveys, campaigns and accounts may be made."""
        return self.state not in CREATE_BLOCKED

    @property
    def banner(self) -> bool:
        return self.state != "licensed"

    def limit(self, role: str) -> int | None:
        """How many active accounts of ``role`` the licence allows; None: no limit."""
        if role not in LIMITED_ROLES or self.state == "trial":
            return None
        if not self.counts:
            return 0
        return getattr(self.licence, f"{role}s")


def status(conn: sqlite3.Connection, today: date) -> Status:
    """The licence's state on ``today`` (:func:`today`). Reads one row; the signature was
    checked at installation and is re-checked by :func:`check`."""
    row = store.load(conn)
    return _state(row, row.problem, today)


def _state(row: store.Row, problem: str | None, today: date) -> Status:
    """The state ``row`` gives on ``today`` when the last check found ``problem``."""
    licence = None
    if row.body is not None and problem is None:
        try:
            licence = document.read_checked_before(row.body)
        except LicenceError as exc:
            problem = exc.code
    if licence is not None and licence.valid_from <= today:
        if today <= licence.valid_until:
            return Status("licensed", today, licence, licence.valid_until)
        grace_end = licence.valid_until + timedelta(days=GRACE_DAYS)
        if today <= grace_end:
            return Status("grace", today, licence, grace_end)
        return Status("expired", today, licence, grace_end)
    trial_end = date.fromisoformat(row.trial_started) + timedelta(days=TRIAL_DAYS - 1)
    state = "trial" if today <= trial_end else "trial_over"
    return Status(state, today, licence, trial_end, problem)


def account_room(conn: sqlite3.Connection, role: str, today: date) -> bool:
    """Whether one more active account of ``role`` fits the licence."""
    limit = status(conn, today).limit(role)
    return limit is None or store.active_accounts(conn, role, today.isoformat()) < limit


def today() -> date:
    """The day licence periods are counted in: the local date, as for the trial's start
    (written by SQLite's ``localtime``), so the pages, the services and the daily check always
    agree on it. The local zone is the ``timezone`` setting (``settings.adopt_timezone``)."""
    return date.today()


def usage(conn: sqlite3.Connection, current: Status) -> dict[str, tuple[int, int | None]]:
    """Per limited role: active accounts now, and the licence's limit (None: no limit)."""
    today = current.today.isoformat()
    return {
        role: (store.active_accounts(conn, role, today), current.limit(role))
        for role in LIMITED_ROLES
    }


def trusted_key(values: dict[str, Any]) -> Ed25519PublicKey:
    """The key licences must be signed with: the vendor's, built into the package. The
    ``licence_test_key`` setting replaces it for the test suite; ``serve`` and ``check`` refuse
    to run with it (see ``appliance.cli.problems``)."""
    if values.get("licence_test_key"):
        return document.public_key_from_text(values["licence_test_key"])
    return document.vendor_key()


def install(
    conn: sqlite3.Connection,
    data: bytes,
    key: Ed25519PublicKey,
    today: date,
    *,
    actor_id: int | None,
    actor: str,
    address: str = "",
) -> Licence:
    """Check ``data`` against ``key`` and make it the installed licence (audited
    ``licence.installed``). Raises LicenceError: a bad file, one that has already ended, or one
    that starts later while the installed licence still runs (it would cut that one short);
    a refusal is audited too (``licence.refused``, with its reason's code: a forged file is
    worth knowing about)."""
    try:
        return _install(conn, data, key, today, actor_id, actor, address)
    except LicenceError as exc:
        audit.record(
            conn,
            "licence.refused",
            actor_id=actor_id,
            actor=actor,
            details={"reason": exc.code, "bytes": len(data)},
            address=address,
        )
        raise


def _install(conn, data, key, today, actor_id, actor, address) -> Licence:
    licence = document.read(data, key)
    if licence.valid_until < today:
        raise LicenceError(
            "ended",
            f"this licence ended on {licence.valid_until.isoformat()}",
            last_day=licence.valid_until.isoformat(),
        )
    now = int(time.time())
    with db.transaction(conn):
        current = status(conn, today)
        if licence.valid_from > today and current.state in ("licensed", "grace"):
            raise LicenceError(
                "starts_later",
                f"this licence starts on {licence.valid_from.isoformat()}, while the installed "
                f"one runs until {current.licence.valid_until.isoformat()}; install it from "
                f"{licence.valid_from.isoformat()}",
                first_day=licence.valid_from.isoformat(),
                current_last_day=current.licence.valid_until.isoformat(),
            )
        store.save_body(conn, data, now, actor_id)
        new_state = status(conn, today).state
        store.save_check(conn, now, None, new_state)
        audit.record(
            conn,
            "licence.installed",
            actor_id=actor_id,
            actor=actor,
            target=licence.licence_id,
            details={
                "licensee": licence.licensee,
                "valid_from": licence.valid_from.isoformat(),
                "valid_until": licence.valid_until.isoformat(),
                "modules": sorted(licence.modules),
                "researchers": licence.researchers,
                "interviewers": licence.interviewers,
                "state": new_state,
            },
            address=address,
        )
    return licence


def check(conn: sqlite3.Connection, key: Ed25519PublicKey, today: date) -> Status:
    """Re-check the installed licence's signature (at start-up and daily) and record the
    outcome. A change of state (into grace, expiry, a failed signature) is audited once, as
    ``licence.state_changed``. Never raises for a bad licence: the appliance keeps serving,
    in the state the check leaves it."""
    row = store.load(conn)
    problem = None
    if row.body is not None:
        try:
            document.read(row.body, key)
        except LicenceError as exc:
            problem = exc.code
    current = _state(row, problem, today)
    with db.transaction(conn):
        store.save_check(conn, int(time.time()), problem, current.state)
        if current.state != row.state or problem != row.problem:
            audit.record(
                conn,
                "licence.state_changed",
                details={
                    "from": row.state,
                    "to": current.state,
                    "problem": problem,
                    "last_day": current.last_day.isoformat(),
                },
            )
    return current
