"""The signed-in user's own account: password, language, two-factor login, recovery codes.

Every change that needs the current password goes through :func:`_password_confirmed`: a wrong
password is audited and counts against the account's login throttle; once the account is
throttled the session ends, so a stolen session cannot be used to guess the password.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from appliance.auth import credential_service, passwords, service, sessions, tokens
from appliance.auth.forms import (
    SCOPE_LABELS,
    AccountEnrolForm,
    ChangePasswordForm,
    ConfirmPasswordForm,
    LanguageForm,
    TokenForm,
)
from appliance.auth.guard import api_actions, requires
from appliance.auth.roles import totp_required
from appliance.auth.service import AccountError
from appliance.auth.views import confirm_enrolment, throttle
from appliance.db import iso, utcnow
from appliance.web import ID, actor, flash_reasons, get_db, setting, state

bp = Blueprint("account", __name__, url_prefix="/account")


class SignedOut(Exception):
    """The session was ended because of too many wrong current passwords."""


def _page(status: int = 200, **forms):
    forms.setdefault("password_form", ChangePasswordForm(prefix="pw"))
    forms.setdefault(
        "language_form", LanguageForm(prefix="lang", language=current_user.language or None)
    )
    forms.setdefault("confirm_form", ConfirmPasswordForm(prefix="2fa"))
    forms.setdefault("token_form", _token_form())
    return render_template(
        "account/index.html",
        recovery_left=credential_service.unused_recovery_codes(get_db(), current_user.id),
        totp_required=_totp_required(),
        sessions=sessions.live_count(current_user.id),
        api_tokens=credential_service.api_tokens(get_db(), current_user.id),
        scope_labels=SCOPE_LABELS,
        now_iso=iso(utcnow()),
        **forms,
    ), status


def _totp_required() -> bool:
    return totp_required(current_user.role, setting("staff_totp_required"))


def _password_confirmed(password: str) -> bool:
    """Check the current password; raises SignedOut when the account is now throttled."""
    if passwords.verify(current_user.password_hash, password):
        return True
    if service.wrong_current_password(
        get_db(), actor(), throttle(), current_user.user, current_user.sid
    ):
        logout_user()
        session.clear()
        raise SignedOut
    flash(_("The current password is not correct."), "error")
    return False


@bp.errorhandler(SignedOut)
def signed_out(_exc):
    flash(_("Too many wrong passwords. You have been signed out."), "error")
    return redirect(url_for("auth.login"))


@bp.route("/")
@requires("account.self")
def show():
    return _page()


@bp.route("/password", methods=["POST"])
@requires("account.self")
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if not form.validate_on_submit() or not _password_confirmed(form.current_password.data):
        return _page(400, password_form=form)
    ended = _set_own_password(form)
    if ended is None:
        return _page(400, password_form=form)
    flash(_("Password changed. %(n)d other session(s) were signed out.", n=ended), "success")
    return redirect(url_for("account.show"))


@bp.route("/new-password", methods=["GET", "POST"])
@requires("account.self")
def first_password():
    """The password an admin gave must be replaced before anything else (see ``guard``)."""
    if not current_user.must_change_password:
        return redirect(url_for("home.index"))
    form = ChangePasswordForm(prefix="pw")
    if not form.validate_on_submit() or not _password_confirmed(form.current_password.data):
        status = 400 if form.is_submitted() else 200
        return render_template("account/first_password.html", form=form), status
    if _set_own_password(form) is None:
        return render_template("account/first_password.html", form=form), 400
    flash(_("Your own password is set. Welcome."), "success")
    return redirect(url_for("home.index"))


def _set_own_password(form: ChangePasswordForm) -> int | None:
    """The signed-in user's new password from ``form``, this session kept: how many other
    sessions were signed out, or None when it is refused (the reasons are flashed)."""
    try:
        return service.set_password(
            get_db(),
            actor(),
            current_user.user,
            form.new_password.data,
            keep_session=current_user.sid,
        )
    except AccountError as exc:
        flash_reasons(exc.reasons)
        return None


@bp.route("/language", methods=["POST"])
@requires("account.self")
def change_language():
    form = LanguageForm(prefix="lang")
    if form.validate_on_submit():
        service.update(get_db(), actor(), current_user.user, language=form.language.data)
    return redirect(url_for("account.show"))


@bp.route("/2fa", methods=["GET", "POST"])
@requires("account.self")
def enable_two_factor():
    form = AccountEnrolForm()
    codes = confirm_enrolment(
        current_user.user,
        form,
        "account/enrol.html",
        confirmed=lambda: _password_confirmed(form.current_password.data),
    )
    if not isinstance(codes, list):
        return codes
    return render_template(
        "auth/recovery_codes.html", codes=codes, next_url=url_for("account.show")
    )


def _confirmed() -> bool:
    form = ConfirmPasswordForm(prefix="2fa")
    return form.validate_on_submit() and _password_confirmed(form.current_password.data)


@bp.route("/2fa/disable", methods=["POST"])
@requires("account.self")
def disable_two_factor():
    if _totp_required():
        flash(_("Two-factor login is required for your role."), "error")
        return redirect(url_for("account.show"))
    if _confirmed():
        credential_service.disable_two_factor(get_db(), actor(), current_user.id)
        flash(_("Two-factor login is off."), "success")
    return redirect(url_for("account.show"))


@bp.route("/recovery-codes", methods=["POST"])
@requires("account.self")
def new_recovery_codes():
    if not current_user.totp_enabled or not _confirmed():
        return redirect(url_for("account.show"))
    codes = credential_service.renew_recovery_codes(
        get_db(), actor(), state().keys.hasher(), current_user.id
    )
    return render_template(
        "auth/recovery_codes.html", codes=codes, next_url=url_for("account.show")
    )


def _token_form() -> TokenForm:
    """The token form offering what the signed-in account's role can do through the API."""
    offered = tokens.grantable(current_user.role) & api_actions(current_app)
    return TokenForm().offer(offered)


@bp.route("/tokens", methods=["POST"])
@requires("account.self")
def create_token():
    """A token for a program: the scopes chosen (within the role) for the days chosen."""
    form = _token_form()
    if not form.scopes.choices:
        abort(403)  # the API offers this role nothing
    if not form.validate_on_submit():
        return _page(400, token_form=form)
    try:
        raw, expires_at = credential_service.create_api_token(
            get_db(),
            actor(),
            current_user.user,
            form.name.data,
            frozenset(form.scopes.data),
            form.days.data,
            state().tz,
        )
    except ValueError:
        abort(400)  # only a forged form gets here: the choices are the role's own
    return render_template(
        "account/token.html", token=raw, name=form.name.data, expires_at=iso(expires_at)
    )


@bp.route(f"/tokens/<{ID}:token_id>/revoke", methods=["POST"])
@requires("account.self")
def revoke_token(token_id: int):
    if credential_service.revoke_api_token(get_db(), actor(), current_user.id, token_id):
        flash(_("Token revoked."), "success")
    return redirect(url_for("account.show"))
