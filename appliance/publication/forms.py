"""The form of the staff publication page, and the address suggested for a new publication.

The questions offered in each select come from the survey (``service.candidates``) and are set
by the view before the form is validated; whether the choices fit together is the service's
check, which says so in the user's language.
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from appliance.reports.labels import MODES

SHOW_CHOICES = [
    SelectChoice("averages", _l("Averages only")),
    SelectChoice("reviews", _l("Reviews only")),
    SelectChoice("both", _l("Averages and reviews")),
]
NONE = SelectChoice("", _l("— none —"))


def _stripped(value: str | None) -> str | None:
    return value.strip() if value else value


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PublicationForm(FlaskForm):
    show = RadioField(
        _l("Show on the public page"), choices=SHOW_CHOICES, validators=[DataRequired()]
    )
    score_question = SelectField(_l("Overall score (a grade, NPS or rating question)"))
    rating_questions = CheckboxList(_l("Rating questions whose averages are shown"))
    text_question = SelectField(_l("Open question that holds the review text"))
    title_question = SelectField(_l("Question that holds the review title (optional)"))
    name_question = SelectField(_l("Question that holds the respondent's name (optional)"))
    from_date = DateField(_l("Publish responses from (optional)"), validators=[Optional()])
    modes = CheckboxList(
        _l("Only responses that came in by (none ticked: all)"),
        choices=[SelectChoice(mode, label) for mode, label in MODES.items()],
    )
    slug = StringField(
        _l("Public address"), validators=[DataRequired(), Length(max=60)], filters=[_stripped]
    )

    def offer(self, candidates: dict[str, list[tuple[str, str]]]) -> None:
        """Fill the selects with the survey's questions (``service.candidates``)."""

        def options(kind: str) -> list[SelectChoice]:
            return [SelectChoice(qid, f"{text} ({qid})") for qid, text in candidates[kind]]

        self.score_question.choices = [NONE, *options("score")]
        self.rating_questions.choices = options("rating")
        self.text_question.choices = [NONE, *options("text")]
        self.title_question.choices = [NONE, *options("title")]
        self.name_question.choices = [NONE, *options("name")]


def suggest_slug(title: str) -> str:
    """An address for a survey titled ``title``: lower-case ASCII letters and digits joined by
    hyphens, 3 to 60 characters ("Klanttevredenheid 2026" -> "klanttevredenheid-2026")."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].strip("-")
    return slug if len(slug) >= 3 else f"survey-{slug}".strip("-")
