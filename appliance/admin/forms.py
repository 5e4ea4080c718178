"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from appliance.auth.forms import LANGUAGE_NAMES, NewPasswordMixin
from appliance.settings import BY_NAME, LANGUAGES

ROLE_CHOICES = [
    SelectChoice("staff", _l("Staff")),
    SelectChoice("researcher", _l("External researcher")),
    SelectChoice("admin", _l("Admin")),
]
ROLE_LABELS = {choice.value: choice.label for choice in ROLE_CHOICES}
LANGUAGE_OPTIONS = [SelectChoice(c, LANGUAGE_NAMES[c]) for c in LANGUAGES]
LANGUAGE_CHOICES = [SelectChoice("", _l("Organisation default")), *LANGUAGE_OPTIONS]


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserForm(FlaskForm):
    display_name = StringField(_l("Full name"), validators=[Length(max=100)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    valid_from = DateField(_l("Access from (researchers)"), validators=[Optional()])
    valid_until = DateField(_l("Access until, inclusive (researchers)"), validators=[Optional()])
    surveys = CheckboxList(_l("Surveys this researcher may see"), coerce=int)


class NewUserForm(UserForm):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={"autocomplete": "off"},
    )
    password = PasswordField(
        _l("Initial password (at least 12 characters)"),
        validators=[DataRequired(), Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )


class ResetPasswordForm(NewPasswordMixin, FlaskForm):
    """An admin sets a new password for someone else (same fields as changing one's own)."""


class ActionForm(FlaskForm):
    """A bare form for POST buttons (disable, enable, reset 2FA): carries the CSRF token."""


_MIN_K = BY_NAME["min_group_size"]


class SettingsForm(FlaskForm):
    organisation_name = StringField(_l("Organisation name"), validators=[Length(max=120)])
    default_language = SelectField(_l("Default language"), choices=LANGUAGE_OPTIONS)
    min_group_size = IntegerField(
        _l("Minimum group size in reports (never below 3)"),
        validators=[DataRequired(), NumberRange(min=_MIN_K.minimum, max=_MIN_K.maximum)],
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_until = DateField(_l("Until"), validators=[Optional()])
