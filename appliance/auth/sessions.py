"""Server-side sessions behind Flask-Login.

The cookie holds only a random session id (no personal data); the ``sessions`` table holds its
hash, the stage (password checked / enrolling 2FA / fully signed in) and timestamps. Every request
re-checks idle and absolute timeouts, the account's state and a researcher's access window, so a
disabled account or a closed window ends the session at the very next request.
"""

from __future__ import annotations

import time

from flask import current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_user

from appliance.auth import signin_service, store, tokens
from appliance.auth.guard import required_action
from appliance.auth.roles import PUBLIC
from appliance.db import utcnow
from appliance.web import client_address, get_db, state

PENDING_KEY = "pending"  # Flask session key of a half-finished login (password ok, 2FA to do)
PENDING_SECONDS = 600
TOUCH_EVERY_SECONDS = 30  # fewer writes: last_seen need not be exact to the second


class WebUser(UserMixin):
    """The signed-in account plus the raw id of the session it came in with."""

    via_token = False

    def __init__(self, user: store.User, sid: str):
        self.user = user
        self.sid = sid

    def get_id(self) -> str:
        return self.sid

    def __getattr__(self, name):
        return getattr(self.user, name)


def _end(conn, sid: str, user: store.User | None, reason: str) -> None:
    signin_service.end_session(conn, sid, user, reason, client_address())
    g.session_ended = reason


def load_user(sid: str) -> WebUser | None:
    """Flask-Login user_loader: resolve a full session or return None (ending stale ones)."""
    conn = get_db()
    row = store.get_session(conn, sid)
    if row is None or row["stage"] != "full":
        g.session_ended = "gone"
        return None
    now = time.time()
    settings = state().settings
    user = store.get_user(conn, row["user_id"])
    if now - row["last_seen"] > settings["session_idle_minutes"] * 60:
        _end(conn, sid, user, "idle")
    elif now - row["created_at"] > settings["session_absolute_hours"] * 3600:
        _end(conn, sid, user, "expired")
    elif user is None or user.disabled:
        _end(conn, sid, user, "disabled")
    elif not user.window_open(utcnow(), state().tz):
        _end(conn, sid, user, "access_window")
    else:
        if now - row["last_seen"] > TOUCH_EVERY_SECONDS:
            store.touch_session(conn, sid, now)
        return WebUser(user, sid)
    return None


class TokenUser(WebUser):
    """An API caller: the token's owner, for this one request; no session, no cookie."""

    via_token = True

    def __init__(self, user: store.User, token_id: int, scopes: frozenset[str]):
        super().__init__(user, "")
        self.token_id = token_id
        self.scopes = scopes


def load_token_user(req) -> TokenUser | None:
    """Flask-Login request_loader: a bearer token, accepted only on the API's paths. Reads only:
    the call's audit entry records the token's last use (``appliance.api.calls``)."""
    header = req.headers.get("Authorization", "")
    if not req.path.startswith("/api/") or not header.startswith("Bearer "):
        return None
    conn = get_db()
    found = tokens.present(conn, header[7:].strip(), utcnow(), state().tz)
    if found is None:
        return None
    return TokenUser(found.user, found.token_id, found.scopes)


def init_login(app) -> None:
    """Install Flask-Login with our loader, and the explanation of ended sessions. Call before
    the guard is installed, so the explanation runs first."""
    manager = LoginManager()
    manager.session_protection = None  # server-side sessions; no IP/UA hash in the cookie
    manager.user_loader(load_user)
    manager.request_loader(load_token_user)
    manager.init_app(app)
    app.before_request(explain_ended)


def explain_ended():
    """before_request, ahead of the guard: when ``load_user`` ended a session, say why and clear
    the cookie; then send the browser to the login page unless the page is public."""
    if (
        request.endpoint == "static"
        or request.path.startswith("/api/")
        or not session.get("_user_id")
    ):
        return None
    if current_user.is_authenticated:
        return None
    reason = g.pop("session_ended", "gone")
    session.clear()
    messages = {
        "idle": _("You were signed out after a period of inactivity."),
        "expired": _("Your session reached its maximum length. Please sign in again."),
        "disabled": _("Your session has ended."),
        "access_window": _("Your access period has ended; you have been signed out."),
        "gone": _("Your session has ended. Please sign in again."),
    }
    flash(messages.get(reason, messages["gone"]), "info")
    if required_action(current_app, request.endpoint) == PUBLIC:
        return None
    return redirect(url_for("auth.login"))


def _bounds(now: float) -> tuple[float, float]:
    """(idle_before, created_before): sessions beyond either are dead."""
    settings = state().settings
    return (
        now - settings["session_idle_minutes"] * 60,
        now - settings["session_absolute_hours"] * 3600,
    )


def live_count(user_id: int) -> int:
    """How many live signed-in sessions the user has (dead ones not yet purged left out)."""
    return store.count_user_sessions(get_db(), user_id, *_bounds(time.time()))


def begin(user: store.User, stage: str) -> None:
    """Start a fresh session after the password step; a new id defeats session fixation."""
    session.clear()
    conn, now = get_db(), time.time()
    # Sign-ins are rare enough to carry the clean-up of sessions that can no longer be used.
    store.purge_sessions(conn, *_bounds(now))
    sid = store.create_session(conn, user.id, stage, now)
    if stage == "full":
        _login(user, sid)
    else:
        session[PENDING_KEY] = sid


def pending() -> tuple[str, store.User, str] | None:
    """The half-finished login of this browser: (sid, user, stage), or None when absent/stale."""
    sid = session.get(PENDING_KEY)
    if not sid:
        return None
    conn = get_db()
    row = store.get_session(conn, sid)
    user = store.get_user(conn, row["user_id"]) if row is not None else None
    if row is not None and row["stage"] == "full":
        # A repeated submit of a step that already succeeded: keep the signed-in session.
        session.pop(PENDING_KEY, None)
        return None
    if (
        row is None
        or user is None
        or user.disabled
        or (time.time() - row["created_at"] > PENDING_SECONDS)
    ):
        if row is not None:
            store.end_session(conn, sid)
        session.pop(PENDING_KEY, None)
        return None
    return sid, user, row["stage"]


def complete(sid: str, user: store.User) -> None:
    """Promote the pending session to a full sign-in."""
    store.set_session_stage(get_db(), sid, "full")
    session.pop(PENDING_KEY, None)
    _login(user, sid)


def _login(user: store.User, sid: str) -> None:
    login_user(WebUser(user, sid))
    # Flask-Login always stores a hash of IP address and user agent ("_id"); with server-side
    # sessions it serves no purpose, and the cookie is meant to hold nothing about the person.
    session.pop("_id", None)
