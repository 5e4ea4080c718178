"""A questionnaire as data: pages, questions of a fixed set of types, texts per language.

A definition is JSON (stored on the survey) and parsed into :class:`Definition`, which checks
every part and says where a problem is. :func:`structure` is what results depend on (question ids,
types, scales, choice values, matrix items): once a survey has responses, a change that removes
or alters any of it is refused, while wording may always be fixed.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from appliance.i18n import N_

LANGUAGES = ("nl", "en")
SCALES = {"nps": (0, 10), "rating": (1, 5), "grade": (1, 10), "ces": (1, 7)}
CHOICE_TYPES = ("single", "multiple", "dropdown")
TEXT_TYPES = ("text_short", "text_long")
TYPES = (
    *SCALES,
    *CHOICE_TYPES,
    "yesno",
    *TEXT_TYPES,
    "matrix",
    "name",
    "contact_optin",
    "publish_consent",
)
# Types where "not applicable / don't know" makes sense.
NA_TYPES = (*SCALES, *CHOICE_TYPES, "yesno", "matrix")
ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
MAX_TEXT = {"text_short": 200, "text_long": 5000, "name": 100}


class DefinitionError(ValueError):
    """``where`` says which part (e.g. ``pages[1].questions[2].text.en``); ``reason`` a msgid."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


def _texts(value: Any, languages: tuple[str, ...], where: str, required: bool = True):
    if not isinstance(value, dict):
        raise DefinitionError(where, N_("expected a text per language"))
    out = {}
    for lang in languages:
        text = value.get(lang, "")
        if not isinstance(text, str) or len(text) > 5000:
            raise DefinitionError(
                f"{where}.{lang}", N_("expected a text of at most 5000 characters")
            )
        if required and not text.strip():
            raise DefinitionError(f"{where}.{lang}", N_("a text is missing for this language"))
        out[lang] = text.strip()
    return out


@dataclass(frozen=True)
class Choice:
    value: str
    label: dict[str, str]


@dataclass(frozen=True)
class Condition:
    """Show a question or page only when an earlier question's answer is in ``values``."""

    question: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: dict[str, str]
    required: bool = False
    na: bool = False
    choices: tuple[Choice, ...] = ()
    items: tuple[Choice, ...] = ()  # matrix rows: value is the item id
    scale: tuple[int, int] | None = None
    show_if: Condition | None = None
    # What an interviewer reads out instead of ``text`` (per language, "" for none): shown on
    # the interview screen only; the respondent's pages and the paper form ignore it.
    read_out: dict[str, str] = field(default_factory=dict)

    def spoken(self, language: str) -> str:
        """The wording an interviewer reads out: the read-out text, else the question's text."""
        return self.read_out.get(language) or self.text.get(language, "")

    def values(self) -> tuple[str, ...]:
        """Every answer value a single cell of this question may take ("na" included)."""
        if self.scale:
            low, high = self.scale
            allowed = tuple(str(v) for v in range(low, high + 1))
        elif self.type in CHOICE_TYPES:
            allowed = tuple(c.value for c in self.choices)
        elif self.type in ("yesno", "contact_optin", "publish_consent"):
            allowed = ("yes", "no")
        else:
            return ()
        return (*allowed, "na") if self.na else allowed


@dataclass(frozen=True)
class Page:
    id: str
    questions: tuple[Question, ...]
    show_if: Condition | None = None


