"""Checking a respondent's answers against a definition.

Contract: :func:`check` takes the raw form values (question id -> list of strings, as a form
posts them; matrix cells as ``<question>.<item>``) and returns the clean answers of the questions
that were shown, plus an error per question that needs one. Hidden questions (their condition not
met) are dropped whatever was posted, so a crafted form cannot store answers nobody saw; the ids
of those that came with an answer are listed in ``dropped``, so the respondent page can ask
before throwing away what someone typed (a browser without script shows every question).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from appliance.i18n import N_
from appliance.surveys.definition import (
    MAX_TEXT,
    TEXT_TYPES,
    Condition,
    Definition,
    Question,
)

Raw = Mapping[str, Sequence[str]]
# Control characters nobody types on purpose (line breaks and tabs aside); XML-based exports
# cannot even hold them.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Checked:
    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # Questions on a shown page, hidden by their condition, for which something was posted.
    dropped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def condition_met(condition: Condition | None, answers: dict[str, Any]) -> bool:
    if condition is None:
        return True
    given = answers.get(condition.question)
    if isinstance(given, list):
        return any(v in condition.values for v in given)
    return given in condition.values


def _posted(question: Question, raw: Raw) -> bool:
    """Whether anything but blanks was posted for the question (any matrix cell counts)."""
    names = [f"{question.id}.{item.value}" for item in question.items] or [question.id]
    return any(isinstance(v, str) and v.strip() for name in names for v in raw.get(name, []))


def _one(question: Question, raw: Raw) -> tuple[Any, str]:
    """(answer or None, error msgid or "")."""
    values = [v.strip() for v in raw.get(question.id, []) if isinstance(v, str)]
    values = [v for v in values if v]
    if question.type == "matrix":
        cells = {}
        for item in question.items:
            cell = [v.strip() for v in raw.get(f"{question.id}.{item.value}", []) if v.strip()]
            if cell:
                if cell[0] not in question.values():
                    return None, N_("choose one of the given answers")
                cells[item.value] = cell[0]
        if question.required and len(cells) < len(question.items):
            return None, N_("answer every row")
        return (cells or None), ""
    if not values:
        return None, N_("this question needs an answer") if question.required else ""
    if question.type in TEXT_TYPES or question.type == "name":
        text = CONTROL.sub("", values[0].replace("\r\n", "\n")).strip()
        if not text:
            return None, N_("this question needs an answer") if question.required else ""
        if len(text) > MAX_TEXT[question.type]:
            return None, N_("the answer is too long")
        return text, ""
    if question.type == "multiple":
        allowed = question.values()
        if any(v not in allowed for v in values) or len(set(values)) != len(values):
            return None, N_("choose from the given answers")
        if "na" in values and len(values) > 1:
            return None, N_("'not applicable' cannot be combined with other answers")
        return values, ""
    if len(values) != 1 or values[0] not in question.values():
        return None, N_("choose one of the given answers")
    return values[0], ""


def check(definition: Definition, raw: Raw, known: dict[str, Any] | None = None) -> Checked:
    """Conditions refer to earlier questions only, so one pass in order decides visibility.
    ``known`` holds answers given on earlier pages (they decide conditions, nothing more)."""
    result = Checked()
    known = known or {}
    for page in definition.pages:
        if not condition_met(page.show_if, {**known, **result.answers}):
            continue
        for question in page.questions:
            if not condition_met(question.show_if, {**known, **result.answers}):
                if _posted(question, raw):
                    result.dropped.append(question.id)
                continue
            answer, error = _one(question, raw)
            if error:
                result.errors[question.id] = error
            elif answer is not None:
                result.answers[question.id] = answer
    return result
