"""Storing an interview, telephone or face to face: the questions asked, the answers as the
respondent pages would store them, and what a broken-off interview keeps.

Contracts:

- The interview asks the questions of the survey in order, each by keyboard as in paper entry
  (:mod:`appliance.paper.entry_keys`), but not the consent to publish (nobody was told of
  publication before answering) and, face to face, not the contact opt-in (an on-site
  respondent has no invitation to be contacted through). Routing is that of the respondent
  pages: :func:`appliance.surveys.answers.check` decides what is kept.
- A response is stored through :func:`appliance.responses.service.submit_answers`: mode
  ``phone`` with the call's invitation (marked used, its fixed segment values, as an invited
  paper form), or mode ``onsite`` with no invitation and the segment ``location``. It never
  holds the call, the contact, the invitation or the interviewer: the call's outcome and the
  interviewer's figures are written beside it, in the same transaction, by
  ``calls_service.completed`` and ``figures.count_interview``.
- A form key sent again stores nothing new and counts nothing again (the outcome, the figures):
  whether the key is new is decided in the writer's transaction itself.
- Duration: an interview's length is counted in the interviewer's figures only, never stored
  on its response (the two side by side would pair each response with its interviewer). The
  speeder flag is that of the absolute floor only (seconds per answer): the survey's median
  mixes self-completed responses, whose pace says nothing of an interview's.
- A broken-off interview is kept as a partial response (flag ``partial``, call outcome
  ``partial``) when the survey's rule keeps it (``setup_service.keeps_partial``); else nothing
  is stored and the call's outcome is ``break_off``.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, tzinfo
from typing import Any

from appliance.auth.service import Actor
from appliance.interviews import calls_service, figures, interview_store, setup_service
from appliance.interviews.calls_service import InHand
from appliance.paper import entry_keys
from appliance.responses import quality
from appliance.responses import service as responses_service
from appliance.responses.flow import Channel
from appliance.responses.segments import LANGUAGE
from appliance.surveys.answers import check, condition_met
from appliance.surveys.definition import Definition

AlreadyAnswered = responses_service.AlreadyAnswered
NOT_ASKED = ("publish_consent",)
# An interview sent from a tablet says how long it took; longer than this is a device left on.
MAX_SECONDS = 4 * 3600


@dataclass(frozen=True)
class Writing:
    """What storing needs from the app: the group commit, keys, the minimum group size, the
    speeder floor (seconds per answer) and the contact opt-in's explanation in a language."""

    writer: Any
    keys: Any
    k: int
    speeder_floor: float
    explanation: Callable[[str], str]


class _NoMedian:
    """No survey median for interviews (see the module docstring)."""

    def get(self, _conn, _survey_id) -> None:
        return None


def asked(definition: Definition, *, invited: bool) -> dict[str, int]:
    """The questions an interview asks, numbered in order (question id -> number)."""
    order = [
        q.id
        for page in definition.pages
        for q in page.questions
        if q.type not in NOT_ASKED and (invited or q.type != "contact_optin")
    ]
    return {qid: n for n, qid in enumerate(order, start=1)}


def fields(
    definition: Definition, language: str, *, invited: bool, words: tuple[str, str, str]
) -> list[entry_keys.Field]:
    """The interview's inputs (one per question, one per matrix row), in order; ``words`` are
    yes, no and not applicable in the interview's language."""
    return entry_keys.fields(definition, language, asked(definition, invited=invited), words)


def applicable(definition: Definition, answers: Mapping[str, Any], numbers) -> int:
    """How many of the asked questions (``numbers``) apply with these answers (page and
    question conditions met)."""
    return sum(
        1
        for page in definition.pages
        if condition_met(page.show_if, dict(answers))
        for q in page.questions
        if q.id in numbers and condition_met(q.show_if, dict(answers))
    )


def checked_raw(definition: Definition, raw: Mapping[str, list[str]], numbers):
    """:func:`check` of raw values, with the answers of questions not asked left out."""
    result = check(definition, raw)
    result.answers = {q: a for q, a in result.answers.items() if q in numbers}
    result.errors = {q: e for q, e in result.errors.items() if q in numbers}
    return result


