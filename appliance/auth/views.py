"""Sign-in, two-factor steps, first-admin setup and sign-out. Views parse, call and render;
the sign-in steps live in ``appliance.auth.signin_service``, every other write in
``appliance.auth.service``."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from appliance.auth import credential_service, passwords, service, sessions, signin_service, totp
from appliance.auth.forms import CodeForm, EnrolForm, LoginForm, SetupForm
from appliance.auth.guard import public, requires, safe_next
from appliance.auth.roles import AUTHENTICATED
from appliance.auth.service import AccountError, Actor
from appliance.auth.throttle import Limits, Throttle
from appliance.db import utcnow
from appliance.web import actor, client_address, get_db, setting, state

bp = Blueprint("auth", __name__)
NEXT_KEY = "next"
NEXT_STEP = {"password": "auth.login_code", "enrol": "auth.enrol"}


def throttle() -> Throttle:
    s = state().settings
    limits = Limits(
        s["login_max_failures_account"],
        s["login_max_failures_address"],
        s["login_window_minutes"] * 60,
    )
    return Throttle(get_db(), state().keys.hasher(), limits, time.time())


def _after_login():
    return redirect(safe_next(session.pop(NEXT_KEY, None)) or url_for("home.index"))


def _login_page(form, status: int = 200, setup_open: bool = False):
    return render_template("auth/login.html", form=form, setup_open=setup_open), status


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if not form.is_submitted() and safe_next(request.args.get("next")):
        session[NEXT_KEY] = safe_next(request.args.get("next"))
    if not form.validate_on_submit():
        return _login_page(form, setup_open=_setup_open())
    outcome = signin_service.password_step(
        get_db(),
        throttle(),
        form.username.data,
        form.password.data,
        client_address(),
        utcnow(),
        state().tz,
        setting("staff_totp_required"),
    )
    if outcome.result == "throttled":
        flash(
            _(
                "Too many failed sign-in attempts. Try again in %(minutes)d minutes.",
                minutes=outcome.minutes,
            ),
            "error",
        )
        return _login_page(form, 429)
    if outcome.result == "failed":
        flash(_("Username or password is incorrect."), "error")
        return _login_page(form, 401)
    if outcome.result == "window_closed":
        # Rendered, not redirected: the dates never travel in the cookie's flash store.
        flash(
            _(
                "Your access period is not open: it runs from %(start)s until %(end)s.",
                start=outcome.user.valid_from or "-",
                end=outcome.user.valid_until or "-",
            ),
            "error",
        )
        return _login_page(form, 403)
    nxt = session.get(NEXT_KEY)
    sessions.begin(outcome.user, outcome.stage)
    if nxt:
        session[NEXT_KEY] = nxt
    if outcome.stage == "full":
        return _after_login()
    return redirect(url_for(NEXT_STEP[outcome.stage]))


def _pending(stage: str):
    found = sessions.pending()
    if found is None or found[2] != stage:
        flash(_("Please sign in again."), "info")
        return None
    return found


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    found = _pending("password")
    if found is None:
        return redirect(url_for("auth.login"))
    sid, user, _stage = found
    form = CodeForm()
    if not form.validate_on_submit():
        return render_template("auth/code.html", form=form)
    conn = get_db()
    result = signin_service.code_step(
        conn, state().keys, throttle(), user, sid, form.code.data, client_address()
    )
    if result == "ended":
        session.clear()
        flash(_("Too many wrong codes. Sign in again."), "error")
        return redirect(url_for("auth.login"))
    if result == "wrong":
        flash(_("That code is not valid (or was already used)."), "error")
        return render_template("auth/code.html", form=form), 401
    sessions.complete(sid, user)
    if result == "recovery_code":
        flash(
            _(
                "You signed in with a recovery code; %(left)d remain. Make new ones on your "
                "account page when they run low.",
                left=credential_service.unused_recovery_codes(conn, user.id),
            ),
            "warning",
        )
    return _after_login()


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
def enrol():
    """Mandatory TOTP enrolment for roles that require it, before the session is granted."""
    found = _pending("enrol")
    if found is None:
        return redirect(url_for("auth.login"))
    sid, user, _stage = found
    codes = confirm_enrolment(user, EnrolForm(), "auth/enrol.html")
    if not isinstance(codes, list):
        return codes
    sessions.complete(sid, user)
    signin_service.signed_in(get_db(), throttle(), user, client_address(), "totp_enrolment")
    next_url = safe_next(session.pop(NEXT_KEY, None)) or url_for("home.index")
    return render_template("auth/recovery_codes.html", codes=codes, next_url=next_url)


def confirm_enrolment(
    user: service.User, form: EnrolForm, template: str, confirmed: Callable[[], bool] | None = None
):
    """Shared by sign-in enrolment and the account page: show the QR code, check the first code.

    ``confirmed``, when given, must approve the submission first (the account page asks for the
    current password). Returns the new recovery codes on success, else the response to send.
    """
    conn, cipher = get_db(), state().keys.cipher()
    if user.totp_enabled:
        # Never replace a working second factor here: that would let a link switch it off.
        flash(_("Two-factor login is already on."), "info")
        return redirect(url_for("account.show"))
    secret = credential_service.pending_totp_secret(conn, cipher, user.id)
    if form.validate_on_submit() and (confirmed is None or confirmed()):
        codes = credential_service.enable_two_factor(
            conn,
            Actor.of(user, client_address()),
            state().keys.hasher(),
            user.id,
            secret,
            form.code.data,
        )
        if codes is not None:
            return codes
        flash(_("That code is not valid. Check the time on your phone and try again."), "error")
    issuer = setting("organisation_name") or "Survey appliance"
    uri = totp.provisioning_uri(secret, user.username, issuer)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render_template(template, form=form, qr=totp.qr_data_uri(uri), secret=grouped)


@bp.route("/logout", methods=["POST"])
@requires(AUTHENTICATED)
def logout():
    service.sign_out(get_db(), actor(), current_user.sid)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


def _setup_open() -> bool:
    return service.active_admin_count(get_db()) == 0


@bp.route("/setup", methods=["GET", "POST"])
@public
def setup():
    """Create the first admin with the one-time code printed on the console. Closed afterwards.

    Guessing is throttled per client address only: a shared counter would let anyone who can
    reach the page lock setup for everybody, and the code's 130 bits need no more.
    """
    if not _setup_open():
        abort(404)
    form = SetupForm()
    if not form.validate_on_submit():
        return render_template("auth/setup.html", form=form)
    conn, limiter, address, now = get_db(), throttle(), client_address(), time.time()
    if limiter.blocked_for(None, address):
        flash(
            _(
                "Too many wrong setup codes. Wait a while, or print a new code with "
                "`appliance setup-code`."
            ),
            "error",
        )
        return render_template("auth/setup.html", form=form), 429
    problems = passwords.problems(form.new_password.data, form.username.data)
    if not problems and not service.setup_code_valid(conn, form.code.data, now):
        service.refuse_setup_code(conn, limiter, address)
        problems = [service.CLAIM_REFUSED]
    if not problems:
        try:
            service.create(
                conn,
                Actor(None, "setup", address),
                username=form.username.data,
                role="admin",
                password=form.new_password.data,
                display_name=form.display_name.data or "",
                claim=lambda c: service.claim_setup_code(c, form.code.data, now),
            )
        except AccountError as exc:
            problems = exc.reasons
    if problems:
        for problem in problems:
            flash(_(problem), "error")
        return render_template("auth/setup.html", form=form), 400
    flash(_("The admin account is ready. Sign in to set up two-factor login."), "success")
    return redirect(url_for("auth.login"))
