"""Forms of the contact import (flask-wtf: every form carries a CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

ENCODINGS = [
    SelectChoice("", _l("Detect automatically")),
    SelectChoice("utf-8", "UTF-8"),
    SelectChoice("cp1252", "Windows-1252 (Excel)"),
    SelectChoice("latin-1", "Latin-1"),
    SelectChoice("utf-16", "UTF-16"),
]
DELIMITERS = [
    SelectChoice("", _l("Detect automatically")),
    SelectChoice(";", _l("semicolon ;")),
    SelectChoice(",", _l("comma ,")),
    SelectChoice("tab", _l("tab")),
    SelectChoice("|", _l("pipe |")),
]
BASES = [
    SelectChoice("consent", _l("Consent")),
    SelectChoice("legitimate_interest", _l("Legitimate interest")),
]


FIELD_LABELS = {
    "email": _l("E-mail address"),
    "first_name": _l("First name"),
    "infix": _l("Infix (van, de, van der)"),
    "last_name": _l("Last name"),
    "full_name": _l("Full name (split into first name, infix, last name)"),
    "gender": _l("Gender / salutation"),
    "street": _l("Street"),
    "house_number": _l("House number"),
    "postcode": _l("Postcode"),
    "town": _l("Town"),
    "country": _l("Country"),
    "phone": _l("Phone number"),
    "language": _l("Preferred language"),
}


class ImportOptions:
    """Fields that travel from the upload form to the mapping form."""

    list_name = StringField(
        _l("Contact list (an existing one, or a new name)"),
        validators=[DataRequired(), Length(max=100)],
    )
    basis = RadioField(
        _l("Lawful basis for inviting these contacts"), choices=BASES, validators=[DataRequired()]
    )
    purpose = TextAreaField(
        _l("Purpose (required with legitimate interest)"), validators=[Optional(), Length(max=500)]
    )
    encoding = SelectField(_l("Character set"), choices=ENCODINGS)
    delimiter = SelectField(_l("Column separator"), choices=DELIMITERS)
    sheet = StringField(_l("Sheet (XLSX; empty: the first)"), validators=[Length(max=100)])


class UploadForm(ImportOptions, FlaskForm):
    file = FileField(_l("CSV or XLSX export"), validators=[FileRequired()])


class MapForm(FlaskForm):
    """The mapping page: the options again (hidden), plus what to do."""

    list_name = HiddenField()
    basis = HiddenField()
    purpose = HiddenField()
    encoding = HiddenField()
    delimiter = HiddenField()
    sheet = HiddenField()
    preset = SelectField(_l("Apply a saved mapping"), choices=[], validate_choice=False)
    preset_name = StringField(_l("Save this mapping as"), validators=[Length(max=80)])


class AddressesForm(FlaskForm):
    addresses = TextAreaField(
        _l("Addresses to suppress, one per line"), validators=[Length(max=200_000)]
    )
    file = FileField(_l("Or a file of addresses (one per line, or a CSV with an e-mail column)"))
