"""Ready-made questionnaires in Dutch and English; a test parses each as a definition."""

from __future__ import annotations

from typing import Any


def _t(nl: str, en: str) -> dict[str, str]:
    return {"nl": nl, "en": en}


NPS_QUESTION: dict[str, Any] = {
    "id": "nps",
    "type": "nps",
    "required": True,
    "text": _t(
        "Hoe waarschijnlijk is het dat u ons aanbeveelt bij vrienden of collega's?",
        "How likely is it that you would recommend us to a friend or colleague?",
    ),
}

CUSTOMER_SATISFACTION: dict[str, Any] = {
    "languages": ["nl", "en"],
    "anonymous": True,
    "title": _t("Klanttevredenheidsonderzoek", "Customer satisfaction survey"),
    "intro": _t(
        "Hoe tevreden bent u over onze dienstverlening? Het invullen duurt ongeveer twee "
        "minuten. Uw antwoorden zijn anoniem.",
        "How satisfied are you with our service? It takes about two minutes. Your answers are "
        "anonymous.",
    ),
    "closing": _t("Hartelijk dank voor uw medewerking!", "Thank you for your time!"),
    "pages": [
        {
            "id": "main",
            "questions": [
                NPS_QUESTION,
                {
                    "id": "grade",
                    "type": "grade",
                    "required": True,
                    "text": _t(
                        "Welk rapportcijfer geeft u ons in het algemeen?",
                        "What overall grade would you give us (1-10)?",
                    ),
                },
                {
                    "id": "remark",
                    "type": "text_long",
                    "text": _t("Wat kunnen wij verbeteren?", "What could we improve?"),
                },
            ],
        }
    ],
}

NPS_ONLY: dict[str, Any] = {
    "languages": ["nl", "en"],
    "anonymous": True,
    "title": _t("Aanbevelingsvraag", "Recommendation question"),
    "intro": _t("Eén vraag, anoniem.", "One question, anonymous."),
    "closing": _t("Dank u wel!", "Thank you!"),
    "pages": [
        {
            "id": "main",
            "questions": [
                NPS_QUESTION,
                {
                    "id": "why",
                    "type": "text_long",
                    "text": _t(
                        "Wat is de belangrijkste reden voor uw score?",
                        "What is the main reason for your score?",
                    ),
                },
            ],
        }
    ],
}

_AGREE = [
    {
        "value": "i1",
        "label": _t("Ik haal voldoening uit mijn werk", "My work gives me satisfaction"),
    },
    {
        "value": "i2",
        "label": _t(
            "Ik krijg voldoende ondersteuning van mijn leidinggevende",
            "I get enough support from my manager",
        ),
    },
    {"value": "i3", "label": _t("De werkdruk is goed te doen", "The workload is manageable")},
    {"value": "i4", "label": _t("Ik kan mij hier ontwikkelen", "I can develop myself here")},
    {
        "value": "i5",
        "label": _t("De samenwerking met collega's is goed", "Working with colleagues goes well"),
    },
]

EMPLOYEE_SATISFACTION: dict[str, Any] = {
    "languages": ["nl", "en"],
    "anonymous": True,
    "title": _t("Medewerkerstevredenheidsonderzoek", "Employee satisfaction survey"),
    "intro": _t(
        "Dit onderzoek is anoniem: niemand kan zien wat u antwoordt. Rapportages tonen alleen "
        "groepen van voldoende omvang.",
        "This survey is anonymous: nobody can see what you answer. Reports only show groups that "
        "are large enough.",
    ),
    "closing": _t("Dank voor uw openheid.", "Thank you for your candour."),
    "pages": [
        {
            "id": "work",
            "questions": [
                {
                    "id": "statements",
                    "type": "matrix",
                    "required": True,
                    "na": True,
                    "scale": [1, 5],
                    "items": _AGREE,
                    "text": _t(
                        "In hoeverre bent u het eens met de volgende stellingen? "
                        "(1 = helemaal oneens, 5 = helemaal eens)",
                        "How far do you agree with these statements? "
                        "(1 = strongly disagree, 5 = strongly agree)",
                    ),
                },
                {
                    "id": "grade",
                    "type": "grade",
                    "required": True,
                    "text": _t(
                        "Welk rapportcijfer geeft u uw werkgever?",
                        "What grade would you give your employer (1-10)?",
                    ),
                },
                {
                    "id": "enps",
                    "type": "nps",
                    "text": _t(
                        "Hoe waarschijnlijk is het dat u deze organisatie aanbeveelt als "
                        "werkgever?",
                        "How likely is it that you would recommend this organisation as an "
                        "employer?",
                    ),
                },
                {
                    "id": "improve",
                    "type": "text_long",
                    "text": _t("Wat zou uw werk beter maken?", "What would make your work better?"),
                },
            ],
        }
    ],
}

TEMPLATES: dict[str, dict[str, Any]] = {
    "customer_satisfaction": CUSTOMER_SATISFACTION,
    "nps": NPS_ONLY,
    "employee_satisfaction": EMPLOYEE_SATISFACTION,
}
