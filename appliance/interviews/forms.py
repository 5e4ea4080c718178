"""Forms of the interviewer pages. The outcome choices are filled in by the view (labels with
their AAPOR numbers, in the interviewer's language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, TimeField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import HiddenInput


class OutcomeForm(FlaskForm):
    # The call on the screen, in the body (never in the address): the outcome is refused when
    # the call in hand is another by now.
    call = IntegerField(widget=HiddenInput(), validators=[Optional()])
    outcome = RadioField(
        _l("Outcome of this call"), validators=[InputRequired(_l("Choose the outcome."))]
    )
    appointment_date = DateField(_l("Appointment: date"), validators=[Optional()])
    appointment_time = TimeField(_l("Appointment: time"), validators=[Optional()])
    do_not_call = BooleanField(_l("Do not call this number again"))


class NextCallForm(FlaskForm):
    """The "Next call" button: a form for its CSRF token alone."""
