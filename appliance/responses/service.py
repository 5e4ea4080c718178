"""Storing a respondent's answers, and staff operations on single responses.

A submission from the respondent pages is assembled here (names apart, duration, flags, the
wording of a contact opt-in) and written through the group commit (``appliance.groupcommit``);
:func:`submit` stores one in a transaction of its own. Staff operations each write in one
transaction with their audit entry. The audit entries name the survey, never the response: the
log is read more widely than the responses are.

Reads of responses and invitations pass through here as plain calls of the store, so views never
depend on SQL.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from appliance.auth.service import Actor
from appliance.crypto import FieldCipher, KeyedHasher
from appliance.db import transaction
from appliance.groupcommit import GroupCommit
from appliance.keys import Keys
from appliance.responses import quality, store
from appliance.responses.flow import Channel
from appliance.surveys.definition import Definition


def submit(conn: sqlite3.Connection, hasher: KeyedHasher, cipher: FieldCipher, **fields) -> str:
    """Store one response in a transaction of its own and return its id; ``fields`` and what is
    refused are those of :func:`appliance.responses.store.store_response`. For callers without
    a group commit (the console, tests); the respondent pages use :func:`submit_answers`."""
    with transaction(conn):
        return store.store_response(conn, hasher, cipher, **fields)


def submit_answers(
    writer: GroupCommit,
    keys: Keys,
    medians: quality.Medians,
    survey_id: int,
    definition: Definition,
    channel: Channel,
    *,
    language: str,
    answers: dict[str, Any],
    form_key: str,
    started: int | None,
    today: date,
    speeder_floor: float,
    k: int,
    explanation: Callable[[str], str],
    extra_flags: list[str] | None = None,
    publication_notice: bool = False,
    also: Callable[[sqlite3.Connection], None] | None = None,
) -> str:
    """Store a respondent's answers to ``definition`` through the group commit ``writer`` and
    return the response id once it is on disk (a form key sent again returns the first id).

    Answers to name questions are taken out of ``answers`` (which is changed) and stored sealed
    apart; the duration runs from ``started`` (epoch seconds; None for none); the quality flags,
    with ``extra_flags``, are computed in the writer's transaction with the absolute
    ``speeder_floor``; an invited respondent's "yes" to a contact opt-in is stored with its
    wording, the question's text and ``explanation(language)``. ``k`` is the minimum group
    size for the segment values kept. ``publication_notice`` is stored as given: the caller says
    whether the respondent was told of publication on the first page, before answering.
    ``also(conn)`` runs after the response is written, in the same transaction (a paper form's
    pending first entry is erased with it, ``appliance.paper.entry_service``). Raises
    :class:`~appliance.responses.store.AlreadyAnswered` for a used invitation, TimeoutError or
    :class:`~appliance.groupcommit.Closed` from the writer."""
    hasher, invitation_hash = keys.hasher(), channel.invitation_hash
    names = {
        qid: answers.pop(qid)
        for qid, q in definition.questions.items()
        if q.type == "name" and qid in answers
    }
    duration = None if started is None else max(0, int(time.time()) - int(started))
    fields = {
        "survey_id": survey_id,
        "mode": channel.mode,
        "language": language,
        "answers": answers,
        "form_key": form_key,
        "today": today,
        "segments": channel.segments,
        "names": names,
        "duration_s": duration,
        "invitation_hash": invitation_hash,
        "flagger": lambda conn: sorted(
            quality.flags_for(
                conn, hasher, survey_id, definition, answers, duration, medians, speeder_floor
            )
            + (extra_flags or [])
        ),
        # Worded here, not in the writer: the wording needs the caller's translations.
        "contact_consent": consent_text(definition, answers, language, explanation)
        if invitation_hash
        else None,
        # The mode cannot have changed since this respondent saw it: a survey's anonymity is
        # fixed once it has been open (surveys.service.update_definition).
        "link_contact": not definition.anonymous,
        "publication_notice": publication_notice,
        "k": k,
    }
    cipher = keys.cipher()

    def work(conn: sqlite3.Connection) -> str:
        response_id = store.store_response(conn, hasher, cipher, **fields)
        if also is not None:
            also(conn)
        return response_id

    # Many respondents' submissions share one commit; the result comes back only once this
    # response is on disk.
    return writer.run(work)


def consent_text(
    definition: Definition,
    answers: dict[str, Any],
    language: str,
    explanation: Callable[[str], str],
) -> str | None:
    """The exact wording the respondent agreed to when they answered yes to a contact opt-in:
    the question's text and ``explanation(language)``; None without such a yes."""
    for question in definition.questions.values():
        if question.type == "contact_optin" and answers.get(question.id) == "yes":
            return f"{question.text[language]} — {explanation(language)}"
    return None


