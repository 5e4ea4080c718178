"""Sign-in, two-factor steps, first-admin setup and sign-out. Views parse, call and render."""

from __future__ import annotations

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from appliance.auth import accounts as account_ops
from appliance.auth import passwords, sessions, throttle, totp
from appliance.auth import store as accounts
from appliance.auth.accounts import AccountError, Actor
from appliance.auth.forms import CodeForm, EnrolForm, LoginForm, SetupForm
from appliance.auth.guard import public, requires, safe_next
from appliance.auth.roles import AUTHENTICATED, TOTP_REQUIRED
from appliance.db import transaction, utcnow
from appliance.web import client_address, get_db, setting, state

bp = Blueprint("auth", __name__)
MAX_CODE_FAILURES = 5
NEXT_KEY = "next"


def _limits() -> throttle.Limits:
    s = state().settings
    return throttle.Limits(
        s["login_max_failures_account"],
        s["login_max_failures_address"],
        s["login_window_minutes"] * 60,
    )


def _after_login():
    return redirect(safe_next(session.pop(NEXT_KEY, None)) or url_for("home.index"))


def _log(user: accounts.User | None, action: str, **details) -> None:
    actor = (
        Actor(user.id, user.username, client_address())
        if user
        else Actor(None, "anonymous", client_address())
    )
    actor.log(get_db(), action, f"user:{user.id}" if user else "", **details)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if not form.is_submitted():
        nxt = safe_next(request.args.get("next"))
        if nxt:
            session[NEXT_KEY] = nxt
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form, setup_open=_setup_open())
    conn, hasher, now = get_db(), state().keys.hasher(), time.time()
    username, address = form.username.data, client_address()
    wait = throttle.blocked_for(conn, hasher, _limits(), username, address, now)
    if wait:
        known = accounts.user_by_name(conn, username)
        _log(known, "login.throttled", minutes=wait)
        flash(
            _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.", minutes=wait),
            "error",
        )
        return render_template("auth/login.html", form=form, setup_open=False), 429
    user = accounts.user_by_name(conn, username)
    ok = passwords.verify(user.password_hash if user else None, form.password.data)
    if not ok or user is None or user.disabled:
        throttle.fail(conn, hasher, username, address, now)
        reason = (
            "unknown_account" if user is None else ("disabled" if user.disabled else "bad_password")
        )
        _log(user, "login.failed", reason=reason)
        flash(_("Username or password is incorrect."), "error")
        return render_template("auth/login.html", form=form, setup_open=False), 401
    throttle.succeed(conn, hasher, username, address)
    if not user.window_open(utcnow(), state().tz):
        _log(
            user,
            "login.refused",
            reason="access_window",
            valid_from=user.valid_from,
            valid_until=user.valid_until,
        )
        flash(
            _(
                "Your access period is not open: it runs from %(start)s until %(end)s.",
                start=user.valid_from or "-",
                end=user.valid_until or "-",
            ),
            "error",
        )
        return render_template("auth/login.html", form=form, setup_open=False), 403
    if passwords.needs_rehash(user.password_hash):
        accounts.set_password_hash(conn, user.id, passwords.hash_password(form.password.data))
    nxt = session.get(NEXT_KEY)
    if user.totp_enabled:
        sessions.begin(user, "password")
        target = "auth.login_code"
    elif user.role in TOTP_REQUIRED:
        sessions.begin(user, "enrol")
        target = "auth.enrol"
    else:
        sessions.begin(user, "full")
        _log(user, "login.success", method="password")
        if nxt:
            session[NEXT_KEY] = nxt
        return _after_login()
    if nxt:
        session[NEXT_KEY] = nxt
    return redirect(url_for(target))


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    found = sessions.pending()
    if found is None or found[2] != "password":
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    sid, user, _stage = found
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("auth/code.html", form=form)
    conn = get_db()
    method = _check_second_factor(conn, user, form.code.data)
    if method:
        sessions.complete(sid, user)
        _log(user, "login.success", method=method)
        if method == "recovery_code":
            left = accounts.unused_recovery_codes(conn, user.id)
            flash(
                _(
                    "You signed in with a recovery code; %(left)d remain. Make new ones on your "
                    "account page when they run low.",
                    left=left,
                ),
                "warning",
            )
        return _after_login()
    failures = accounts.add_session_totp_failure(conn, sid)
    _log(user, "login.failed", reason="bad_second_factor")
    if failures >= MAX_CODE_FAILURES:
        accounts.end_session(conn, sid)
        throttle.fail(conn, state().keys.hasher(), user.username, client_address(), time.time())
        session.clear()
        flash(_("Too many wrong codes. Sign in again."), "error")
        return redirect(url_for("auth.login"))
    flash(_("That code is not valid (or was already used)."), "error")
    return render_template("auth/code.html", form=form), 401


