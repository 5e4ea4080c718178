"""SQL for accounts, sessions, login throttling, recovery and setup codes. No Flask here."""

from __future__ import annotations

import base64
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from appliance import crypto
from appliance.crypto import FieldCipher, KeyedHasher
from appliance.db import iso, utcnow

USER_COLUMNS = (
    "id, username, display_name, role, password_hash, password_changed_at, language, valid_from,"
    " valid_until, totp_enabled, totp_last_step, disabled_at, created_at, must_change_password"
)


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    role: str
    password_hash: str
    password_changed_at: str
    language: str | None
    valid_from: str | None
    valid_until: str | None
    totp_enabled: bool
    totp_last_step: int
    disabled_at: str | None
    created_at: str
    # The password was given by an admin: its owner must set one of their own before anything.
    must_change_password: bool = False

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None

    def window_open(self, now: datetime, tz: ZoneInfo) -> bool:
        """Researchers may act only on dates inside [valid_from, valid_until] (inclusive, local
        dates); other roles have no window."""
        if self.role != "researcher":
            return True
        if not self.valid_from or not self.valid_until:
            return False
        today = now.astimezone(tz).date()
        return date.fromisoformat(self.valid_from) <= today <= date.fromisoformat(self.valid_until)


def _user(row: sqlite3.Row | None) -> User | None:
    if row is None:
        return None
    values = dict(row)
    values["totp_enabled"] = bool(values["totp_enabled"])
    values["must_change_password"] = bool(values["must_change_password"])
    return User(**values)


# ---- users ---------------------------------------------------------------------------------------


def get_user(conn: sqlite3.Connection, user_id: int) -> User | None:
    sql = f"SELECT {USER_COLUMNS} FROM users WHERE id = ?"  # noqa: S608 - fixed column list
    return _user(conn.execute(sql, (user_id,)).fetchone())


def user_by_name(conn: sqlite3.Connection, username: str) -> User | None:
    row = conn.execute(
        f"SELECT {USER_COLUMNS} FROM users WHERE username = ? COLLATE NOCASE",  # noqa: S608
        (username.strip(),),
    ).fetchone()
    return _user(row)


def list_users(conn: sqlite3.Connection) -> list[User]:
    rows = conn.execute(f"SELECT {USER_COLUMNS} FROM users ORDER BY role, username COLLATE NOCASE")  # noqa: S608
    return [_user(r) for r in rows]


def active_admin_count(conn: sqlite3.Connection) -> int:
    return conn.execute(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL"
    ).fetchone()[0]


def create_user(
    conn: sqlite3.Connection,
    *,
    username: str,
    role: str,
    password_hash: str,
    display_name: str = "",
    language: str | None = None,
    valid_from: str | None = None,
    valid_until: str | None = None,
    must_change_password: bool = False,
) -> int:
    """Insert an account; raises sqlite3.IntegrityError when the username is taken."""
    now = iso(utcnow())
    cur = conn.execute(
        "INSERT INTO users (username, display_name, role, password_hash, password_changed_at,"
        " language, valid_from, valid_until, created_at, must_change_password)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            username.strip(),
            display_name.strip(),
            role,
            password_hash,
            now,
            language,
            valid_from,
            valid_until,
            now,
            int(must_change_password),
        ),
    )
    return cur.lastrowid