def set_excluded(
    conn: sqlite3.Connection,
    actor: Actor,
    survey_id: int,
    response_id: str,
    reason: str | None,
    today: str,
) -> None:
    """Exclude the response from every figure with ``reason`` (ISO date ``today``), or include
    it again when ``reason`` is None; audited either way."""
    with transaction(conn):
        store.set_excluded(conn, response_id, reason, today)
        actor.log(
            conn,
            "response.excluded" if reason else "response.included",
            f"survey:{survey_id}",
            reason=reason,
        )


def exported(conn: sqlite3.Connection, actor: Actor, survey_id: int, kind: str, rows: int) -> None:
    """Audit an export of ``rows`` responses in format ``kind`` (csv or xlsx)."""
    actor.log(conn, "responses.exported", f"survey:{survey_id}", format=kind, rows=rows)


def mark_contact_handled(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, response_id: str
) -> bool:
    """Record that staff contacted the respondent who asked for it (the request is erased at
    the next retention run); audited. False, with nothing written, when there was no open
    request."""
    with transaction(conn):
        handled = store.mark_contact_handled(conn, response_id)
        if handled:
            actor.log(conn, "contact_request.handled", f"survey:{survey_id}")
    return handled


# ---- reads: plain calls of the store, so views never depend on its SQL ----------------------

# The ways a response can come in, as stored in ``responses.mode``.
MODES = store.MODES
# Raised by :func:`submit_answers` for an invitation that was used already.
AlreadyAnswered = store.AlreadyAnswered


def find_invitation(conn: sqlite3.Connection, token_hash: bytes) -> sqlite3.Row | None:
    """The invitation with ``token_hash`` (``id``, ``survey_id``, ``used``, ``segments``: the
    segment values fixed for its response), or None."""
    return store.find_invitation(conn, token_hash)


def responses_of(conn: sqlite3.Connection, survey_id: int, **filters: Any) -> list[sqlite3.Row]:
    """The survey's responses, newest day first; ``filters`` (since, until, mode, flag,
    excluded, limit, offset) are those of :func:`appliance.responses.store.responses_of`."""
    return store.responses_of(conn, survey_id, **filters)


def count_responses(conn: sqlite3.Connection, survey_id: int, **filters: Any) -> int:
    """How many responses :func:`responses_of` finds with the same filters."""
    return store.count_responses(conn, survey_id, **filters)


def get_response(conn: sqlite3.Connection, survey_id: int, response_id: str) -> sqlite3.Row | None:
    """The survey's response ``response_id``, or None (also when it belongs to another survey)."""
    return store.get_response(conn, survey_id, response_id)


def names_of(conn: sqlite3.Connection, cipher: FieldCipher, response_id: str) -> dict[str, str]:
    """The response's answers to name questions, opened: question id to name."""
    return store.names_of(conn, cipher, response_id)


def contact_request_of(conn: sqlite3.Connection, response_id: str) -> sqlite3.Row | None:
    """The respondent's request to be contacted about this response (with the wording agreed
    to), or None."""
    return store.contact_request_of(conn, response_id)


def linked_contact_of(conn: sqlite3.Connection, response_id: str) -> sqlite3.Row | None:
    """In a non-anonymous survey, the response's link to its invited contact (``contact_id``
    NULL once the contact is erased); None for every other response."""
    return store.linked_contact_of(conn, response_id)
