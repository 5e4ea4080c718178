"""Forms of the staff survey pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

TEMPLATE_CHOICES = [
    SelectChoice("customer_satisfaction", _l("Customer satisfaction: NPS, grade, remark")),
    SelectChoice("nps", _l("NPS only, with the reason")),
    SelectChoice("employee_satisfaction", _l("Employee satisfaction: statements, grade, eNPS")),
]


class NewSurveyForm(FlaskForm):
    template = RadioField(_l("Start from"), choices=TEMPLATE_CHOICES, validators=[DataRequired()])


class DefinitionForm(FlaskForm):
    definition = TextAreaField(
        _l("Questionnaire (JSON)"), validators=[DataRequired(), Length(max=500_000)]
    )


class KioskForm(FlaskForm):
    name = StringField(
        _l("Kiosk name (where it stands)"), validators=[DataRequired(), Length(max=80)]
    )
    idle_seconds = IntegerField(
        _l("Back to the start after this many idle seconds"),
        default=60,
        validators=[DataRequired(), NumberRange(15, 3600)],
    )
    on_idle = RadioField(
        _l("When someone walks away before the end"),
        choices=[
            SelectChoice("discard", _l("discard their answers")),
            SelectChoice("submit", _l("keep what they answered (marked as partial)")),
        ],
        default="discard",
    )


class DatesForm(FlaskForm):
    opens_on = DateField(_l("Opens on"), validators=[Optional()])
    closes_on = DateField(_l("Closes on, inclusive"), validators=[Optional()])
