"""Staff-only figures per interviewer, kept as counters apart from the responses: a response
never names its interviewer, so these counters are the only place the two meet.

Both writers run inside the caller's write transaction (the attempt's, or the stored
interview's through ``submit_answers(also=...)``). :func:`figures` reads them for the staff page,
over whole days before the one given only, and shows each figure only over at least k
interviews (see ``docs/privacy.md``, "Interviewer figures").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from appliance.interviews import figures_store
from appliance.surveys.definition import SCALES, Definition


def count_attempt(conn: sqlite3.Connection, survey_id: int, interviewer_id: int, at: float) -> None:
    """One call attempt or interview start by ``interviewer_id`` at epoch ``at``: their working
    time of that day (the appliance's local date of ``at``)."""
    day = date.fromtimestamp(at).isoformat()
    figures_store.add_attempt(conn, survey_id, interviewer_id, day, at)


def scores_of(definition: Definition, answers: Mapping[str, Any]) -> list[tuple[str, float]]:
    """(question id, score) of every score question (NPS, rating, grade, CES) answered with a
    number; 'not applicable' and anything else left out."""
    out = []
    for q in definition.questions.values():
        if q.type not in SCALES:
            continue
        value = answers.get(q.id)
        if isinstance(value, bool):
            continue
        if isinstance(value, int) or (isinstance(value, str) and value.lstrip("-").isdigit()):
            out.append((q.id, float(int(value))))
    return out


def count_interview(
    conn: sqlite3.Connection,
    definition: Definition,
    survey_id: int,
    interviewer_id: int,
    day: str,
    seconds: int | None,
    answers: Mapping[str, Any],
) -> None:
    """One stored interview (complete, or partial kept): its length in ``seconds`` and the
    scores among ``answers``, added to the interviewer's counters of ``day`` (ISO date)."""
    figures_store.add_interview(
        conn, survey_id, interviewer_id, day, seconds, scores_of(definition, answers)
    )


@dataclass
class InterviewerFigures:
    """One interviewer's figures; each None when based on fewer than k interviews (or, for a
    mean score, k scores), or undefined."""

    user_id: int
    name: str
    interviews: int | None
    per_hour: float | None
    mean_seconds: float | None
    means: dict[str, float | None] = field(default_factory=dict)  # question id -> mean score


def figures(
    conn: sqlite3.Connection, definition: Definition, survey_id: int, today: date, k: int
) -> list[InterviewerFigures]:
    """Per interviewer of the survey, over the whole days before ``today``: the number of
    interviews, interviews per hour worked, mean interview length and mean score per score
    question, each only when at least ``k`` interviews (scores) are behind it."""
    day = today.isoformat()
    questions = [q.id for q in definition.questions.values() if q.type in SCALES]
    sums: dict[tuple[int, str], sqlite3.Row] = {
        (r["user_id"], r["question_id"]): r
        for r in figures_store.scores_before(conn, survey_id, day)
    }
    out = []
    for r in figures_store.days_before(conn, survey_id, day):
        enough = r["interviews"] >= k
        hours = r["worked_seconds"] / 3600
        person = InterviewerFigures(
            r["user_id"],
            r["name"],
            r["interviews"] if enough else None,
            r["interviews"] / hours if enough and hours > 0 else None,
            r["interview_seconds"] / r["timed"] if enough and r["timed"] >= k else None,
        )
        for q in questions:
            s = sums.get((r["user_id"], q))
            person.means[q] = s["total"] / s["n"] if enough and s and s["n"] >= k else None
        out.append(person)
    return out
