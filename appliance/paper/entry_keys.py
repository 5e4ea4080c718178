"""What staff type for a returned paper form, and what it means. Pure functions: no Flask, no SQL.

Every question of the form is one small text input (a matrix: one per row), so entry works by
keyboard alone and without script: digits for a scale (``7``, ``10``), a letter per option in
printed order (``a``, ``b`` …; after ``z`` come ``aa``, ``ab`` …), several letters for a
multiple choice (``ac`` or ``a c``), ``j`` or ``y`` for yes and ``n`` for no, ``-`` for "not
applicable", and the text itself for an open question. :func:`to_raw` turns what was typed into
the raw values a respondent's browser would post, so :func:`appliance.surveys.answers.check`
decides validity and routing exactly as online; :func:`typed` goes the other way, to fill the
inputs again. ``static/paper-entry.js`` reads the same keys from each input's data attributes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from appliance.i18n import N_
from appliance.surveys.definition import CHOICE_TYPES, SCALES, Condition, Definition, Question

YES_KEYS = ("j", "y")
NO_KEY = "n"
NA_KEY = "-"
YES_NO_TYPES = ("yesno", "contact_optin", "publish_consent")
TEXT_KINDS = ("text_short", "name")
PREFIX = "k-"
NOT_A_KEY = N_("type one of the keys shown next to this question")
SEPARATORS = re.compile(r"[\s,;]+")


def letter(index: int) -> str:
    """The key of the option at ``index`` (0-based): a … z, then aa, ab … (spreadsheet style)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


@dataclass(frozen=True)
class Field:
    """One input of the entry form. ``name`` is what it posts (``k-<question>`` or
    ``k-<question>.<item>``); ``keys`` maps each key to the raw value it stands for, with its
    label (empty for open questions); ``conditions`` are the question's and its page's."""

    name: str
    question: Question
    number: str
    kind: str
    keys: tuple[tuple[str, str, str], ...]
    item: str = ""
    item_label: str = ""
    conditions: tuple[Condition, ...] = ()

    @property
    def cell(self) -> str:
        """The raw name this input answers (``question`` or ``question.item``)."""
        return f"{self.question.id}.{self.item}" if self.item else self.question.id


def kind_of(question: Question) -> str:
    if question.type in SCALES or question.type == "matrix":
        return "scale"
    if question.type in CHOICE_TYPES:
        return "multiple" if question.type == "multiple" else "choice"
    if question.type in YES_NO_TYPES:
        return "yesno"
    return "long" if question.type == "text_long" else "text"


def _keys(question: Question, language: str, yes_label: str, no_label: str, na_label: str):
    kind = kind_of(question)
    keys: list[tuple[str, str, str]] = []
    if kind == "scale" and question.scale:
        low, high = question.scale
        keys = [(str(v), str(v), str(v)) for v in range(low, high + 1)]
    elif kind in ("choice", "multiple"):
        keys = [
            (letter(i), c.value, c.label.get(language) or next(iter(c.label.values()), ""))
            for i, c in enumerate(question.choices)
        ]
    elif kind == "yesno":
        keys = [(YES_KEYS[0], "yes", yes_label), (NO_KEY, "no", no_label)]
    if question.na:
        keys.append((NA_KEY, "na", na_label))
    return tuple(keys)


def fields(
    definition: Definition,
    language: str,
    numbers: Mapping[str, int],
    labels: tuple[str, str, str] = ("yes", "no", "not applicable"),
) -> list[Field]:
    """The inputs of the entry form in printed order; ``numbers`` are the printed question
    numbers (``appliance.paper.layout.numbering``: a question without one is not on the form
    and gets no input), ``labels`` the words for yes, no and not applicable in the form's
    language."""
    out = []
    for page in definition.pages:
        for question in page.questions:
            if question.id not in numbers:
                continue
            conditions = tuple(c for c in (page.show_if, question.show_if) if c)
            keys = _keys(question, language, *labels)
            number = str(numbers.get(question.id, ""))
            common = {"question": question, "kind": kind_of(question), "keys": keys}
            if question.type == "matrix":
                for i, item in enumerate(question.items):
                    out.append(
                        Field(
                            f"{PREFIX}{question.id}.{item.value}",
                            number=f"{number}{letter(i)}",
                            item=item.value,
                            item_label=item.label.get(language) or "",
                            conditions=conditions,
                            **common,
                        )
                    )
            else:
                out.append(
                    Field(f"{PREFIX}{question.id}", number=number, conditions=conditions, **common)
                )
    return out


def _values(field: Field, text: str) -> list[str] | None:
    """The raw values ``text`` stands for in ``field``; None when it is not one of its keys."""
    if field.kind in ("text", "long"):
        return [text]
    lookup = {key: value for key, value, _label in field.keys}
    typed = text.lower()
    if field.kind == "yesno" and typed in YES_KEYS:
        return ["yes"]
    if field.kind == "multiple":
        parts = SEPARATORS.split(typed)
        if len(parts) == 1 and typed not in lookup and all(len(k) == 1 for k in lookup):
            parts = list(typed)  # "ac": one letter per option
        parts = [p for p in parts if p]
        if not parts or any(p not in lookup for p in parts):
            return None
        return [lookup[p] for p in parts]
    return [lookup[typed]] if typed in lookup else None


def to_raw(
    entry_fields: Sequence[Field], form: Mapping[str, Any]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """(raw values for ``check``, cell -> error msgid) from what was typed. Blank inputs give
    no value; a key the question does not have gives an error, never a guess."""
    raw: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for field in entry_fields:
        text = form.get(field.name, "")
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            continue
        values = _values(field, text)
        if values is None:
            errors[field.cell] = NOT_A_KEY
        else:
            raw[field.cell] = values
    return raw, errors


def typed(entry_fields: Sequence[Field], answers: Mapping[str, Any]) -> dict[str, str]:
    """The inputs' text for stored-shape ``answers`` (question id -> value, list or cells)."""
    out = {}
    for field in entry_fields:
        value = answers.get(field.question.id)
        if isinstance(value, dict):
            value = value.get(field.item)
        if value is None:
            continue
        if field.kind in ("text", "long"):
            out[field.name] = str(value)
            continue
        back = {raw: key for key, raw, _label in field.keys}
        values = value if isinstance(value, list) else [value]
        joined = [back.get(v, "") for v in values]
        out[field.name] = ("" if all(len(k) == 1 for k in joined) else " ").join(joined)
    return out


def label(field: Field, value: Any) -> str:
    """An answer of ``field`` as the summary shows it: the option's label (several joined),
    the score, or the text."""
    if isinstance(value, dict):
        value = value.get(field.item)
    if value is None:
        return ""
    if field.kind in ("text", "long"):
        return str(value)
    names = {raw: text for _key, raw, text in field.keys}
    values = value if isinstance(value, list) else [value]
    return ", ".join(names.get(v, v) for v in values)


def script_data(field: Field) -> dict[str, Any]:
    """What ``static/paper-entry.js`` needs of a field: its question, kind, keys (key -> raw
    value), labels (raw value -> label) and the conditions that decide whether it applies."""
    return {
        "qid": field.question.id,
        "kind": field.kind,
        "matrix": bool(field.item),
        "keys": {key: value for key, value, _label in field.keys},
        "labels": {value: text for _key, value, text in field.keys},
        "conds": [[c.question, list(c.values)] for c in field.conditions],
    }