def already_stored(conn: sqlite3.Connection, keys, form_key: str) -> bool:
    """Whether an interview was stored under ``form_key`` (a confirmation sent twice)."""
    return interview_store.form_key_used(conn, keys.hasher().digest("form-key", form_key))


class _FirstTime:
    """The writer, telling whether the form key was new in the very transaction that stores."""

    def __init__(self, writer, key_hash: bytes):
        self.writer, self.key_hash, self.fresh = writer, key_hash, False

    def run(self, work):
        def checked(conn: sqlite3.Connection):
            self.fresh = not interview_store.form_key_used(conn, self.key_hash)
            return work(conn)

        return self.writer.run(checked)


def _store(
    writing: Writing,
    survey_id: int,
    definition: Definition,
    channel: Channel,
    *,
    language: str,
    answers: dict[str, Any],
    form_key: str,
    started: int | None,
    today: date,
    flags: list[str],
    beside: Callable[[sqlite3.Connection, dict[str, Any], int | None], None],
) -> str:
    """Store through ``submit_answers``; ``beside(conn, answers, seconds)`` runs in the same
    transaction, only when the form key is new. The response keeps no length: the interviewer's
    figures keep it per interviewer and day, and the two side by side would name the
    interviewer of every response (the speeder flag is decided here, from the floor alone)."""
    writer = _FirstTime(writing.writer, writing.keys.hasher().digest("form-key", form_key))
    seconds = None if started is None else max(0, int(time.time()) - int(started))
    kept = dict(answers)
    if seconds is not None and seconds < writing.speeder_floor * quality.answered(
        definition, _named_out(definition, answers)
    ):
        flags = [*flags, "speeder"]

    def also(conn: sqlite3.Connection) -> None:
        if writer.fresh:
            beside(conn, kept, seconds)

    return responses_service.submit_answers(
        writer,
        writing.keys,
        _NoMedian(),
        survey_id,
        definition,
        channel,
        language=language,
        answers=answers,
        form_key=form_key,
        started=None,
        today=today,
        speeder_floor=writing.speeder_floor,
        k=writing.k,
        explanation=writing.explanation,
        extra_flags=flags,
        # Nobody read a publication notice out before the first question.
        publication_notice=False,
        also=also,
    )


