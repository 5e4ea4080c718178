"""Face-to-face interviews on a tablet: which surveys an interviewer may interview for, and
checking and storing one interview as the device sends it.

Contracts:

- An interviewer interviews face to face only for a survey assigned to them (a survey grant)
  that has a location (a new interview needs one in use; interviews waiting on a tablet are
  still confirmed or refused when all are retired); for any other survey :func:`survey_for` is
  None (a 404: whether it exists is not theirs to know).
- The device sends one interview as JSON (:func:`submit`): a random ``key`` of at least 128
  bits (the form key: sent again, it stores nothing new), the ``location`` id, the ``language``,
  the ``seconds`` it took and the ``answers`` as raw values (question id, or ``question.item``
  for a matrix row, to a list of values). It is checked like any submission: an unknown field
  or question, a value that is not an answer of its question, a retired location, a closed
  survey are refused with :class:`Refused`, which says why in a msgid; nothing is stored then.
- Stored as ``interview_service.store_onsite``: mode ``onsite``, the location's name as the
  segment ``location``, no invitation, nothing of the interviewer.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import date
from typing import Any

from appliance.auth.service import granted_survey_ids
from appliance.i18n import N_
from appliance.interviews import interview_service, setup_service
from appliance.surveys import service as surveys_service
from appliance.surveys.definition import Definition

KEY = re.compile(r"^[A-Za-z0-9_-]{32,64}$")  # 32 hex digits (128 bits) or more
FIELDS = frozenset({"key", "location", "language", "seconds", "answers"})
MAX_VALUES = 200


class Refused(Exception):
    """``status`` (400 for a malformed interview, 409 for one the survey no longer takes) and
    ``reason`` (a msgid; ``detail`` is what it is about, e.g. a question id)."""

    def __init__(self, status: int, reason: str, detail: str = ""):
        super().__init__(reason)
        self.status, self.reason, self.detail = status, reason, detail


def assigned(conn: sqlite3.Connection, user_id: int) -> list[sqlite3.Row]:
    """The surveys assigned to the interviewer that take face-to-face interviews, by id (their
    start page lists them)."""
    ids = setup_service.surveys_with_locations(conn, granted_survey_ids(conn, user_id))
    rows = [surveys_service.get_survey(conn, survey_id) for survey_id in sorted(ids)]
    return [r for r in rows if r is not None]


def survey_for(conn: sqlite3.Connection, user_id: int, survey_id: int) -> sqlite3.Row | None:
    """The survey when the interviewer may interview for it face to face (see above). A survey
    whose locations are all retired is still found: interviews waiting on a tablet must still
    be confirmed or refused (a new one there is refused by :func:`submit`)."""
    if survey_id not in granted_survey_ids(conn, user_id):
        return None
    if not setup_service.locations(conn, survey_id):
        return None
    return surveys_service.get_survey(conn, survey_id)


def _raw(definition: Definition, answers: Any) -> dict[str, list[str]]:
    """The answers as raw form values; Refused for anything that is not an asked question."""
    if not isinstance(answers, dict) or len(answers) > MAX_VALUES:
        raise Refused(400, N_("The answers are not in the expected form."))
    numbers = interview_service.asked(definition, invited=False)
    cells = set()
    for qid in numbers:
        question = definition.questions[qid]
        cells |= {f"{qid}.{item.value}" for item in question.items} if question.items else {qid}
    raw: dict[str, list[str]] = {}
    for cell, value in answers.items():
        if cell not in cells:
            raise Refused(400, N_("There is no question %(question)s in this interview."), cell)
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_VALUES or not all(isinstance(v, str) for v in values):
            raise Refused(400, N_("The answer to %(question)s is not valid."), cell)
        raw[cell] = values
    return raw


def submit(
    conn: sqlite3.Connection,
    writing: interview_service.Writing,
    user_id: int,
    row: sqlite3.Row,
    payload: Any,
    today: date,
    now: float | None = None,
) -> str:
    """Check and store one interview sent by the device; returns the response id (the first
    one for a key sent again). Raises :class:`Refused`. ``now``: when it ended (see
    ``interview_service.store_onsite``)."""
    if not isinstance(payload, dict) or not set(payload) <= FIELDS:
        raise Refused(400, N_("The interview is not in the expected form."))
    key = payload.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        raise Refused(400, N_("The interview has no valid key."))
    definition = surveys_service.definition_of(row)
    if interview_service.already_stored(conn, writing.keys, key):
        # Sent again after the first was stored (the answer was lost on the way): confirm it
        # before checking anything that may have changed since (the questionnaire, the
        # location, whether the survey is open): the first was checked when it was stored.
        return interview_service.store_onsite(
            conn,
            writing,
            user_id,
            row["id"],
            definition,
            location="",
            language=definition.languages[0],
            answers={},
            form_key=key,
            seconds=None,
            today=today,
        )
    language = payload.get("language")
    if language not in definition.languages:
        raise Refused(400, N_("The survey has no such language."))
    seconds = payload.get("seconds")
    if seconds is not None and (not isinstance(seconds, int) or isinstance(seconds, bool)):
        raise Refused(400, N_("The interview's duration is not valid."))
    location_id = payload.get("location")
    if not isinstance(location_id, int) or isinstance(location_id, bool):
        raise Refused(400, N_("Choose a location."))
    raw = _raw(definition, payload.get("answers"))
    numbers = interview_service.asked(definition, invited=False)
    result = interview_service.checked_raw(definition, raw, numbers)
    if result.errors:
        qid, reason = next(iter(result.errors.items()))
        raise Refused(400, reason, qid)
    location = setup_service.open_location(conn, row["id"], location_id)
    if location is None:
        raise Refused(409, N_("This location is retired: it takes no new interviews."))
    if not surveys_service.accepting(row, today):
        raise Refused(409, N_("This survey is not open: the interview cannot be stored."))
    return interview_service.store_onsite(
        conn,
        writing,
        user_id,
        row["id"],
        definition,
        location=location,
        language=language,
        answers=result.answers,
        form_key=key,
        seconds=seconds,
        today=today,
        now=now,
    )
