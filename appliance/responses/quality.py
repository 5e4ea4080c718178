"""Data-quality flags computed when a response arrives.

- speeder: took less than ``speeder_seconds_per_answer`` seconds per answer given (an
  absolute floor that holds from the first response on), or less than a third of the survey's
  median time once 20 responses exist;
- straight_lining: the same answer on every row of a matrix with 5 or more rows;
- duplicate_text: an open answer identical (case and spacing aside) to one already given.
Flags inform staff; only an explicit exclusion removes a response from the figures.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from typing import Any

from appliance.crypto import KeyedHasher
from appliance.i18n import N_
from appliance.responses import quality_store
from appliance.surveys.definition import TEXT_TYPES, Definition

# Every flag a response can carry, with its label for staff. "partial" is set by a kiosk that
# kept a walked-away respondent's answers (appliance.responses.public_views).
FLAG_LABELS = {
    "speeder": N_("speeder"),
    "straight_lining": N_("straight-lining"),
    "duplicate_text": N_("duplicate open answer"),
    "partial": N_("partial (walked away from a kiosk)"),
}
SPEEDER_AFTER = 20
MEDIAN_TTL = 10.0
# Seconds per answer below which nobody reads a question: Huang et al. (2012, "Detecting and
# deterring insufficient effort responding to surveys") put the cut-off at 2 seconds an item.
SECONDS_PER_ANSWER = 2


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def open_text_digest(hasher: KeyedHasher, question_id: str, text: str) -> bytes:
    """The keyed hash kept in ``open_text_hashes`` for an open answer: equal for texts that
    differ only in case and spacing."""
    return hasher.digest("open-text", f"{question_id}\x1f{_norm(text)}")


class Medians:
    """Each survey's median duration, recomputed at most every ``ttl`` seconds once it exists:
    finding it walks half the survey's index entries, and a median seconds old judges a speeder
    just as well. One per app (per database); thread-safe enough, as a lost update only costs a
    recomputation."""

    def __init__(self, ttl: float = MEDIAN_TTL):
        self.ttl = ttl
        self._values: dict[int, tuple[float, float]] = {}

    def get(self, conn: sqlite3.Connection, survey_id: int) -> float | None:
        now = time.monotonic()
        cached = self._values.get(survey_id)
        if cached and now - cached[0] < self.ttl:
            return cached[1]
        median = _fresh_median(conn, survey_id)
        if median is not None:
            self._values[survey_id] = (now, median)
        return median


def _fresh_median(conn: sqlite3.Connection, survey_id: int) -> float | None:
    """The median through the (survey, duration) index: no scan of the responses."""
    count = quality_store.timed_responses(conn, survey_id)
    if count < SPEEDER_AFTER:
        return None
    values = quality_store.durations_from(conn, survey_id, (count - 1) // 2, 2)
    return statistics.median(values[: 1 if count % 2 else 2])


def answered(definition: Definition, answers: dict[str, Any]) -> int:
    """How many answers a response gives: one per answered question, one per answered row of a
    matrix (each row is read and judged on its own)."""
    count = 0
    for question in definition.questions.values():
        value = answers.get(question.id)
        if isinstance(value, dict):
            count += sum(1 for v in value.values() if v not in (None, ""))
        elif value not in (None, "", []):
            count += 1
    return count


def flags_for(
    conn: sqlite3.Connection,
    hasher: KeyedHasher,
    survey_id: int,
    definition: Definition,
    answers: dict[str, Any],
    duration_s: int | None,
    medians: Medians | None = None,
    seconds_per_answer: float = SECONDS_PER_ANSWER,
) -> list[str]:
    """Flags of a new response. Records its open answers' keyed hashes, so call it inside the
    transaction that stores the response (``responses.service`` does).
    ``seconds_per_answer`` is the absolute speeder floor (0 switches it off)."""
    flags = []
    if duration_s is not None:
        if duration_s < seconds_per_answer * answered(definition, answers):
            flags.append("speeder")
        else:
            median = (medians or Medians(ttl=0)).get(conn, survey_id)
            if median is not None and duration_s < median / 3:
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
            digest = open_text_digest(hasher, question.id, value)
            if not quality_store.note_open_text(conn, survey_id, question.id, digest):
                flags.append("duplicate_text")
    return sorted(set(flags))
