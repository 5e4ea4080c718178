"""The questionnaire's JSON Schema, for the survey operations. No Flask routes here."""

from __future__ import annotations

from appliance.api.declare import Schema
from appliance.surveys.definition import CHOICE_TYPES, ID_RE, LANGUAGES, NA_TYPES, TYPES

# ---- the questionnaire's schema ----------------------------------------------------------------

_ID = {"type": "string", "pattern": ID_RE.pattern}


def _questionnaire(name: str, closed: bool) -> Schema:
    """The definition's JSON Schema: what ``Definition.parse`` takes (``closed``: for a request,
    unknown fields refused) or what ``Definition.to_json`` gives. The parser checks the rest
    (unique ids, a text per chosen language, conditions on earlier questions) and answers
    422 naming the place."""
    shut = {"additionalProperties": False} if closed else {}
    texts = {
        "type": "object",
        "description": "A text per language of the questionnaire",
        "properties": {lang: {"type": "string", "maxLength": 5000} for lang in LANGUAGES},
        **shut,
    }
    choice = {
        "type": "object",
        "required": ["value", "label"],
        "properties": {"value": {**_ID, "not": {"const": "na"}}, "label": texts},
        **shut,
    }
    choices = {"type": "array", "minItems": 1, "maxItems": 100, "items": choice}
    condition = {
        "type": "object",
        "description": "Shown only when the earlier question's answer is one of these values",
        "required": ["question", "in"],
        "properties": {
            "question": {"type": "string"},
            "in": {"type": "array", "minItems": 1, "items": {"type": ["string", "integer"]}},
        },
        **shut,
    }
    question = {
        "type": "object",
        "required": ["id", "type", "text"],
        "properties": {
            "id": _ID,
            "type": {"enum": list(TYPES)},
            "text": texts,
            "required": {"type": "boolean"},
            "na": {"type": "boolean", "description": f"Types {', '.join(NA_TYPES)} only"},
            "choices": choices,
            "items": choices,
            "scale": {
                "type": "array",
                "description": "matrix only: [low, high] within 0-10",
                "minItems": 2,
                "maxItems": 2,
                "items": {"type": "integer", "minimum": 0, "maximum": 10},
            },
            "show_if": condition,
            "read_out": texts,
        },
        "allOf": [
            {
                "if": {"properties": {"type": {"enum": list(CHOICE_TYPES)}}},
                "then": {"required": ["choices"]},
            },
            {
                "if": {"properties": {"type": {"const": "matrix"}}},
                "then": {"required": ["items"]},
            },
        ],
        **shut,
    }
    page = {
        "type": "object",
        "required": ["questions"] if closed else ["id", "questions"],
        "properties": {
            "id": _ID,
            "show_if": condition,
            "questions": {"type": "array", "minItems": 1, "items": question},
        },
        **shut,
    }
    return Schema(
        name,
        {
            "type": "object",
            "required": ["languages", "title", "pages"]
            if closed
            else [
                "languages",
                "anonymous",
                "publication_notice",
                "title",
                "intro",
                "closing",
                "pages",
            ],
            "properties": {
                "languages": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"enum": list(LANGUAGES)},
                },
                "anonymous": {"type": "boolean"},
                "publication_notice": {"type": "boolean"},
                "title": texts,
                "intro": texts,
                "closing": texts,
                "pages": {"type": "array", "minItems": 1, "items": page},
            },
            **shut,
        },
    )


QUESTIONNAIRE = _questionnaire("Questionnaire", closed=False)
QUESTIONNAIRE_INPUT = _questionnaire("QuestionnaireInput", closed=True)
