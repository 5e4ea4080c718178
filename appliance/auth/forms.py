"""Forms of the sign-in flow and the account page (flask-wtf: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from appliance.auth.tokens import MAX_DAYS
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


# What each scope a token can carry lets a program do through the API.
SCOPE_LABELS = {
    "contacts.manage": _l("Contacts: contact lists, imports and suppressions"),
    "surveys.manage": _l("Surveys: create, questionnaires, status, open link, excluding responses"),
    "mailings.manage": _l("Campaigns: create, schedule, start, pause, resume, cancel, progress"),
    "responses.read": _l("Responses: read them with their quality flags"),
    "privacy.requests": _l("Data-subject requests: look up, export and erase a person"),
    "reports.read": _l("Reports: aggregated results, as on the report pages"),
    "audit.read": _l("Audit log: read it"),
}


def _at_least_one(_form, field) -> None:
    # Not DataRequired: it would mark every checkbox "required", asking for all of them.
    if not field.data:
        raise ValidationError(_l("Choose at least one thing the token may do."))


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name of the new token (what uses it)"), validators=[DataRequired(), Length(max=80)]
    )
    scopes = CheckboxList(
        _l("What the token may do (never more than your role)"),
        validators=[_at_least_one],
    )
    days = IntegerField(
        _l("Valid for (days, at most 365)"),
        default=90,
        validators=[InputRequired(), NumberRange(1, MAX_DAYS)],
    )

    def offer(self, actions) -> TokenForm:
        """Offer the scopes ``actions`` (those of the owner's role the API knows)."""
        order = list(SCOPE_LABELS)
        ranked = sorted(actions, key=lambda a: (order.index(a) if a in order else len(order), a))
        self.scopes.choices = [(a, SCOPE_LABELS.get(a, a)) for a in ranked]
        return self


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Interface language"),
        choices=[SelectChoice(c, LANGUAGE_NAMES[c], {"lang": c}) for c in LANGUAGES],
    )
