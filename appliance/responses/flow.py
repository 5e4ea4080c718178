"""Where a respondent is in a questionnaire: which pages and questions their answers so far
show, how they came (:class:`Channel`), and the carried state of a half-answered survey.

Pure functions of the definition and the answers: no request, no database. The respondent pages
(``appliance.responses.public_views``) sign the carried state and send it along with each page.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

from appliance.surveys.answers import condition_met
from appliance.surveys.definition import Definition, Page


def shown_pages(definition: Definition, answers: dict[str, Any]) -> list[int]:
    """Indexes of the pages shown for the answers so far (page conditions)."""
    return [i for i, page in enumerate(definition.pages) if condition_met(page.show_if, answers)]


def skipped(page: Page, answers: dict[str, Any]) -> set[str]:
    """Questions of ``page`` hidden whatever is answered on it: their condition is on an earlier
    page's answer and not met, or on a question of this page that is itself skipped. The others
    with a condition on this page's answers are shown and hidden live (static/conditions.js)."""
    here: set[str] = set()
    hidden: set[str] = set()
    for question in page.questions:
        condition = question.show_if
        if condition and (
            condition.question in hidden
            or (condition.question not in here and not condition_met(condition, answers))
        ):
            hidden.add(question.id)
        here.add(question.id)
    return hidden


def page_definition(definition: Definition, index: int) -> Definition:
    """The definition cut down to one page, for checking that page's answers."""
    return Definition(
        definition.languages,
        definition.title,
        definition.intro,
        definition.closing,
        (definition.pages[index],),
        definition.anonymous,
        definition.questions,
        publication_notice=definition.publication_notice,
    )


@dataclass(frozen=True)
class Channel:
    """How the respondent came: an open link, an invitation (its token's hash, and the segment
    values fixed for its response when it was made), or a kiosk (where to return
    to after each response, after how long idle, and whether a walked-away respondent's answers
    are discarded or submitted)."""

    mode: str
    invitation_hash: bytes | None = None
    segments: dict[str, str] = field(default_factory=dict)
    reset_url: str = ""
    idle_seconds: int = 0
    on_idle: str = "discard"


def version(row) -> int:
    """A checksum of the survey's stored definition: a carried state made under another one
    was answered against a questionnaire staff have changed since."""
    return zlib.crc32(row["definition"].encode())


def at(carried: dict, definition: Definition, index: int) -> dict:
    """The carried state moved to page ``index`` (by position and by the page's id)."""
    return {**carried, "page": index, "page_id": definition.pages[index].id}


def as_form(answers: dict) -> dict[str, list[str]]:
    """Answers back in the shape a form posts them (matrix cells as ``question.item``)."""
    raw: dict[str, list[str]] = {}
    for qid, value in answers.items():
        if isinstance(value, dict):
            raw.update({f"{qid}.{item}": [cell] for item, cell in value.items()})
        else:
            raw[qid] = value if isinstance(value, list) else [value]
    return raw
