"""The signed-in user's own account: password, language, two-factor login, recovery codes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from appliance.auth import accounts as account_ops
from appliance.auth import passwords, totp
from appliance.auth import store as accounts
from appliance.auth.accounts import AccountError
from appliance.auth.forms import ChangePasswordForm, ConfirmPasswordForm, EnrolForm, LanguageForm
from appliance.auth.guard import requires
from appliance.auth.roles import TOTP_REQUIRED
from appliance.auth.views import confirm_enrolment
from appliance.db import transaction
from appliance.web import actor, get_db, state

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(**forms):
    conn = get_db()
    forms.setdefault("password_form", ChangePasswordForm(prefix="pw"))
    forms.setdefault(
        "language_form", LanguageForm(prefix="lang", language=current_user.language or None)
    )
    forms.setdefault("confirm_form", ConfirmPasswordForm(prefix="2fa"))
    return render_template(
        "account/index.html",
        recovery_left=accounts.unused_recovery_codes(conn, current_user.id),
        totp_required=current_user.role in TOTP_REQUIRED,
        sessions=accounts.count_user_sessions(conn, current_user.id),
        **forms,
    )


@bp.route("/")
@requires("account.self")
def show():
    return _page()


@bp.route("/password", methods=["POST"])
@requires("account.self")
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if not form.validate_on_submit():
        return _page(password_form=form), 400
    if not passwords.verify(current_user.password_hash, form.current_password.data):
        flash(_("The current password is not correct."), "error")
        return _page(password_form=form), 400
    try:
        ended = account_ops.set_password(
            get_db(),
            actor(),
            current_user.user,
            form.new_password.data,
            keep_session=current_user.sid,
        )
    except AccountError as exc:
        for reason in exc.reasons:
            flash(_(reason), "error")
        return _page(password_form=form), 400
    flash(_("Password changed. %(n)d other session(s) were signed out.", n=ended), "success")
    return redirect(url_for("account.show"))


@bp.route("/language", methods=["POST"])
@requires("account.self")
def change_language():
    form = LanguageForm(prefix="lang")
    if form.validate_on_submit():
        account_ops.update(get_db(), actor(), current_user.user, language=form.language.data)
    return redirect(url_for("account.show"))


@bp.route("/2fa", methods=["GET", "POST"])
@requires("account.self")
def enable_two_factor():
    codes = confirm_enrolment(current_user.user, EnrolForm(), "account/enrol.html")
    if not isinstance(codes, list):
        return codes
    return render_template(
        "auth/recovery_codes.html", codes=codes, next_url=url_for("account.show")
    )


def _confirmed() -> bool:
    form = ConfirmPasswordForm(prefix="2fa")
    if form.validate_on_submit() and passwords.verify(
        current_user.password_hash, form.current_password.data
    ):
        return True
    flash(_("The current password is not correct."), "error")
    return False


@bp.route("/2fa/disable", methods=["POST"])
@requires("account.self")
def disable_two_factor():
    if current_user.role in TOTP_REQUIRED:
        flash(_("Two-factor login is required for your role."), "error")
        return redirect(url_for("account.show"))
    if _confirmed():
        conn = get_db()
        with transaction(conn):
            accounts.clear_totp(conn, current_user.id)
            actor().log(conn, "2fa.disabled", f"user:{current_user.id}")
        flash(_("Two-factor login is off."), "success")
    return redirect(url_for("account.show"))


@bp.route("/recovery-codes", methods=["POST"])
@requires("account.self")
def new_recovery_codes():
    if not current_user.totp_enabled or not _confirmed():
        return redirect(url_for("account.show"))
    codes = totp.new_recovery_codes()
    conn = get_db()
    with transaction(conn):
        accounts.replace_recovery_codes(conn, state().keys.hasher(), current_user.id, codes)
        actor().log(conn, "2fa.recovery_codes_renewed", f"user:{current_user.id}")
    return render_template(
        "auth/recovery_codes.html", codes=codes, next_url=url_for("account.show")
    )
