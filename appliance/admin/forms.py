"""Admin forms."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from appliance.auth.forms import LANGUAGE_NAMES, NewPasswordMixin
from appliance.settings import BY_NAME, LANGUAGES, SettingsError, coerce

ROLE_CHOICES = [
    SelectChoice("staff", _l("Staff")),
    SelectChoice("researcher", _l("External researcher")),
    SelectChoice("interviewer", _l("Interviewer")),
    SelectChoice("admin", _l("Admin")),
]
ROLE_LABELS = {choice.value: choice.label for choice in ROLE_CHOICES}
LANGUAGE_OPTIONS = [SelectChoice(c, LANGUAGE_NAMES[c], {"lang": c}) for c in LANGUAGES]
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
    surveys = CheckboxList(_l("Surveys"), coerce=int)


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
SENDER_EXAMPLE = "Klantenservice Voorbeeld BV <klantenservice@voorbeeld.nl>"
_MIN_TEXT = BY_NAME["min_open_text_count"]


def _valid_setting(name: str):
    """A form validator applying the setting's own check, so the form and the config file
    accept exactly the same values."""

    def check(_form, field):
        try:
            coerce(BY_NAME[name], field.data or "", "settings page")
        except SettingsError:
            # gettext with the example as a parameter gives plain text, escaped when shown; a
            # lazy string would reach the page as markup and "<...>" would vanish as a tag.
            raise ValidationError(
                gettext(
                    'Give one e-mail address, optionally with a name: "%(example)s".',
                    example=SENDER_EXAMPLE,
                )
            ) from None

    return check


class SettingsForm(FlaskForm):
    organisation_name = StringField(_l("Organisation name"), validators=[Length(max=120)])
    mail_from = StringField(
        _l("Sender of invitations"),
        validators=[Length(max=200), _valid_setting("mail_from")],
    )
    mail_reply_to = StringField(
        _l("Reply-To address (optional)"),
        validators=[Length(max=200), _valid_setting("mail_reply_to")],
    )
    default_language = SelectField(_l("Default language"), choices=LANGUAGE_OPTIONS)
    organisation_address = StringField(_l("Postal address"), validators=[Length(max=200)])
    organisation_registration = StringField(
        _l("Chamber of Commerce (KvK) number"), validators=[Length(max=40)]
    )
    privacy_contact = StringField(
        _l("E-mail address for privacy questions"),
        validators=[Length(max=200), _valid_setting("privacy_contact")],
    )
    agency_name = StringField(_l("External research agency"), validators=[Length(max=120)])
    min_group_size = IntegerField(
        _l("Minimum group size in reports (never below 3)"),
        validators=[DataRequired(), NumberRange(min=_MIN_K.minimum, max=_MIN_K.maximum)],
    )
    min_open_text_count = IntegerField(
        _l("Minimum number of open answers behind a count of them"),
        validators=[
            DataRequired(),
            NumberRange(min=_MIN_TEXT.minimum, max=_MIN_TEXT.maximum),
        ],
    )


class RelayForm(FlaskForm):
    """Where mail goes; applied on the next message, no restart. The password is never shown:
    left empty it stays as it is."""

    mail_transport = SelectField(
        _l("Mail goes"),
        choices=[
            SelectChoice("file", _l("into files in the data directory (no mail server)")),
            SelectChoice("smtp", _l("through the SMTP relay below")),
        ],
    )
    smtp_host = StringField(_l("Relay host"), validators=[Length(max=253)])
    smtp_port = IntegerField(
        _l("Port"),
        validators=[DataRequired(), NumberRange(min=1, max=65535)],
        render_kw={"inputmode": "numeric"},
    )
    smtp_security = SelectField(
        _l("Security"),
        choices=[
            SelectChoice("starttls", _l("STARTTLS (port 587)")),
            SelectChoice("tls", _l("TLS from the start (port 465)")),
            SelectChoice("none", _l("none (only for a relay on a trusted network)")),
        ],
    )
    smtp_username = StringField(
        _l("Login name (empty: no login)"),
        validators=[Length(max=254)],
        render_kw={"autocomplete": "off"},
    )
    smtp_password = PasswordField(
        _l("New password (empty: keep the present one)"),
        validators=[Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    clear_password = BooleanField(_l("Remove the stored password"))

    def validate_smtp_host(self, field):
        host = (field.data or "").strip()
        if self.mail_transport.data == "smtp" and not host:
            raise ValidationError(gettext("Give the relay's host name to send through it."))
        if any(c.isspace() or ord(c) < 32 for c in host):
            raise ValidationError(gettext("A host name has no spaces."))


class ReturnMailboxForm(FlaskForm):
    """The return address and the mailbox bounces are read from; applied at the next reading.
    The password is never shown: left empty it stays as it is."""

    bounce_address = StringField(
        _l("Return address for bounces (empty: off)"),
        validators=[Length(max=200)],
        render_kw={"autocomplete": "off"},
    )
    bounce_mailbox = SelectField(
        _l("Read bounces from"),
        choices=[
            SelectChoice("off", _l("nowhere (bounces are known only when the relay refuses)")),
            SelectChoice("imap", _l("the IMAP mailbox below (IMAPS)")),
            SelectChoice("maildir", _l("the Maildir on this server (set in the config file)")),
        ],
    )
    bounce_imap_host = StringField(_l("IMAP server"), validators=[Length(max=253)])
    bounce_imap_port = IntegerField(
        _l("Port"),
        validators=[DataRequired(), NumberRange(min=1, max=65535)],
        render_kw={"inputmode": "numeric"},
    )
    bounce_imap_username = StringField(
        _l("Login name"), validators=[Length(max=254)], render_kw={"autocomplete": "off"}
    )
    bounce_imap_password = PasswordField(
        _l("New password (empty: keep the present one)"),
        validators=[Length(max=1024)],
        render_kw={"autocomplete": "new-password"},
    )
    clear_password = BooleanField(_l("Remove the stored password"))
    bounce_imap_folder = StringField(_l("Folder"), validators=[Length(max=200)])
    bounce_imap_verify_certificate = BooleanField(_l("Check the server's certificate"))
    bounce_check_minutes = IntegerField(
        _l("Read every (minutes)"),
        validators=[DataRequired(), NumberRange(min=1, max=1440)],
        render_kw={"inputmode": "numeric"},
    )

    def validate_bounce_address(self, field):
        try:
            coerce(BY_NAME["bounce_address"], field.data or "", "settings page")
        except SettingsError:
            raise ValidationError(
                gettext('Give one bare address, such as bounces@voorbeeld.nl, without a "+".')
            ) from None

    def validate_bounce_imap_host(self, field):
        host = (field.data or "").strip()
        if self.bounce_mailbox.data == "imap" and not host:
            raise ValidationError(gettext("Give the IMAP server's host name to read from it."))
        if any(c.isspace() or ord(c) < 32 for c in host):
            raise ValidationError(gettext("A host name has no spaces."))

    def validate_bounce_imap_folder(self, field):
        if any(ord(c) < 32 for c in field.data or ""):
            raise ValidationError(gettext("A folder name has no control characters."))


class TestMailForm(FlaskForm):
    recipient = EmailField(
        _l("Send a test message to"), validators=[DataRequired(), Length(max=254)]
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Actor"), validators=[Optional(), Length(max=64)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_until = DateField(_l("Until"), validators=[Optional()])


class LicenceForm(FlaskForm):
    file = FileField(_l("Licence file (.licence)"), validators=[FileRequired()])
