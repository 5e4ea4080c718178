"""Account operations shared by the web interface and the CLI: the auth area's service.

Each function validates, writes in one transaction together with its audit entry, and raises
:class:`AccountError` with user-facing reasons (English msgids, translated by the caller) when the
input is refused. Ending sessions on disable and password change happens here, in one place, as
do sign-out and the refusals that are audited (a wrong current password, a wrong setup code).
The signed-in user's own credentials (two-factor login, recovery codes, API tokens) are
:mod:`appliance.auth.credential_service`.

Reads of accounts and grants pass through here too (plain calls of the store), so views never
depend on SQL.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from appliance import audit
from appliance.auth import passwords, store, token_store
from appliance.auth.roles import ROLES
from appliance.auth.throttle import Throttle
from appliance.db import transaction
from appliance.i18n import N_
from appliance.licence import limits

CLAIM_REFUSED = N_(
    "The setup code is wrong or has expired. "
    "Run `appliance setup-code` on the server for a new one."
)
TAKEN = N_("This username is already taken.")
SAME_PASSWORD = N_("Choose a new password, not the one you have now.")
CHOOSE_ROLE = N_("Choose a role: admin, staff, researcher or interviewer.")
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
# Roles that hold survey grants (table researcher_grants): what a researcher may see the figures
# of, and what an interviewer is assigned to interview for. The access window stays the
# researcher's alone: an interviewer's fieldwork ends by removing the assignment or disabling
# the account, both of which take effect on the next request.
GRANTED_ROLES = frozenset({"researcher", "interviewer"})


class AccountError(ValueError):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Actor:
    """Who performs an action, for the audit log. ``id`` is None for the CLI and the system."""

    id: int | None
    name: str
    address: str = ""

    @classmethod
    def of(cls, user: store.User | None, address: str) -> Actor:
        """The account acting (signed in or half-way), or 'anonymous' before any account."""
        if user is None:
            return cls(None, "anonymous", address)
        return cls(user.id, user.username, address)

    def log(self, conn: sqlite3.Connection, action: str, target: str = "", **details) -> None:
        audit.record(
            conn,
            action,
            actor_id=self.id,
            actor=self.name,
            target=target,
            details=details,
            address=self.address,
        )


CLI = Actor(None, "cli")


def _window_problems(role: str, valid_from: str | None, valid_until: str | None) -> list[str]:
    if role != "researcher":
        return []
    try:
        start = date.fromisoformat(valid_from or "")
        end = date.fromisoformat(valid_until or "")
    except ValueError:
        return [N_("A researcher needs an access period: a start and an end date.")]
    if end < start:
        return [N_("The access period ends before it starts.")]
    return []


def create(
    conn: sqlite3.Connection,
    actor: Actor,
    *,
    username: str,
    role: str,
    password: str,
    display_name: str = "",
    language: str | None = None,
    valid_from: str | None = None,
    valid_until: str | None = None,
    survey_ids: set[int] | None = None,
    claim: Callable[[sqlite3.Connection], bool] | None = None,
    first_password: bool = False,
) -> int:
    """Create an account (and the survey grants of a researcher or an interviewer) in one
    transaction, logging ``user.created``; raises AccountError with every reason.

    ``first_password``: an admin chose the password; the new user must replace it at the
    first sign-in (see ``guard.check_request``).

    ``claim``, when given, runs inside the same transaction before the insert (the first-admin
    setup consumes its one-time code there); when it returns False nothing is written.

    The licence (:mod:`appliance.licence.limits`) may refuse a new account, and a researcher or
    interviewer beyond its limit; never the first admin (``claim``) nor an admin made from the
    console (:data:`CLI`), the operator's way back in.
    """
    username = username.strip()
    reasons = []
    if not USERNAME_RE.match(username):
        reasons.append(
            N_("A username has 2-64 characters: letters, digits and . _ @ - (no spaces).")
        )
    if role not in ROLES:
        reasons.append(CHOOSE_ROLE)
    reasons += passwords.problems(password, username)
    reasons += _window_problems(role, valid_from, valid_until)
    if role != "researcher":
        valid_from = valid_until = None
    if not reasons and store.user_by_name(conn, username):
        reasons.append(TAKEN)
    if reasons:
        raise AccountError(reasons)
    password_hash = passwords.hash_password(password)
    try:
        with transaction(conn):
            if claim is not None and not claim(conn):
                raise AccountError([CLAIM_REFUSED])
            if claim is None and not _recovery(actor, role):
                refused = limits.account_refusals(conn, role)
                if refused:
                    raise AccountError(refused)
            user_id = store.create_user(
                conn,
                username=username,
                role=role,
                password_hash=password_hash,
                display_name=display_name,
                language=language or None,
                valid_from=valid_from,
                valid_until=valid_until,
                must_change_password=first_password,
            )
            actor.log(
                conn,
                "user.created",
                f"user:{user_id}",
                username=username,
                role=role,
                valid_from=valid_from,
                valid_until=valid_until,
                first_password=first_password,
            )
            if role in GRANTED_ROLES and survey_ids:
                _write_grants(conn, actor, user_id, survey_ids)
    except sqlite3.IntegrityError:
        raise AccountError([TAKEN]) from None  # created by someone else a moment ago
    return user_id


def update(
    conn: sqlite3.Connection,
    actor: Actor,
    user: store.User,
    survey_ids: set[int] | None = None,
    **fields,
) -> dict[str, tuple]:
    """Change profile fields and, when given, the survey grants of a researcher or an
    interviewer (another role keeps none), in one transaction.

    A role change ends the user's sessions; the last active admin keeps the role (checked inside
    the transaction, so two admins demoting each other cannot both succeed). Returns what changed.
    """
    role = fields.get("role", user.role)
    if role not in ROLES:
        raise AccountError([CHOOSE_ROLE])
    if role != "researcher":
        fields["valid_from"] = fields["valid_until"] = None
    if role not in GRANTED_ROLES:
        survey_ids = set() if survey_ids is not None else None
    reasons = _window_problems(
        role, fields.get("valid_from", user.valid_from), fields.get("valid_until", user.valid_until)
    )
    if reasons:
        raise AccountError(reasons)
    with transaction(conn):
        user = store.get_user(conn, user.id)
        if user.role == "admin" and role != "admin" and _last_admin(conn, user):
            raise AccountError([N_("The last active admin cannot lose the admin role.")])
        changed = {k: (getattr(user, k), v) for k, v in fields.items() if getattr(user, k) != v}
        refused = _returning(conn, user, role, fields.get("valid_until", user.valid_until))
        if refused:
            raise AccountError(refused)
        if changed:
            store.update_user(conn, user.id, **{k: new for k, (_, new) in changed.items()})
            revoked = {}
            if "role" in changed:
                store.end_user_sessions(conn, user.id)
                revoked = _revoke_tokens(conn, user.id)
            actor.log(
                conn,
                "user.changed",
                f"user:{user.id}",
                changes={k: [old, new] for k, (old, new) in changed.items()},
                **revoked,
            )
        if survey_ids is not None:
            _write_grants(conn, actor, user.id, survey_ids)
    return changed


def _recovery(actor: Actor, role: str) -> bool:
    """An admin account made or re-enabled from the server's console: how the operator gets
    back in, which the licence never refuses."""
    return actor == CLI and role == "admin"


def _counts(disabled: bool, valid_until: str | None, today: str) -> bool:
    """Whether an account is an active one of ``role`` as the licence counts them."""
    return not disabled and (valid_until is None or valid_until >= today)


def _returning(
    conn: sqlite3.Connection, user: store.User, role: str, valid_until: str | None
) -> list[str]:
    """Inside the transaction of an update: the licence's refusals when the change makes the
    account count again, as a new one (an ended access period extended), or moves it into a
    role the licence limits."""
    today = limits.today()
    iso_today = today.isoformat()
    if not _counts(user.disabled, valid_until, iso_today):
        return []
    if role == user.role:
        if _counts(user.disabled, user.valid_until, iso_today):
            return []
        return limits.account_refusals(conn, role, today)
    return limits.limit_refusals(conn, role, today)


def _last_admin(conn: sqlite3.Connection, user: store.User) -> bool:
    return user.role == "admin" and not user.disabled and store.active_admin_count(conn) <= 1


def set_password(
    conn: sqlite3.Connection,
    actor: Actor,
    user: store.User,
    password: str,
    *,
    keep_session: str | None = None,
    temporary: bool = False,
) -> int:
    """Set a new password and end the user's other sessions; returns how many ended.

    ``temporary``: an admin gives the password, and its owner must replace it at the next
    sign-in. A password the owner sets clears that demand."""
    reasons = passwords.problems(password, user.username)
    if reasons:
        raise AccountError(reasons)
    if actor.id == user.id:
        temporary = False
        if passwords.verify(user.password_hash, password):
            raise AccountError([SAME_PASSWORD])
    password_hash = passwords.hash_password(password)
    with transaction(conn):
        store.set_password_hash(conn, user.id, password_hash, must_change=temporary)
        ended = store.end_user_sessions(conn, user.id, keep_raw=keep_session)
        # A reset by someone else answers a lost or stolen account: its tokens go too. The
        # owner changing their own password keeps the tokens they made.
        revoked = _revoke_tokens(conn, user.id) if actor.id != user.id else {}
        action = "password.changed" if actor.id == user.id else "password.reset"
        actor.log(
            conn,
            action,
            f"user:{user.id}",
            sessions_ended=ended,
            **_first(temporary, user),
            **revoked,
        )
    return ended


def _first(temporary: bool, user: store.User) -> dict[str, bool]:
    """The audit detail of a password that must be replaced, or of one that replaced it."""
    if temporary:
        return {"must_change": True}
    return {"replaced_first_password": True} if user.must_change_password else {}


def set_disabled(conn: sqlite3.Connection, actor: Actor, user: store.User, disabled: bool):
    """Disable (ending every session at once) or re-enable an account; no-op when unchanged.
    Re-enabling is a new account to the licence (refused while it refuses new work, and beyond
    a role's limit), except for an admin re-enabled from the console."""
    if disabled and actor.id == user.id:
        raise AccountError([N_("You cannot disable your own account.")])
    with transaction(conn):
        user = store.get_user(conn, user.id)
        if user.disabled == disabled:
            return
        if disabled and _last_admin(conn, user):
            raise AccountError([N_("The last active admin cannot be disabled.")])
        if not disabled and not _recovery(actor, user.role):
            refused = limits.creation_refusals(conn)
            if _counts(False, user.valid_until, limits.today().isoformat()):
                refused = refused or limits.limit_refusals(conn, user.role)
            if refused:
                raise AccountError(refused)
        store.set_disabled(conn, user.id, disabled)
        ended = store.end_user_sessions(conn, user.id) if disabled else 0
        actor.log(
            conn,
            "user.disabled" if disabled else "user.enabled",
            f"user:{user.id}",
            sessions_ended=ended,
            **(_revoke_tokens(conn, user.id) if disabled else {}),
        )


def reset_two_factor(conn: sqlite3.Connection, actor: Actor, user: store.User) -> None:
    """Remove the user's TOTP secret and recovery codes; they enrol again at the next login."""
    with transaction(conn):
        store.clear_totp(conn, user.id)
        ended = store.end_user_sessions(conn, user.id)
        revoked = _revoke_tokens(conn, user.id)
        actor.log(conn, "2fa.reset", f"user:{user.id}", sessions_ended=ended, **revoked)


def _revoke_tokens(conn: sqlite3.Connection, user_id: int) -> dict[str, int]:
    """Inside a transaction: revoke the account's API tokens, where its sessions end for a
    change made by someone else (a role, a reset, disabling); the audit detail, if any went."""
    revoked = token_store.revoke_all(conn, user_id)
    return {"tokens_revoked": revoked} if revoked else {}


def _write_grants(conn: sqlite3.Connection, actor: Actor, user_id: int, survey_ids: set[int]):
    """Inside a transaction: replace the grants and log what was added and removed."""
    before = store.granted_survey_ids(conn, user_id)
    if before == survey_ids:
        return
    store.set_grants(conn, user_id, survey_ids)
    actor.log(
        conn,
        "user.grants_changed",
        f"user:{user_id}",
        added=sorted(survey_ids - before),
        removed=sorted(before - survey_ids),
    )


def wrong_current_password(
    conn: sqlite3.Connection, actor: Actor, limiter: Throttle, user: store.User, sid: str
) -> bool:
    """A wrong current password counts against the account's login throttle and is audited.
    Returns True when the account is now throttled: session ``sid`` has then been ended, so a
    stolen session cannot be used to guess the password."""
    limiter.fail(user.username, actor.address)
    actor.log(conn, "password.confirm_failed", f"user:{user.id}")
    if limiter.blocked_for(user.username, actor.address):
        store.end_session(conn, sid)
        return True
    return False


def sign_out(conn: sqlite3.Connection, actor: Actor, sid: str) -> None:
    """End the session ``sid`` of the acting account, with ``logout``."""
    store.end_session(conn, sid)
    actor.log(conn, "logout", f"user:{actor.id}")


def refuse_setup_code(conn: sqlite3.Connection, limiter: Throttle, address: str) -> None:
    """A wrong first-admin setup code: counted against the client address and audited."""
    limiter.fail(None, address)
    Actor.of(None, address).log(conn, "setup.failed")


def issue_setup_code(conn: sqlite3.Connection, minutes: int) -> str:
    """A new one-time code for creating the first admin, valid ``minutes`` (earlier unused codes
    stop working), in one transaction with ``setup.code_issued`` (never the code itself).
    Returns the code, to be shown once on the server's console."""
    with transaction(conn):
        code = store.issue_setup_code(conn, time.time(), minutes)
        CLI.log(conn, "setup.code_issued")
    return code


# Reads: plain queries passed through, so views never depend on the store's SQL.


def list_users(conn: sqlite3.Connection) -> list[store.User]:
    """Every account, ordered by role, then username (case-insensitive)."""
    return store.list_users(conn)


def granted_survey_ids(conn: sqlite3.Connection, user_id: int) -> set[int]:
    """The ids of the surveys granted to the account ``user_id``: a researcher's grants, the
    surveys an interviewer is assigned to."""
    return store.granted_survey_ids(conn, user_id)


# The account record, re-exported so that views can name it without importing the store.
User = store.User


def get_user(conn: sqlite3.Connection, user_id: int) -> User | None:
    """The account ``user_id``, or None."""
    return store.get_user(conn, user_id)


def grantable_surveys(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """(id, title, status) of every survey, newest first: what a researcher may be granted
    and an interviewer assigned."""
    return store.list_surveys(conn)


def active_admin_count(conn: sqlite3.Connection) -> int:
    """How many admin accounts are not disabled (none: the first-admin setup is open)."""
    return store.active_admin_count(conn)


def setup_code_valid(conn: sqlite3.Connection, code: str, now: float) -> bool:
    """Whether ``code`` is an unused setup code that has not expired at ``now``."""
    return store.setup_code_valid(conn, code, now)


def claim_setup_code(conn: sqlite3.Connection, code: str, now: float) -> bool:
    """Mark the setup code ``code`` used; False when it is wrong, used or expired at ``now``.
    For :func:`create`'s ``claim``, which runs it inside the account's own transaction."""
    return store.consume_setup_code(conn, code, now)