def update_user(conn: sqlite3.Connection, user_id: int, **fields) -> None:
    allowed = {"display_name", "role", "language", "valid_from", "valid_until"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot update {sorted(unknown)}")
    if not fields:
        return
    assignments = ", ".join(f"{name} = ?" for name in fields)
    conn.execute(f"UPDATE users SET {assignments} WHERE id = ?", [*fields.values(), user_id])  # noqa: S608


def set_password_hash(
    conn: sqlite3.Connection, user_id: int, password_hash: str, must_change: bool = False
) -> None:
    """``must_change``: the password was given by an admin, not chosen by its owner."""
    conn.execute(
        "UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = ?"
        " WHERE id = ?",
        (password_hash, iso(utcnow()), int(must_change), user_id),
    )


def set_disabled(conn: sqlite3.Connection, user_id: int, disabled: bool) -> None:
    conn.execute(
        "UPDATE users SET disabled_at = ? WHERE id = ?",
        (iso(utcnow()) if disabled else None, user_id),
    )


# ---- two-factor ----------------------------------------------------------------------------------


def set_pending_totp(conn: sqlite3.Connection, cipher: FieldCipher, user_id: int, secret: str):
    """Store a new secret, not yet enabled (enrolment confirms it with a first code)."""
    sealed = cipher.encrypt(secret, "users", "totp_secret", user_id)
    conn.execute(
        "UPDATE users SET totp_secret = ?, totp_enabled = 0, totp_last_step = 0 WHERE id = ?",
        (sealed, user_id),
    )


def totp_secret(conn: sqlite3.Connection, cipher: FieldCipher, user_id: int) -> str | None:
    row = conn.execute("SELECT totp_secret FROM users WHERE id = ?", (user_id,)).fetchone()
    if row is None or row["totp_secret"] is None:
        return None
    return cipher.decrypt(row["totp_secret"], "users", "totp_secret", user_id)


def enable_totp(conn: sqlite3.Connection, user_id: int) -> None:
    conn.execute("UPDATE users SET totp_enabled = 1 WHERE id = ?", (user_id,))


def clear_totp(conn: sqlite3.Connection, user_id: int) -> None:
    conn.execute(
        "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = 0 WHERE id = ?",
        (user_id,),
    )
    conn.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))


def accept_totp_step(conn: sqlite3.Connection, user_id: int, step: int) -> bool:
    """Record ``step`` as used; False when it (or a later one) was used before: a replay."""
    cur = conn.execute(
        "UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?",
        (step, user_id, step),
    )
    return cur.rowcount == 1


def replace_recovery_codes(
    conn: sqlite3.Connection, hasher: KeyedHasher, user_id: int, codes: Iterable[str]
) -> None:
    conn.execute("DELETE FROM recovery_codes WHERE user_id = ?", (user_id,))
    conn.executemany(
        "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)",
        [(user_id, hasher.digest("recovery", code)) for code in codes],
    )


def use_recovery_code(
    conn: sqlite3.Connection, hasher: KeyedHasher, user_id: int, code: str
) -> bool:
    cur = conn.execute(
        "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ?"
        " AND used_at IS NULL",
        (iso(utcnow()), user_id, hasher.digest("recovery", code)),
    )
    return cur.rowcount == 1


def unused_recovery_codes(conn: sqlite3.Connection, user_id: int) -> int:
    return conn.execute(
        "SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", (user_id,)
    ).fetchone()[0]


# ---- sessions ------------------------------------------------------------------------------------


def create_session(conn: sqlite3.Connection, user_id: int, stage: str, now: float) -> str:
    """Return a new random session id (256 bits); only its SHA-256 is stored."""
    raw = crypto.token(32)
    conn.execute(
        "INSERT INTO sessions (id_hash, user_id, stage, created_at, last_seen)"
        " VALUES (?, ?, ?, ?, ?)",
        (crypto.sha256(raw), user_id, stage, now, now),
    )
    return raw


def get_session(conn: sqlite3.Connection, raw: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM sessions WHERE id_hash = ?", (crypto.sha256(raw),)
    ).fetchone()


def set_session_stage(conn: sqlite3.Connection, raw: str, stage: str) -> None:
    conn.execute("UPDATE sessions SET stage = ? WHERE id_hash = ?", (stage, crypto.sha256(raw)))


def touch_session(conn: sqlite3.Connection, raw: str, now: float) -> None:
    conn.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, crypto.sha256(raw)))


def add_session_totp_failure(conn: sqlite3.Connection, raw: str) -> int:
    conn.execute(
        "UPDATE sessions SET totp_failures = totp_failures + 1 WHERE id_hash = ?",
        (crypto.sha256(raw),),
    )
    row = get_session(conn, raw)
    return row["totp_failures"] if row else 0


def end_session(conn: sqlite3.Connection, raw: str) -> None:
    conn.execute("DELETE FROM sessions WHERE id_hash = ?", (crypto.sha256(raw),))


