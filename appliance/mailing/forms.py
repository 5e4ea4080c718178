"""Forms of the staff mailing pages. Choices (surveys, lists, templates) are filled in by the
views; segment filter checkboxes are read by the view, as their names depend on the list."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from appliance.interviews.dayparts import PARTS
from appliance.mailing.compose import MAX_SUBJECT


def _id_or_blank(value):
    """A chosen id, or "" for the "choose a list" placeholder (never a silent default)."""
    if value in (None, ""):
        return ""
    return int(value)


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CampaignForm(FlaskForm):
    name = StringField(_l("Name of the campaign"), validators=[DataRequired(), Length(max=120)])
    survey_id = SelectField(_l("Survey"), coerce=int, validators=[DataRequired()])
    list_id = SelectField(
        _l("Contact list"),
        coerce=_id_or_blank,
        validators=[DataRequired(_l("Choose the contact list to send to."))],
    )
    channel = RadioField(
        _l("Invite"),
        choices=[
            SelectChoice("email", _l("by e-mail")),
            SelectChoice("post", _l("by post (letters you print)")),
            SelectChoice("phone", _l("by telephone (interviewers call)")),
        ],
        default="email",
    )
    template_id = SelectField(_l("Invitation template"), coerce=int)
    reminder_template_id = SelectField(_l("Reminder template"), coerce=int)
    when = RadioField(
        _l("Send"),
        choices=[SelectChoice("now", _l("now")), SelectChoice("later", _l("at a date and time"))],
        default="now",
    )
    send_at = DateTimeLocalField(
        _l("Date and time"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    reminders = IntegerField(_l("Number of reminders"), default=1, validators=[NumberRange(0, 5)])
    reminder_days = IntegerField(
        _l("Days between invitation and each reminder"),
        default=7,
        validators=[NumberRange(1, 90)],
    )
    # A telephone campaign's calling rules (see ``interviews.phone_campaign``).
    max_attempts = IntegerField(
        _l("Attempts per contact, at most"), default=6, validators=[NumberRange(1, 20)]
    )
    day_parts = CheckboxList(
        _l("Call in"),
        coerce=int,
        choices=[SelectChoice(part.bit, _l(part.label)) for part in PARTS],
        default=[part.bit for part in PARTS],
    )
    min_gap_hours = IntegerField(
        _l("Hours between attempts, at least"), default=2, validators=[NumberRange(0, 168)]
    )
    grace_minutes = IntegerField(
        _l("Minutes after an appointment's time before any interviewer may take it"),
        default=15,
        validators=[NumberRange(0, 240)],
    )


class TemplateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    style = RadioField(
        _l("Salutation"),
        choices=[
            SelectChoice("formal", _l('formal ("Geachte heer Jansen,")')),
            SelectChoice("informal", _l('informal ("Beste Jan,")')),
        ],
        default="formal",
    )
    fallback = RadioField(
        _l("When the name is unknown"),
        choices=[
            SelectChoice("formal", _l('"Geachte heer/mevrouw,"')),
            SelectChoice("customer", _l('"Beste klant,"')),
        ],
        default="formal",
    )
    nl_subject = StringField(_l("Subject (Dutch)"), validators=[Length(max=MAX_SUBJECT)])
    nl_text = TextAreaField(_l("Plain text (Dutch)"), validators=[Length(max=50_000)])
    nl_html = TextAreaField(_l("HTML (Dutch)"), validators=[Length(max=100_000)])
    en_subject = StringField(_l("Subject (English)"), validators=[Length(max=MAX_SUBJECT)])
    en_text = TextAreaField(_l("Plain text (English)"), validators=[Length(max=50_000)])
    en_html = TextAreaField(_l("HTML (English)"), validators=[Length(max=100_000)])


class TestMailForm(FlaskForm):
    to = StringField(_l("Send a test to"), validators=[DataRequired(), Length(max=254)])