@dataclass(frozen=True)
class Definition:
    languages: tuple[str, ...]
    title: dict[str, str]
    intro: dict[str, str]
    closing: dict[str, str]
    pages: tuple[Page, ...]
    anonymous: bool = True
    questions: dict[str, Question] = field(default_factory=dict, compare=False)
    # Respondents are told on the first page that their answers may be published; only then
    # may the survey ask for consent to publish (a ``publish_consent`` question).
    publication_notice: bool = False

    @classmethod
    def parse(cls, data: Any) -> Definition:
        """Check everything; raises DefinitionError naming the first problem's place.

        A ``publish_consent`` question is refused unless ``publication_notice`` is on (the
        consent means nothing to someone never told), and a survey asks it at most once."""
        if not isinstance(data, dict):
            raise DefinitionError("survey", N_("expected an object"))
        languages = data.get("languages")
        if (
            not isinstance(languages, list)
            or not languages
            or any(lang not in LANGUAGES for lang in languages)
            or len(set(languages)) != len(languages)
        ):
            raise DefinitionError("languages", N_("choose one or more of: nl, en"))
        langs = tuple(languages)
        title = _texts(data.get("title"), langs, "title")
        intro = _texts(data.get("intro", {}), langs, "intro", required=False)
        closing = _texts(data.get("closing", {}), langs, "closing", required=False)
        notice = bool(data.get("publication_notice", False))
        pages_data = data.get("pages")
        if not isinstance(pages_data, list) or not pages_data:
            raise DefinitionError("pages", N_("a survey needs at least one page"))
        seen: dict[str, Question] = {}
        page_ids: set[str] = set()
        pages = []
        for p, page in enumerate(pages_data):
            where = f"pages[{p}]"
            if not isinstance(page, dict):
                raise DefinitionError(where, N_("expected an object"))
            page_id = page.get("id", f"page{p + 1}")
            if not isinstance(page_id, str) or not ID_RE.match(page_id) or page_id in page_ids:
                raise DefinitionError(f"{where}.id", N_("ids are unique, lower case, a-z 0-9 _"))
            page_ids.add(page_id)
            page_condition = _condition(page.get("show_if"), seen, f"{where}.show_if")
            questions = []
            for q, question in enumerate(page.get("questions") or []):
                parsed = _question(question, langs, seen, f"{where}.questions[{q}]")
                if parsed.type == "publish_consent":
                    _check_consent(notice, seen, f"{where}.questions[{q}].type")
                seen[parsed.id] = parsed
                questions.append(parsed)
            if not questions:
                raise DefinitionError(where, N_("a page needs at least one question"))
            pages.append(Page(page_id, tuple(questions), page_condition))
        return cls(
            langs,
            title,
            intro,
            closing,
            tuple(pages),
            bool(data.get("anonymous", True)),
            seen,
            publication_notice=notice,
        )

    def consent_question(self) -> Question | None:
        """The question asking consent to publish, or None when the survey has none."""
        return next((q for q in self.questions.values() if q.type == "publish_consent"), None)

    def to_json(self) -> dict[str, Any]:
        """A fresh JSON structure: parsed definitions are cached and shared, so callers may
        change what this returns without touching the cached one."""
        return copy.deepcopy(self._json())

    def _json(self) -> dict[str, Any]:
        return {
            "languages": list(self.languages),
            "anonymous": self.anonymous,
            "publication_notice": self.publication_notice,
            "title": self.title,
            "intro": self.intro,
            "closing": self.closing,
            "pages": [
                {
                    "id": page.id,
                    **({"show_if": _cond_json(page.show_if)} if page.show_if else {}),
                    "questions": [_question_json(q) for q in page.questions],
                }
                for page in self.pages
            ],
        }


def _check_consent(notice: bool, earlier: dict[str, Question], where: str) -> None:
    if not notice:
        raise DefinitionError(
            where,
            N_("a question asking consent to publish needs the publication notice switched on"),
        )
    if any(q.type == "publish_consent" for q in earlier.values()):
        raise DefinitionError(where, N_("a survey can ask consent to publish only once"))


def _condition(data: Any, earlier: dict[str, Question], where: str) -> Condition | None:
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("in"), list):
        raise DefinitionError(where, N_('expected {"question": id, "in": [values]}'))
    target = earlier.get(data.get("question"))
    if target is None:
        raise DefinitionError(where, N_("a condition can only refer to an earlier question"))
    values = tuple(str(v) for v in data["in"])
    allowed = target.values()
    if not values or not allowed or any(v not in allowed for v in values):
        raise DefinitionError(where, N_("the condition's values are not answers of that question"))
    return Condition(target.id, values)


def _choices(data: Any, langs: tuple[str, ...], where: str) -> tuple[Choice, ...]:
    if not isinstance(data, list) or not data or len(data) > 100:
        raise DefinitionError(where, N_("give between 1 and 100 options"))
    out, values = [], set()
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            raise DefinitionError(f"{where}[{i}]", N_("expected an object"))
        value = str(item.get("value", ""))
        if not ID_RE.match(value) or value in values or value == "na":
            raise DefinitionError(
                f"{where}[{i}].value", N_("values are unique, lower case, a-z 0-9 _ (not 'na')")
            )
        values.add(value)
        out.append(Choice(value, _texts(item.get("label"), langs, f"{where}[{i}].label")))
    return tuple(out)


