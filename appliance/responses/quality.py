"""Data-quality flags computed when a response arrives.

- speeder: took less than a third of the survey's median time, once 20 responses exist;
- straight_lining: the same answer on every row of a matrix with 5 or more rows;
- duplicate_text: an open answer identical (case and spacing aside) to one already given.
Flags inform staff; only an explicit exclusion removes a response from the figures.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
from typing import Any

from appliance.surveys.definition import TEXT_TYPES, Definition

SPEEDER_AFTER = 20


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def flags_for(
    conn: sqlite3.Connection,
    survey_id: int,
    definition: Definition,
    answers: dict[str, Any],
    duration_s: int | None,
) -> list[str]:
    flags = []
    if duration_s is not None:
        durations = [
            r[0]
            for r in conn.execute(
                "SELECT duration_s FROM responses WHERE survey_id = ? AND duration_s IS NOT NULL",
                (survey_id,),
            )
        ]
        if len(durations) >= SPEEDER_AFTER and duration_s < statistics.median(durations) / 3:
            flags.append("speeder")
    for question in definition.questions.values():
        value = answers.get(question.id)
        if (
            question.type == "matrix"
            and isinstance(value, dict)
            and len(question.items) >= 5
            and len(value) == len(question.items)
            and len(set(value.values())) == 1
        ):
            flags.append("straight_lining")
        if question.type in TEXT_TYPES and isinstance(value, str) and len(value) >= 10:
            needle = _norm(value)
            for (other,) in conn.execute(
                "SELECT answers FROM responses WHERE survey_id = ?", (survey_id,)
            ):
                if _norm(str(json.loads(other).get(question.id, ""))) == needle:
                    flags.append("duplicate_text")
                    break
    return sorted(set(flags))
