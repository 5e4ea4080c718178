"""Staff-only figures per interviewer, kept as counters apart from the responses: a response
never names its interviewer, so these counters are the only place the two meet.

Both functions run inside the caller's write transaction (the attempt's, or the stored
interview's through ``submit_answers(also=...)``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from appliance.surveys.definition import Definition


def count_attempt(conn: sqlite3.Connection, survey_id: int, interviewer_id: int, at: float) -> None:
    """One call attempt or interview start by ``interviewer_id`` at epoch ``at``: their working
    time of that day."""
    return None


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
    return None