def _named_out(definition: Definition, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers the interviewer's figures may see: no name typed."""
    return {q: a for q, a in answers.items() if definition.questions[q].type != "name"}


# ---- telephone -------------------------------------------------------------------------------


def phone_language(definition: Definition, call: InHand) -> str:
    """The contact's language when the survey has it, else the survey's first."""
    return call.language if call.language in definition.languages else definition.languages[0]


def _phone_channel(conn: sqlite3.Connection, call: InHand) -> Channel:
    invitation = interview_store.invitation_by_id(conn, call.invitation_id)
    if invitation is None or invitation["survey_id"] != call.survey_id:
        raise AlreadyAnswered  # erased since the call was handed out: nobody to answer for
    fixed = json.loads(invitation["segments"] or "{}")
    segments = {a: v for a, v in fixed.items() if a != LANGUAGE}
    return Channel("phone", invitation["token_hash"], segments)


def store_phone(
    conn: sqlite3.Connection,
    writing: Writing,
    call: InHand,
    user_id: int,
    definition: Definition,
    *,
    answers: dict[str, Any],
    form_key: str,
    started: int | None,
    today: date,
    partial: bool = False,
) -> str:
    """Store a telephone interview (complete, or a partial one kept) and mark the call's
    outcome and the interviewer's figures in the same transaction; returns the response id.
    Raises AlreadyAnswered when the contact's invitation was used meanwhile (they answered
    online or on paper)."""
    channel = _phone_channel(conn, call)
    outcome = "partial" if partial else "complete"

    def beside(writer_conn: sqlite3.Connection, kept: dict[str, Any], seconds: int | None):
        calls_service.completed(call.call_id, user_id, outcome)(writer_conn)
        figures.count_interview(
            writer_conn,
            definition,
            call.survey_id,
            user_id,
            today.isoformat(),
            seconds,
            _named_out(definition, kept),
        )

    return _store(
        writing,
        call.survey_id,
        definition,
        channel,
        language=phone_language(definition, call),
        answers=answers,
        form_key=form_key,
        started=started,
        today=today,
        flags=["partial"] if partial else [],
        beside=beside,
    )


def break_off(
    conn: sqlite3.Connection,
    writing: Writing,
    call: InHand,
    user_id: int,
    definition: Definition,
    *,
    answers: dict[str, Any],
    form_key: str,
    started: int | None,
    today: date,
    tz: tzinfo | None = None,
    now: float | None = None,
    actor: Actor | None = None,
) -> str:
    """The respondent stopped: keep what was validly ``answers`` when the survey's rule keeps
    it (returns ``partial``), else store nothing and record the outcome ``break_off``
    (returns ``break_off``; ``tz``: the appliance's time zone, for the parts of the day, as on
    the call screen; ``now``: the attempt's time, default the clock). Raises AlreadyAnswered
    as :func:`store_phone`."""
    numbers = asked(definition, invited=True)
    rule = setup_service.partial_rule(conn, call.survey_id)
    if setup_service.keeps_partial(rule, len(answers), applicable(definition, answers, numbers)):
        store_phone(
            conn,
            writing,
            call,
            user_id,
            definition,
            answers=answers,
            form_key=form_key,
            started=started,
            today=today,
            partial=True,
        )
        return "partial"
    # The outcome of a call without an interview is the calls part's to record (and to
    # count as an attempt): its ``record``.
    calls_service.record(
        conn, writing.keys, user_id, call.call_id, "break_off", actor=actor, tz=tz, now=now
    )
    return "break_off"


# ---- face to face ----------------------------------------------------------------------------


def store_onsite(
    conn: sqlite3.Connection,
    writing: Writing,
    user_id: int,
    survey_id: int,
    definition: Definition,
    *,
    location: str,
    language: str,
    answers: dict[str, Any],
    form_key: str,
    seconds: int | None,
    today: date,
    now: float | None = None,
) -> str:
    """Store a face-to-face interview at ``location`` (its name): mode ``onsite``, no
    invitation, the segment ``location``; the interviewer's figures in the same transaction.
    ``seconds``: the interview's length as the device measured it (None: unknown); ``now``:
    when it ended, for the interviewer's working time (default: the clock; the demo's interviews
    took place on days before today); returns the response id (the first one for a form key
    sent again)."""
    started = None
    if seconds is not None and 0 <= seconds <= MAX_SECONDS:
        started = int(time.time()) - seconds
    # A length out of bounds is ignored for the start (the working time) as for the length.
    ended = time.time() if now is None else now
    started_at = ended - (seconds if started is not None and seconds else 0)

    def beside(writer_conn: sqlite3.Connection, kept: dict[str, Any], taken: int | None):
        figures.count_attempt(writer_conn, survey_id, user_id, started_at)
        figures.count_interview(
            writer_conn,
            definition,
            survey_id,
            user_id,
            today.isoformat(),
            taken,
            _named_out(definition, kept),
        )

    return _store(
        writing,
        survey_id,
        definition,
        Channel("onsite", None, {setup_service.LOCATION: location}),
        language=language,
        answers=answers,
        form_key=form_key,
        started=started,
        today=today,
        flags=[],
        beside=beside,
    )


# ---- what respondents are told ----------------------------------------------------------------


def interviewing_of(conn: sqlite3.Connection, survey_id: int) -> tuple[bool, bool]:
    """(the survey has telephone campaigns, it has face-to-face locations): what its
    transparency page explains."""
    return (
        interview_store.has_phone_campaign(conn, survey_id),
        bool(setup_service.locations(conn, survey_id)),
    )