def end_user_sessions(conn: sqlite3.Connection, user_id: int, keep_raw: str | None = None) -> int:
    """End every session of the user except ``keep_raw``; return how many ended."""
    keep = crypto.sha256(keep_raw) if keep_raw else b""
    cur = conn.execute("DELETE FROM sessions WHERE user_id = ? AND id_hash != ?", (user_id, keep))
    return cur.rowcount


def count_user_sessions(
    conn: sqlite3.Connection, user_id: int, idle_before: float = 0, created_before: float = 0
) -> int:
    """Signed-in sessions of the user, leaving out those idle since ``idle_before`` or started
    before ``created_before`` (dead, awaiting clean-up)."""
    return conn.execute(
        "SELECT count(*) FROM sessions WHERE user_id = ? AND stage = 'full'"
        " AND last_seen >= ? AND created_at >= ?",
        (user_id, idle_before, created_before),
    ).fetchone()[0]


def purge_sessions(conn: sqlite3.Connection, idle_before: float, created_before: float) -> int:
    cur = conn.execute(
        "DELETE FROM sessions WHERE last_seen < ? OR created_at < ?", (idle_before, created_before)
    )
    return cur.rowcount


# ---- login throttle ------------------------------------------------------------------------------


def record_failure(conn: sqlite3.Connection, key: bytes, now: float) -> None:
    conn.execute("INSERT INTO login_failures (key, at) VALUES (?, ?)", (key, now))


def failures_since(conn: sqlite3.Connection, key: bytes, since: float) -> tuple[int, float | None]:
    """Return (count, time of the oldest) of failures for ``key`` after ``since``."""
    row = conn.execute(
        "SELECT count(*), min(at) FROM login_failures WHERE key = ? AND at > ?", (key, since)
    ).fetchone()
    return row[0], row[1]


def clear_failures(conn: sqlite3.Connection, key: bytes) -> None:
    conn.execute("DELETE FROM login_failures WHERE key = ?", (key,))


def prune_failures(conn: sqlite3.Connection, before: float) -> None:
    conn.execute("DELETE FROM login_failures WHERE at < ?", (before,))


# ---- first-admin setup codes ---------------------------------------------------------------------


def issue_setup_code(conn: sqlite3.Connection, now: float, minutes: int) -> str:
    """A one-time code (130 bits, grouped for reading aloud); earlier unused codes stop working."""
    raw = base64.b32encode(os.urandom(17)).decode()[:26]
    code = "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))
    conn.execute("DELETE FROM setup_codes WHERE used_at IS NULL")
    conn.execute(
        "INSERT INTO setup_codes (code_hash, expires_at) VALUES (?, ?)",
        (crypto.sha256(normalise_setup_code(code)), now + minutes * 60),
    )
    return code


def normalise_setup_code(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


def setup_code_valid(conn: sqlite3.Connection, code: str, now: float) -> bool:
    return (
        conn.execute(
            "SELECT 1 FROM setup_codes WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
            (crypto.sha256(normalise_setup_code(code)), now),
        ).fetchone()
        is not None
    )


def consume_setup_code(conn: sqlite3.Connection, code: str, now: float) -> bool:
    cur = conn.execute(
        "UPDATE setup_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL"
        " AND expires_at > ?",
        (iso(utcnow()), crypto.sha256(normalise_setup_code(code)), now),
    )
    return cur.rowcount == 1


# ---- researcher grants ---------------------------------------------------------------------------


def list_surveys(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT id, title, status FROM surveys ORDER BY id DESC").fetchall()


def granted_survey_ids(conn: sqlite3.Connection, user_id: int) -> set[int]:
    rows = conn.execute("SELECT survey_id FROM researcher_grants WHERE user_id = ?", (user_id,))
    return {r[0] for r in rows}


def set_grants(conn: sqlite3.Connection, user_id: int, survey_ids: Iterable[int]) -> None:
    conn.execute("DELETE FROM researcher_grants WHERE user_id = ?", (user_id,))
    conn.executemany(
        "INSERT INTO researcher_grants (user_id, survey_id) VALUES (?, ?)",
        [(user_id, sid) for sid in sorted(set(survey_ids))],
    )
