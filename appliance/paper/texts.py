"""Every fixed text a paper form prints, translated into the form's language in one place.

The layout (:mod:`appliance.paper.layout`) only places strings; it never translates. Building a
:class:`FormTexts` needs a Flask app context: flask-babel outside one silently returns English,
and an English sentence on a Dutch form is exactly what must not happen, so
:func:`form_texts` refuses to run without one.

The texts respondents read online are reused word for word where they apply to paper too (the
publication notice, the anonymity and "who sees what" facts, the opt-in and consent hints).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import has_app_context
from flask_babel import force_locale, gettext

from appliance.surveys.definition import Definition


@dataclass(frozen=True)
class Facts:
    """The settings a form's transparency lines quote (see the online transparency page)."""

    organisation: str = ""
    k: int = 5  # min_group_size
    name_months: int = 6  # retention_name_months

    @classmethod
    def current(cls) -> Facts:
        """The effective settings of the running app (admin overrides included)."""
        from appliance.web import setting  # the request layer's settings; only when asked

        return cls(
            setting("organisation_name") or "",
            int(setting("min_group_size")),
            int(setting("retention_name_months")),
        )


@dataclass(frozen=True)
class FormTexts:
    """Translated strings; those with ``%(...)`` placeholders are %-templates the layout fills
    (gettext called without arguments returns the translation unformatted)."""

    language: str
    title: str
    organisation: str
    intro: str
    closing: str
    notices: tuple[str, ...]  # first page, before any question (not anonymous, publication)
    facts_title: str
    facts: tuple[str, ...]  # the transparency facts, in short, at the end of the form
    how_title: str
    how_text: str
    sample_cross: str
    sample_tick: str
    sample_fill: str
    page_of: str  # %(page)d, %(pages)d
    continued: str
    yes: str
    no: str
    na: str
    na_short: str
    nps_low: str
    nps_high: str
    optin_hint: str
    consent_hint: str
    multiple_hint: str
    name_hint: str
    only_if: str  # %(answers)s, %(number)d
    group_only_if: str  # %(first)d, %(last)d, %(answers)s, %(number)d
    or_join: str  # %(some)s, %(last)s


def form_texts(definition: Definition, language: str, facts: Facts | None = None) -> FormTexts:
    """The texts of ``definition``'s paper form in ``language`` (one of its languages)."""
    if not has_app_context():
        raise RuntimeError("paper form texts are translated inside an app context")
    if language not in definition.languages:
        raise ValueError(f"the survey has no {language!r} texts")
    facts = facts or Facts.current()
    with force_locale(language):
        notices = []
        if not definition.anonymous:
            notices.append(
                gettext("This survey is not anonymous: your answers are linked to your invitation.")
            )
        if definition.publication_notice:
            notices.append(_publication(definition))
        if definition.anonymous:
            anonymity = gettext(
                "Anonymous: your answers are stored without your name, e-mail address, "
                "invitation, IP address or the time of day. Only if you say yes to being "
                "contacted, or type your name in a name field, can your answers be linked to you."
            )
        else:
            anonymity = gettext("Not anonymous: your answers are linked to your invitation.")
        facts_lines = [
            anonymity,
            gettext(
                "Staff of the organisation see individual answers without names. The external "
                "research agency sees only totals and averages of groups of at least %(k)d "
                "people, never single answers or free text.",
                k=facts.k,
            ),
        ]
        return FormTexts(
            language=language,
            title=definition.title[language],
            organisation=facts.organisation,
            intro=definition.intro.get(language, ""),
            closing=definition.closing.get(language, "") or gettext("Thank you for your answers."),
            notices=tuple(notices),
            facts_title=gettext("How your answers are used"),
            facts=tuple(facts_lines),
            how_title=gettext("How to fill in this form"),
            how_text=gettext(
                "Use a blue or black pen. Put a cross or a tick in the box of your answer: one "
                "box per question, unless the question says more are allowed. To correct an "
                "answer, fill the wrong box in completely and mark the right one. Write open "
                "answers on the lines."
            ),
            sample_cross=gettext("Marked"),
            sample_tick=gettext("Marked too"),
            sample_fill=gettext("Corrected: does not count"),
            # Without arguments gettext returns the template; the layout fills it per page.
            page_of=gettext("Page %(page)d of %(pages)d"),
            continued=gettext("(continued)"),
            yes=gettext("Yes"),
            no=gettext("No"),
            na=gettext("Not applicable / don't know"),
            na_short=gettext("n/a"),
            nps_low=gettext("Not at all likely"),
            nps_high=gettext("Extremely likely"),
            optin_hint=gettext(
                "If you answer yes, your answers are linked to your name so we can contact you "
                "about them. If you answer no, they stay anonymous."
            ),
            consent_hint=gettext(
                "If you answer yes, your answers may be shown on our website as an anonymous "
                "review. If you answer no, they only count in the averages."
            ),
            multiple_hint=gettext("You may tick more than one box."),
            name_hint=gettext(
                "Optional. A name written here is erased %(months)d months after you answer.",
                months=facts.name_months,
            ),
            only_if=gettext(
                "Only answer this question if you answered %(answers)s at question %(number)d."
            ),
            group_only_if=gettext(
                "Only answer questions %(first)d to %(last)d if you answered %(answers)s at "
                "question %(number)d."
            ),
            or_join=gettext("%(some)s or %(last)s"),
        )


def _publication(definition: Definition) -> str:
    # The same two texts as templates/respondent/_publication.html.
    if definition.consent_question():
        return gettext(
            "The results of this survey may be published on our website as averages over groups "
            "of respondents. Your own answers are published too, as an anonymous review, only if "
            "you agree when this survey asks you. A review shows a name only if you type one "
            "yourself."
        )
    return gettext(
        "The results of this survey may be published on our website, but only as averages over "
        "groups of respondents: your own answers are never published on their own."
    )
