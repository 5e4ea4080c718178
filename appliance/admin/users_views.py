"""Admin pages for accounts: list, create, change, disable, reset password or 2FA, grants."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from appliance.admin.forms import ActionForm, NewUserForm, ResetPasswordForm, UserForm
from appliance.auth import service as auth_service
from appliance.auth import sessions
from appliance.auth.guard import requires
from appliance.auth.service import AccountError
from appliance.db import utcnow
from appliance.web import ID, actor, flash_reasons, get_db, state

bp = Blueprint("users", __name__, url_prefix="/admin/users")


def _get_user_or_404(user_id: int) -> auth_service.User:
    user = auth_service.get_user(get_db(), user_id)
    if user is None:
        abort(404)
    return user


def _survey_choices(form: UserForm) -> None:
    form.surveys.choices = [
        SelectChoice(s["id"], s["title"]) for s in auth_service.grantable_surveys(get_db())
    ]


def _window(form: UserForm) -> dict:
    return {
        "valid_from": form.valid_from.data.isoformat() if form.valid_from.data else None,
        "valid_until": form.valid_until.data.isoformat() if form.valid_until.data else None,
    }


@bp.route("/")
@requires("users.manage")
def list_users():
    conn = get_db()
    users = auth_service.list_users(conn)
    now, tz = utcnow(), state().tz
    return render_template(
        "admin/users.html",
        users=users,
        window_open={u.id: u.window_open(now, tz) for u in users},
        sessions={u.id: sessions.live_count(u.id) for u in users},
        assigned={
            u.id: len(auth_service.granted_survey_ids(conn, u.id))
            for u in users
            if u.role == "interviewer"
        },
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("users.manage")
def create_user():
    form = NewUserForm()
    _survey_choices(form)
    if not form.validate_on_submit():
        return render_template("admin/user_new.html", form=form), 400 if form.errors else 200
    conn = get_db()
    try:
        user_id = auth_service.create(
            conn,
            actor(),
            username=form.username.data,
            role=form.role.data,
            password=form.password.data,
            display_name=form.display_name.data or "",
            language=form.language.data or None,
            survey_ids=set(form.surveys.data or []),
            first_password=True,
            **_window(form),
        )
    except AccountError as exc:
        flash_reasons(exc.reasons)
        return render_template("admin/user_new.html", form=form), 400
    # No username in the message: flashed text travels in the session cookie.
    flash(_("Account created."), "success")
    return redirect(url_for("users.edit_user", user_id=user_id))


def _edit_page(user: auth_service.User, form: UserForm | None = None, status: int = 200):
    conn = get_db()
    if form is None:
        form = UserForm(
            formdata=None,  # never the data of another form posted to this page
            display_name=user.display_name,
            role=user.role,
            language=user.language or "",
            valid_from=_date(user.valid_from),
            valid_until=_date(user.valid_until),
            surveys=sorted(auth_service.granted_survey_ids(conn, user.id)),
        )
        _survey_choices(form)
    return render_template(
        "admin/user_edit.html",
        user=user,
        form=form,
        password_form=ResetPasswordForm(),
        action_form=ActionForm(),
        sessions=sessions.live_count(user.id),
        window_open=user.window_open(utcnow(), state().tz),
    ), status


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@bp.route(f"/<{ID}:user_id>", methods=["GET", "POST"])
@requires("users.manage")
def edit_user(user_id: int):
    user = _get_user_or_404(user_id)
    form = UserForm()
    _survey_choices(form)
    if not form.is_submitted():
        return _edit_page(user)
    if not form.validate():
        return _edit_page(user, form, 400)
    conn = get_db()
    try:
        auth_service.update(
            conn,
            actor(),
            user,
            display_name=form.display_name.data or "",
            role=form.role.data,
            language=form.language.data or None,
            survey_ids=set(form.surveys.data or []),
            **_window(form),
        )
    except AccountError as exc:
        flash_reasons(exc.reasons)
        return _edit_page(user, form, 400)
    flash(_("Changes saved."), "success")
    return redirect(url_for("users.edit_user", user_id=user_id))


@bp.route(f"/<{ID}:user_id>/password", methods=["POST"])
@requires("users.manage")
def reset_password(user_id: int):
    user = _get_user_or_404(user_id)
    form = ResetPasswordForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
        return _edit_page(user, status=400)
    try:
        ended = auth_service.set_password(
            get_db(),
            actor(),
            user,
            form.new_password.data,
            keep_session=current_user.sid if user.id == current_user.id else None,
            temporary=user.id != current_user.id,
        )
    except AccountError as exc:
        flash_reasons(exc.reasons)
        return _edit_page(user, status=400)
    flash(_("Password set; %(n)d session(s) of this account were signed out.", n=ended), "success")
    return redirect(url_for("users.edit_user", user_id=user_id))


@bp.route(f"/<{ID}:user_id>/disable", methods=["POST"])
@requires("users.manage")
def disable_user(user_id: int):
    return _toggle(user_id, True)


@bp.route(f"/<{ID}:user_id>/enable", methods=["POST"])
@requires("users.manage")
def enable_user(user_id: int):
    return _toggle(user_id, False)


def _toggle(user_id: int, disabled: bool):
    user = _get_user_or_404(user_id)
    if ActionForm().validate_on_submit():
        try:
            auth_service.set_disabled(get_db(), actor(), user, disabled)
            flash(
                _("Account disabled; its sessions have ended.")
                if disabled
                else _("Account enabled."),
                "success",
            )
        except AccountError as exc:
            flash_reasons(exc.reasons)
    return redirect(url_for("users.edit_user", user_id=user_id))


@bp.route(f"/<{ID}:user_id>/reset-2fa", methods=["POST"])
@requires("users.manage")
def reset_two_factor(user_id: int):
    user = _get_user_or_404(user_id)
    if ActionForm().validate_on_submit():
        auth_service.reset_two_factor(get_db(), actor(), user)
        flash(
            _("Two-factor login reset; the user sets it up again at the next sign-in."), "success"
        )
    return redirect(url_for("users.edit_user", user_id=user_id))