def _check_second_factor(conn, user: accounts.User, text: str) -> str | None:
    """Return 'totp' or 'recovery_code' when ``text`` is an unused valid code, else None."""
    compact = "".join(text.split())
    if compact.isdigit():
        secret = accounts.totp_secret(conn, state().keys.cipher(), user.id)
        step = totp.matching_step(secret, compact) if secret else None
        if step is not None and accounts.accept_totp_step(conn, user.id, step):
            return "totp"
        return None
    code = totp.normalise_recovery_code(text)
    if accounts.use_recovery_code(conn, state().keys.hasher(), user.id, code):
        return "recovery_code"
    return None


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def enrol():
    """Mandatory TOTP enrolment for roles that require it, before the session is granted."""
    found = sessions.pending()
    if found is None or found[2] != "enrol":
        flash(_("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    sid, user, _stage = found
    codes = confirm_enrolment(user, EnrolForm(), "auth/enrol.html")
    if not isinstance(codes, list):
        return codes
    sessions.complete(sid, user)
    _log(user, "login.success", method="totp_enrolment")
    return render_template(
        "auth/recovery_codes.html",
        codes=codes,
        next_url=safe_next(session.pop(NEXT_KEY, None)) or url_for("home.index"),
    )


def confirm_enrolment(user: accounts.User, form: EnrolForm, template: str):
    """Shared by sign-in enrolment and the account page: show the QR code, check the first code.

    Returns the new recovery codes on success, else the response to send.
    """
    conn, cipher = get_db(), state().keys.cipher()
    if user.totp_enabled:
        # Never replace a working second factor here: that would let a link switch it off.
        flash(_("Two-factor login is already on."), "info")
        return redirect(url_for("account.show"))
    secret = accounts.totp_secret(conn, cipher, user.id)
    if secret is None:
        secret = totp.new_secret()
        accounts.set_pending_totp(conn, cipher, user.id, secret)
    if form.validate_on_submit():
        step = totp.matching_step(secret, form.code.data)
        if step is not None and accounts.accept_totp_step(conn, user.id, step):
            codes = totp.new_recovery_codes()
            with transaction(conn):
                accounts.enable_totp(conn, user.id)
                accounts.replace_recovery_codes(conn, state().keys.hasher(), user.id, codes)
                Actor(user.id, user.username, client_address()).log(
                    conn, "2fa.enabled", f"user:{user.id}"
                )
            return codes
        flash(_("That code is not valid. Check the time on your phone and try again."), "error")
    issuer = setting("organisation_name") or "Survey appliance"
    uri = totp.provisioning_uri(secret, user.username, issuer)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template(template, form=form, qr=totp.qr_data_uri(uri), secret=grouped)


@bp.route("/logout", methods=["POST"])
@requires(AUTHENTICATED)
def logout():
    accounts.end_session(get_db(), current_user.sid)
    _log(current_user.user, "logout")
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def _setup_open() -> bool:
    return accounts.active_admin_count(get_db()) == 0


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    """Create the first admin with the one-time code printed on the console. Closed afterwards."""
    if not _setup_open():
        abort(404)
    form = SetupForm()
    if not form.validate_on_submit():
        return render_template("auth/setup.html", form=form)
    conn, hasher, now, address = get_db(), state().keys.hasher(), time.time(), client_address()
    if throttle.blocked_for(conn, hasher, _limits(), "(setup)", address, now):
        flash(
            _(
                "Too many wrong setup codes. Wait a while, or print a new code with "
                "`appliance setup-code`."
            ),
            "error",
        )
        return render_template("auth/setup.html", form=form), 429
    problems = passwords.problems(form.new_password.data, form.username.data)
    if problems:
        for problem in problems:
            flash(_(problem), "error")
        return render_template("auth/setup.html", form=form), 400
    if not accounts.setup_code_valid(conn, form.code.data, now):
        throttle.fail(conn, hasher, "(setup)", address, now)
        Actor(None, "anonymous", address).log(conn, "setup.failed")
        flash(_(account_ops.CLAIM_REFUSED), "error")
        return render_template("auth/setup.html", form=form), 400
    try:
        account_ops.create(
            conn,
            Actor(None, "setup", address),
            username=form.username.data,
            role="admin",
            password=form.new_password.data,
            display_name=form.display_name.data or "",
            claim=lambda c: accounts.consume_setup_code(c, form.code.data, now),
        )
    except AccountError as exc:
        for reason in exc.reasons:
            flash(_(reason), "error")
        return render_template("auth/setup.html", form=form), 400
    flash(_("The admin account is ready. Sign in to set up two-factor login."), "success")
    return redirect(url_for("auth.login"))
