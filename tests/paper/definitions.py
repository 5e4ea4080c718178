"""Questionnaires for the paper form tests: every question type, "not applicable", conditions on
questions and on a page, a long choice list, and very long texts."""

from __future__ import annotations

from typing import Any


def _t(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


def _choices(*pairs: tuple[str, str, str]) -> list[dict[str, Any]]:
    return [{"value": v, "label": _t(nl, en)} for v, nl, en in pairs]


EVERYTHING: dict[str, Any] = {
    "languages": ["nl", "en"],
    "anonymous": True,
    "publication_notice": True,
    "title": _t("Alles op papier", "Everything on paper"),
    "intro": _t(
        "Een vragenlijst met elk soort vraag.", "A questionnaire with every question type."
    ),
    "closing": _t("Dank u wel!", "Thank you!"),
    "pages": [
        {
            "id": "first",
            "questions": [
                {"id": "rec", "type": "nps", "na": True, "text": _t("Aanbevelen?", "Recommend?")},
                {"id": "grade", "type": "grade", "text": _t("Rapportcijfer?", "Grade?")},
                {
                    "id": "why_low",
                    "type": "text_short",
                    "show_if": {"question": "rec", "in": ["0", "1", "2", "3", "4", "5", "6"]},
                    "text": _t("Wat ging er mis?", "What went wrong?"),
                },
                {"id": "stars", "type": "rating", "na": True, "text": _t("Sterren?", "Stars?")},
                {"id": "effort", "type": "ces", "text": _t("Moeite?", "Effort?")},
                {
                    "id": "visited",
                    "type": "yesno",
                    "na": True,
                    "text": _t("Was u eerder bij ons?", "Have you been here before?"),
                },
                {
                    "id": "channel",
                    "type": "single",
                    "na": True,
                    "text": _t("Hoe kwam u bij ons?", "How did you find us?"),
                    "choices": _choices(
                        ("web", "Via de website", "Through the website"),
                        ("friend", "Via vrienden", "Through friends"),
                        ("ad", "Via een advertentie", "Through an advertisement"),
                    ),
                },
                {
                    "id": "products",
                    "type": "multiple",
                    "text": _t("Wat kocht u?", "What did you buy?"),
                    "choices": _choices(
                        ("bread", "Brood", "Bread"),
                        ("cake", "Taart", "Cake"),
                        ("coffee", "Koffie", "Coffee"),
                    ),
                },
                {
                    "id": "shop",
                    "type": "dropdown",
                    "text": _t("Welke winkel?", "Which shop?"),
                    "choices": _choices(
                        ("north", "Noord", "North"),
                        ("south", "Zuid", "South"),
                    ),
                },
            ],
        },
        {
            "id": "again",
            "show_if": {"question": "visited", "in": ["yes"]},
            "questions": [
                {
                    "id": "table",
                    "type": "matrix",
                    "na": True,
                    "scale": [0, 10],
                    "text": _t("Beoordeel per onderdeel", "Rate each part"),
                    "items": _choices(
                        ("taste", "Smaak", "Taste"),
                        ("price", "Prijs in verhouding tot de kwaliteit", "Price for quality"),
                        ("staff", "Vriendelijkheid", "Friendliness"),
                    ),
                },
                {
                    "id": "better",
                    "type": "text_long",
                    "show_if": {"question": "channel", "in": ["friend", "ad", "na"]},
                    "text": _t("Wat kan beter?", "What could be better?"),
                },
            ],
        },
        {
            "id": "last",
            "questions": [
                {"id": "who", "type": "name", "text": _t("Uw naam", "Your name")},
                {"id": "call", "type": "contact_optin", "text": _t("Contact?", "Contact?")},
                {"id": "show", "type": "publish_consent", "text": _t("Publiceren?", "Publish?")},
            ],
        },
    ],
}

LONG_WORDS = "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen " * 3
# Long texts everywhere, a choice list taller than a page, a matrix with long item labels.
STRESS: dict[str, Any] = {
    "languages": ["en"],
    "title": {"en": "A survey title long enough to need more than two lines in the header " * 3},
    "intro": {"en": "Some introduction. " * 60},
    "pages": [
        {
            "id": "p",
            "questions": [
                {
                    "id": f"q{n}",
                    "type": "single",
                    "text": {"en": LONG_WORDS + "question text " * 20},
                    "choices": [
                        {"value": f"c{i}", "label": {"en": f"Option {i} " + "word " * (i % 25)}}
                        for i in range(1, 41 if n == 0 else 6)
                    ],
                }
                for n in range(4)
            ]
            + [
                {
                    "id": "grid",
                    "type": "matrix",
                    "na": True,
                    "scale": [0, 10],
                    "text": {"en": "Grid"},
                    "items": [
                        {"value": f"i{i}", "label": {"en": "A long statement to agree with " * 3}}
                        for i in range(5)
                    ],
                }
            ],
        }
    ],
}
