"""Forms of the data-subject request pages (flask-wtf: every form carries a CSRF token).

The person's address or phone number is only ever typed into :class:`LookupForm` and then
travels in the signed look-up token of the other forms, always in a POST body, never in a URL.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from appliance.contacts.forms import FIELD_LABELS

KIND_CHOICES = [
    SelectChoice("access", _l("access (a copy of the data)")),
    SelectChoice("rectification", _l("rectification")),
    SelectChoice("erasure", _l("erasure")),
    SelectChoice("restriction", _l("restriction of processing")),
    SelectChoice("objection", _l("objection")),
    SelectChoice("other", _l("other")),
]
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")


def no_address(_form, field) -> None:
    """The register and its outcomes never hold the person's address."""
    if field.data and _ADDRESS.search(field.data):
        raise ValidationError(_l("Do not enter an e-mail address here; use your own reference."))


class LookupForm(FlaskForm):
    identifier = StringField(
        _l("E-mail address or phone number"), validators=[DataRequired(), Length(max=254)]
    )
    request_id = SelectField(
        _l("For the register entry (optional)"), choices=[], coerce=int, default=0
    )


class ActionForm(FlaskForm):
    """The follow-up actions on a person: the signed look-up and an optional register entry."""

    token = HiddenField(validators=[DataRequired()])
    request_id = IntegerField(validators=[Optional()])


class ExportForm(ActionForm):
    format = HiddenField(validators=[DataRequired()])


class EraseForm(ActionForm):
    suppress = BooleanField(_l("Also add the address to the unsubscribe list"))


class ContactForm(ActionForm):
    contact_id = IntegerField(validators=[DataRequired()])


GENDERS = [
    SelectChoice("", _l("(not known)")),
    SelectChoice("man", _l("man")),
    SelectChoice("woman", _l("woman")),
    SelectChoice("unknown", _l("unknown")),
]
LANGUAGES = [
    SelectChoice("", _l("(not known)")),
    SelectChoice("nl", "Nederlands", {"lang": "nl"}),
    SelectChoice("en", "English", {"lang": "en"}),
    SelectChoice("de", "Deutsch"),
    SelectChoice("fr", "Français"),
]


def _text(name: str) -> StringField:
    return StringField(FIELD_LABELS[name], validators=[Optional(), Length(max=254)])


class RectifyForm(ContactForm):
    """Every field of a contact row; the contact normalisers check the values (in the view)."""

    email = _text("email")
    first_name = _text("first_name")
    infix = _text("infix")
    last_name = _text("last_name")
    gender = SelectField(FIELD_LABELS["gender"], choices=GENDERS, default="")
    street = _text("street")
    house_number = _text("house_number")
    postcode = _text("postcode")
    town = _text("town")
    country = _text("country")
    phone = _text("phone")
    language = SelectField(FIELD_LABELS["language"], choices=LANGUAGES, default="")


class RequestForm(FlaskForm):
    received_on = DateField(_l("Received on"), validators=[DataRequired()])
    kind = SelectField(_l("Kind of request"), choices=KIND_CHOICES, validators=[DataRequired()])
    reference = StringField(
        _l("Your reference"), validators=[Optional(), Length(max=100), no_address]
    )


class CloseForm(FlaskForm):
    status = RadioField(
        _l("Outcome"),
        choices=[SelectChoice("done", _l("done")), SelectChoice("refused", _l("refused"))],
        validators=[DataRequired()],
    )
    outcome = TextAreaField(
        _l("What was done, or why it was refused"),
        validators=[Optional(), Length(max=1000), no_address],
    )