def _question(
    data: Any, langs: tuple[str, ...], earlier: dict[str, Question], where: str
) -> Question:
    if not isinstance(data, dict):
        raise DefinitionError(where, N_("expected an object"))
    qid, qtype = data.get("id"), data.get("type")
    if not isinstance(qid, str) or not ID_RE.match(qid) or qid in earlier:
        raise DefinitionError(f"{where}.id", N_("ids are unique, lower case, a-z 0-9 _"))
    if qtype not in TYPES:
        raise DefinitionError(f"{where}.type", N_("unknown question type"))
    na = bool(data.get("na", False))
    if na and qtype not in NA_TYPES:
        raise DefinitionError(f"{where}.na", N_("this type has no 'not applicable' option"))
    choices = (
        _choices(data.get("choices"), langs, f"{where}.choices") if qtype in CHOICE_TYPES else ()
    )
    items: tuple[Choice, ...] = ()
    scale = SCALES.get(qtype)
    if qtype == "matrix":
        items = _choices(data.get("items"), langs, f"{where}.items")
        raw_scale = data.get("scale", [1, 5])
        if (
            not isinstance(raw_scale, list)
            or len(raw_scale) != 2
            or not all(isinstance(v, int) for v in raw_scale)
            or not 0 <= raw_scale[0] < raw_scale[1] <= 10
        ):
            raise DefinitionError(f"{where}.scale", N_("a matrix scale is [low, high] within 0-10"))
        scale = (raw_scale[0], raw_scale[1])
    return Question(
        id=qid,
        type=qtype,
        text=_texts(data.get("text"), langs, f"{where}.text"),
        required=bool(data.get("required", False)),
        na=na,
        choices=choices,
        items=items,
        scale=scale,
        show_if=_condition(data.get("show_if"), earlier, f"{where}.show_if"),
        read_out=_texts(data.get("read_out", {}), langs, f"{where}.read_out", required=False),
    )


def _cond_json(condition: Condition) -> dict[str, Any]:
    return {"question": condition.question, "in": list(condition.values)}


def _question_json(q: Question) -> dict[str, Any]:
    out: dict[str, Any] = {"id": q.id, "type": q.type, "text": q.text, "required": q.required}
    if q.na:
        out["na"] = True
    if q.choices:
        out["choices"] = [{"value": c.value, "label": c.label} for c in q.choices]
    if q.items:
        out["items"] = [{"value": c.value, "label": c.label} for c in q.items]
    if q.type == "matrix" and q.scale:
        out["scale"] = list(q.scale)
    if q.show_if:
        out["show_if"] = _cond_json(q.show_if)
    if any(q.read_out.values()):
        out["read_out"] = q.read_out
    return out


def structure(definition: Definition) -> dict[str, tuple]:
    """What results depend on, per question id."""
    return {
        q.id: (
            q.type,
            q.scale,
            tuple(c.value for c in q.choices),
            tuple(i.value for i in q.items),
            q.na,
        )
        for q in definition.questions.values()
    }


def breaking_changes(old: Definition, new: Definition) -> list[tuple[str, str]]:
    """(question id, reason msgid) for each way ``new`` would corrupt the results collected
    under ``old``; empty when it would not. Adding questions, options or items is fine;
    removing or changing them is not."""
    before, after = structure(old), structure(new)
    problems = []
    for qid, (qtype, scale, choices, items, na) in before.items():
        if qid not in after:
            problems.append((qid, N_("a question with answers cannot be removed")))
            continue
        new_type, new_scale, new_choices, new_items, new_na = after[qid]
        if new_type != qtype or new_scale != scale:
            problems.append((qid, N_("the type or scale of a question with answers cannot change")))
        if (
            not set(choices) <= set(new_choices)
            or not set(items) <= set(new_items)
            or (na and not new_na)
        ):
            problems.append((qid, N_("options of a question with answers cannot be removed")))
    return problems
