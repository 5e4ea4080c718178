"""The questionnaire builder's edits, as changes to a definition's JSON.

Each function takes the survey's definition as JSON (``Definition.to_json()``), changes a deep
copy and returns it; the caller saves it through ``service.update_definition``, which checks the
result and refuses changes that would corrupt collected answers. So the builder never needs to
know the rules of a valid definition beyond finding its way around one; it raises
:class:`BuilderError` (a msgid) only for requests that make no sense (an unknown question).

Answer options are typed one per line per language. A line keeps its stored value when its
label is unchanged; when the remaining lines and options are equally many, each remaining line
takes over the value of its counterpart in order (a typo fixed keeps the answers given so far).
Any other change makes new options, so removing an option really removes it.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from appliance.i18n import N_
from appliance.surveys.definition import (
    CHOICE_TYPES,
    ID_RE,
    LANGUAGES,
    NA_TYPES,
    TYPES,
    Definition,
)

Data = dict[str, Any]
TYPE_LABELS = {
    "nps": N_("NPS (0-10)"),
    "rating": N_("Rating (1-5 stars)"),
    "grade": N_("Grade (1-10)"),
    "ces": N_("Effort score (CES, 1-7)"),
    "single": N_("Single choice"),
    "multiple": N_("Multiple choice"),
    "dropdown": N_("Dropdown"),
    "yesno": N_("Yes / no"),
    "text_short": N_("Short open answer"),
    "text_long": N_("Long open answer"),
    "matrix": N_("Matrix (statements on one scale)"),
    "name": N_("Name (optional, erased after 6 months)"),
    "contact_optin": N_("May we contact you? (invitations only)"),
    "publish_consent": N_("May we publish your answers? (needs the publication notice)"),
}
DEFAULT_OPTIONS = {"nl": ["Optie 1", "Optie 2"], "en": ["Option 1", "Option 2"]}
DEFAULT_ITEMS = {"nl": ["Stelling 1", "Stelling 2"], "en": ["Statement 1", "Statement 2"]}


class BuilderError(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class QuestionInput:
    """What the question form posts. ``options``/``items``: lines per language."""

    text: dict[str, str]
    required: bool = False
    na: bool = False
    options: dict[str, list[str]] = field(default_factory=dict)
    items: dict[str, list[str]] = field(default_factory=dict)
    scale: tuple[int, int] | None = None
    show_if_question: str = ""
    show_if_values: list[str] = field(default_factory=list)
    read_out: dict[str, str] = field(default_factory=dict)


def condition_sources(definition: Definition) -> tuple[dict[str, list], dict[str, list]]:
    """What a condition may refer to, per page id and per question id: the earlier questions
    that have answer values, each with those values."""
    by_page: dict[str, list] = {}
    by_question: dict[str, list] = {}
    earlier: list = []
    for page in definition.pages:
        by_page[page.id] = list(earlier)
        for question in page.questions:
            by_question[question.id] = list(earlier)
            if question.values():
                earlier.append((question, question.values()))
    return by_page, by_question


def _locate(data: Data, qid: str) -> tuple[int, int]:
    for p, page in enumerate(data["pages"]):
        for q, question in enumerate(page["questions"]):
            if question["id"] == qid:
                return p, q
    raise BuilderError(N_("That question does not exist (any more)."))


def question_of(data: Data, qid: str) -> Data:
    p, q = _locate(data, qid)
    return data["pages"][p]["questions"][q]


def _all_ids(data: Data) -> set[str]:
    ids = {page["id"] for page in data["pages"]}
    ids |= {q["id"] for page in data["pages"] for q in page["questions"]}
    return ids


def _fresh_id(prefix: str, taken: set[str]) -> str:
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"


def _options(lines: dict[str, list[str]], languages: list[str]) -> list[Data]:
    return [
        {"value": f"o{i + 1}", "label": {lang: lines[lang][i] for lang in languages}}
        for i in range(len(lines[languages[0]]))
    ]


def add_question(data: Data, page_id: str, qtype: str, text: str) -> tuple[Data, str]:
    """A new question at the end of a page (``page_id`` "" means on a new page of its own);
    its text is used for every language until translated. Returns (new data, question id)."""
    if qtype not in TYPES:
        raise BuilderError(N_("unknown question type"))
    new = copy.deepcopy(data)
    languages = new["languages"]
    taken = _all_ids(new)
    qid = _fresh_id("q", taken)
    question: Data = {
        "id": qid,
        "type": qtype,
        "text": {lang: text.strip() for lang in languages},
        "required": False,
    }
    if qtype in CHOICE_TYPES:
        question["choices"] = _options(DEFAULT_OPTIONS, languages)
    if qtype == "matrix":
        question["items"] = _options(DEFAULT_ITEMS, languages)
        question["scale"] = [1, 5]
    if page_id:
        page = next((pg for pg in new["pages"] if pg["id"] == page_id), None)
        if page is None:
            raise BuilderError(N_("That page does not exist (any more)."))
        page["questions"].append(question)
    else:
        new["pages"].append({"id": _fresh_id("page", taken), "questions": [question]})
    return new, qid


def _relabel(old: list[Data], lines: dict[str, list[str]], languages: list[str]) -> list[Data]:
    """New options from lines, keeping stored values (see the module docstring)."""
    first = languages[0]
    count = len(lines[first])
    labels = [{lang: lines[lang][i] for lang in languages} for i in range(count)]
    values: list[str | None] = [None] * count
    unmatched = list(old)
    for i, label in enumerate(labels):
        match = next((o for o in unmatched if o["label"].get(first) == label[first]), None)
        if match is not None:
            values[i] = match["value"]
            unmatched.remove(match)
    # Reworded lines: only when exactly as many lines as options are unaccounted for is each
    # taken as a rewording of its counterpart in the same order. Otherwise options were added or
    # removed as well, and guessing could move answers onto another option; they count as new.
    fresh = [i for i in range(count) if values[i] is None]
    if len(fresh) == len(unmatched):
        for i, option in zip(fresh, unmatched, strict=True):
            values[i] = option["value"]
    taken = {v for v in values if v} | {o["value"] for o in old}
    out = []
    for i, label in enumerate(labels):
        value = values[i] or _slug(label[first], taken)
        taken.add(value)
        out.append({"value": value, "label": label})
    return out


def _slug(label: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:24] or "o"
    if not base[0].isalpha():
        base = f"o_{base}"[:24]
    if base not in taken and base != "na" and ID_RE.match(base):
        return base
    return _fresh_id(f"{base}_", taken)


def _lines(by_lang: dict[str, list[str]], languages: list[str]) -> dict[str, list[str]]:
    """Every language needs the same number of lines; the first language decides."""
    clean = {lang: [x.strip() for x in by_lang.get(lang, []) if x.strip()] for lang in languages}
    if not clean[languages[0]]:
        raise BuilderError(N_("Give at least one option, one per line."))
    for lang in languages[1:]:
        if not clean[lang]:
            clean[lang] = list(clean[languages[0]])
        elif len(clean[lang]) != len(clean[languages[0]]):
            raise BuilderError(N_("Give the same number of lines in every language."))
    return clean


def update_question(data: Data, qid: str, given: QuestionInput) -> Data:
    new = copy.deepcopy(data)
    languages = new["languages"]
    question = question_of(new, qid)
    question["text"] = {lang: given.text.get(lang, "").strip() for lang in languages}
    question["required"] = given.required
    if question["type"] in NA_TYPES:
        question["na"] = given.na
    if question["type"] in CHOICE_TYPES:
        lines = _lines(given.options, languages)
        question["choices"] = _relabel(question.get("choices", []), lines, languages)
    if question["type"] == "matrix":
        lines = _lines(given.items, languages)
        question["items"] = _relabel(question.get("items", []), lines, languages)
        if given.scale:
            question["scale"] = list(given.scale)
    read_out = {lang: given.read_out.get(lang, "").strip() for lang in languages}
    question.pop("read_out", None)
    if any(read_out.values()):
        question["read_out"] = read_out
    question.pop("show_if", None)
    if given.show_if_question:
        question["show_if"] = {"question": given.show_if_question, "in": given.show_if_values}
    return new


def move_question(data: Data, qid: str, step: int) -> Data:
    """One place up (-1) or down (+1); past the edge of a page it moves to the neighbouring
    page. A page left without questions disappears."""
    new = copy.deepcopy(data)
    p, q = _locate(new, qid)
    pages = new["pages"]
    questions = pages[p]["questions"]
    target = q + step
    if 0 <= target < len(questions):
        questions[q], questions[target] = questions[target], questions[q]
        return new
    neighbour = p + step
    if not 0 <= neighbour < len(pages):
        return new
    moved = questions.pop(q)
    if step < 0:
        pages[neighbour]["questions"].append(moved)
    else:
        pages[neighbour]["questions"].insert(0, moved)
    new["pages"] = [page for page in pages if page["questions"]]
    return new


def delete_question(data: Data, qid: str) -> Data:
    new = copy.deepcopy(data)
    p, q = _locate(new, qid)
    del new["pages"][p]["questions"][q]
    new["pages"] = [page for page in new["pages"] if page["questions"]]
    if not new["pages"]:
        raise BuilderError(N_("A survey needs at least one question."))
    return new


def set_page_condition(data: Data, page_id: str, question: str, values: list[str]) -> Data:
    new = copy.deepcopy(data)
    page = next((pg for pg in new["pages"] if pg["id"] == page_id), None)
    if page is None:
        raise BuilderError(N_("That page does not exist (any more)."))
    page.pop("show_if", None)
    if question:
        page["show_if"] = {"question": question, "in": values}
    return new


def set_general(
    data: Data,
    languages: list[str],
    title: dict[str, str],
    intro: dict[str, str],
    closing: dict[str, str],
    anonymous: bool,
    publication_notice: bool = False,
) -> tuple[Data, list[str]]:
    """Title, texts, languages, anonymity and the publication notice. A language added gets the
    first language's texts as a starting point; returns (new data, the languages added) so
    staff can be told to translate them."""
    # The survey's own order first (its first language is the respondents' default).
    chosen = [lang for lang in data["languages"] if lang in languages]
    chosen += [lang for lang in LANGUAGES if lang in languages and lang not in chosen]
    if not chosen:
        raise BuilderError(N_("Choose at least one language."))
    new = copy.deepcopy(data)
    old_first = new["languages"][0]
    added = [lang for lang in chosen if lang not in new["languages"]]
    new["title"] = {lang: title.get(lang, "") for lang in chosen}
    new["intro"] = {lang: intro.get(lang, "") for lang in chosen}
    new["closing"] = {lang: closing.get(lang, "") for lang in chosen}
    for lang in added:
        for key in ("title", "intro", "closing"):
            if not new[key][lang].strip():
                new[key][lang] = new[key].get(old_first) or data.get(key, {}).get(old_first, "")
    new["languages"] = chosen
    new["anonymous"] = anonymous
    new["publication_notice"] = publication_notice
    for page in new["pages"]:
        for question in page["questions"]:
            question["text"] = _with_languages(question["text"], chosen, old_first)
            if "read_out" in question:
                question["read_out"] = _with_languages(question["read_out"], chosen, old_first)
            for key in ("choices", "items"):
                for option in question.get(key, []):
                    option["label"] = _with_languages(option["label"], chosen, old_first)
    return new, added


def _with_languages(texts: dict[str, str], languages: list[str], fallback: str) -> dict:
    return {lang: texts.get(lang) or texts.get(fallback, "") for lang in languages}
