"""Forms of the sign-in flow and the account page (flask-wtf: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from appliance.settings import LANGUAGES

LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[DataRequired(), Length(max=40)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True},
    )


class EnrolForm(FlaskForm):
    code = StringField(
        _l("6-digit code shown by the app"),
        validators=[DataRequired(), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class NewPasswordMixin:
    new_password = PasswordField(
        _l("New password (at least 12 characters)"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", _l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class SetupForm(NewPasswordMixin, FlaskForm):
    code = StringField(
        _l("Setup code (printed on the server console)"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "off", "autofocus": True},
    )
    username = StringField(
        _l("Username for the first admin"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "username"},
    )
    display_name = StringField(_l("Full name"), validators=[Length(max=100)])


class ConfirmPasswordForm(FlaskForm):
    """Re-enter the current password before a sensitive change to one's own account."""

    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class ChangePasswordForm(NewPasswordMixin, ConfirmPasswordForm):
    pass


class AccountEnrolForm(EnrolForm):
    """Turning two-factor login on from the account page also asks for the password, so a
    session left open cannot be used to enrol someone else's phone."""

    current_password = ConfirmPasswordForm.current_password


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the new token (what uses it)"), validators=[DataRequired(), Length(max=80)]
    )


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Interface language"),
        choices=[SelectChoice(c, LANGUAGE_NAMES[c], {"lang": c}) for c in LANGUAGES],
    )
