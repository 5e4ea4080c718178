"""The sign-in workflow as plain functions: password, second factor, and the end of a session
the server closes. Views and the session loader only map the outcome.

Contract: every step writes its audit entry and throttle bookkeeping itself. The account's failure
counter is reset only when the whole sign-in succeeds, so wrong second-factor codes accumulate
across attempts instead of being wiped by the next correct password.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from appliance.auth import passwords, store, totp
from appliance.auth.roles import totp_required
from appliance.auth.service import Actor
from appliance.auth.throttle import Throttle
from appliance.keys import Keys

MAX_CODE_FAILURES = 5


def _log(conn, user: store.User | None, address: str, action: str, **details) -> None:
    target = f"user:{user.id}" if user else ""
    Actor.of(user, address).log(conn, action, target, **details)


@dataclass(frozen=True)
class PasswordOutcome:
    """``result``: throttled, failed, window_closed, or ok (then ``stage`` says what is next:
    'full' signed in, 'password' a code is due, 'enrol' TOTP enrolment is due)."""

    result: str
    user: store.User | None = None
    stage: str = ""
    minutes: int = 0


def password_step(
    conn: sqlite3.Connection,
    throttle: Throttle,
    username: str,
    password: str,
    address: str,
    now: datetime,
    tz: ZoneInfo,
    staff_totp_required: bool = True,
) -> PasswordOutcome:
    """The password step; ``staff_totp_required`` is the setting of that name (admins,
    researchers and interviewers need a second factor whatever it says)."""
    minutes = throttle.blocked_for(username, address)
    if minutes:
        if throttle.first_refusal(username, address):
            _log(
                conn,
                store.user_by_name(conn, username),
                address,
                "login.throttled",
                minutes=minutes,
            )
        return PasswordOutcome("throttled", minutes=minutes)
    user = store.user_by_name(conn, username)
    ok = passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        throttle.fail(username, address)
        reason = (
            "unknown_account" if user is None else ("disabled" if user.disabled else "bad_password")
        )
        _log(conn, user, address, "login.failed", reason=reason)
        return PasswordOutcome("failed")
    if not user.window_open(now, tz):
        _log(
            conn,
            user,
            address,
            "login.refused",
            reason="access_window",
            valid_from=user.valid_from,
            valid_until=user.valid_until,
        )
        return PasswordOutcome("window_closed", user)
    if passwords.needs_rehash(user.password_hash):
        store.set_password_hash(conn, user.id, passwords.hash_password(password))
    if user.totp_enabled:
        return PasswordOutcome("ok", user, "password")
    if totp_required(user.role, staff_totp_required):
        return PasswordOutcome("ok", user, "enrol")
    signed_in(conn, throttle, user, address, "password")
    return PasswordOutcome("ok", user, "full")


def signed_in(conn, throttle: Throttle, user: store.User, address: str, method: str) -> None:
    throttle.succeed(user.username)
    _log(conn, user, address, "login.success", method=method)


def second_factor(conn: sqlite3.Connection, keys: Keys, user: store.User, text: str):
    """Return 'totp' or 'recovery_code' when ``text`` is an unused valid code, else None."""
    compact = "".join(text.split())
    if compact.isdigit():
        secret = store.totp_secret(conn, keys.cipher(), user.id)
        step = totp.matching_step(secret, compact) if secret else None
        if step is not None and store.accept_totp_step(conn, user.id, step):
            return "totp"
        return None
    code = totp.normalise_recovery_code(text)
    if store.use_recovery_code(conn, keys.hasher(), user.id, code):
        return "recovery_code"
    return None


def code_step(
    conn: sqlite3.Connection,
    keys: Keys,
    throttle: Throttle,
    user: store.User,
    sid: str,
    text: str,
    address: str,
) -> str:
    """Outcome of a second-factor attempt: 'totp' / 'recovery_code' (signed in), 'wrong',
    or 'ended' (too many wrong codes, or throttled: the half-finished login is gone)."""
    if throttle.blocked_for(user.username, address):
        store.end_session(conn, sid)
        return "ended"
    method = second_factor(conn, keys, user, text)
    if method:
        signed_in(conn, throttle, user, address, method)
        return method
    throttle.fail(user.username, address)
    _log(conn, user, address, "login.failed", reason="bad_second_factor")
    if store.add_session_totp_failure(conn, sid) >= MAX_CODE_FAILURES:
        store.end_session(conn, sid)
        return "ended"
    return "wrong"


def end_session(
    conn: sqlite3.Connection, sid: str, user: store.User | None, reason: str, address: str
) -> None:
    """End session ``sid``, which the server will not serve any more (``reason``: idle,
    expired, disabled, access_window). Only the end of an access window is audited
    (``session.ended``): the others are the ordinary life of a session."""
    store.end_session(conn, sid)
    if user is not None and reason == "access_window":
        Actor.of(user, address).log(conn, "session.ended", f"user:{user.id}", reason=reason)
