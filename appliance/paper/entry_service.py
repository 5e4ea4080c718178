"""Entering returned paper forms: finding the form by its code, storing its answers as a
``paper`` response, and double entry.

Contracts:

- A form is found by its printed code (``appliance.mailing.codes``; only the code's keyed hash is
  looked up) among the survey's invitations, or entered as an anonymous form (no invitation). An
  unknown code, a code of another survey and a used invitation are refused alike in
  :class:`Refused`; the code itself is never stored or logged anywhere.
- A response is stored through :func:`appliance.responses.service.submit_answers`, the path of
  the respondent pages: mode ``paper``, no start time (so no duration and no speed flag), the
  invitation marked used in the same transaction (a used invitation never twice, also not for
  two confirmations racing: the second gets ``AlreadyAnswered``), the invitation's fixed segment
  values, and a form key that makes a repeated confirmation store nothing new.
- Double entry: when the survey's setting asks for it, the first entry is held in
  ``paper_pending`` (identity plane) until a different user enters the same form. The pending
  row is erased in the transaction that stores the response, or at once when the invitation
  turns out to be used, or when staff discard it.
- Audit entries name the survey and the kind of step, never the code, the invitation, the
  response or the answers.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from appliance.auth.service import Actor
from appliance.crypto import KeyedHasher
from appliance.db import iso, transaction, utcnow
from appliance.mailing import codes
from appliance.paper import entry_store as store
from appliance.responses import service as responses_service
from appliance.responses.flow import Channel
from appliance.responses.segments import LANGUAGE
from appliance.surveys.definition import Definition

DOUBLE_ENTRY = store.DOUBLE_ENTRY
AlreadyAnswered = responses_service.AlreadyAnswered
# What staff write on an anonymous sheet held for its second entry: 8 characters of the code
# alphabet (no I, L, O, U), enough to tell a day's sheets apart, never a person.
BATCH_LENGTH = 8


class Refused(Exception):
    """The form cannot be entered; ``reason`` is one of ``unknown``, ``used``, ``yours``
    (the same person cannot enter a form twice), ``held`` (already held for a second entry)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Form:
    """A form being entered: its invitation (None for an anonymous form), the language fixed
    for it (None when none was), and the pending first entry when this is the second."""

    invitation_id: int | None
    language: str | None = None
    pending_id: str | None = None


def open_coded(
    conn: sqlite3.Connection, hasher: KeyedHasher, survey_id: int, typed: str, user_id: int
) -> Form:
    """The form with the printed code ``typed`` (as people type it); raises Refused."""
    code = codes.normalise(typed or "")
    invitation = store.invitation_by_code(conn, codes.code_hash(hasher, code)) if code else None
    if invitation is None or invitation["survey_id"] != survey_id:
        raise Refused("unknown")
    if invitation["used"]:
        raise Refused("used")
    pending = store.pending_for_invitation(conn, invitation["id"])
    if pending is not None and pending["entered_by"] == user_id:
        raise Refused("yours")
    language = json.loads(invitation["segments"] or "{}").get(LANGUAGE)
    return Form(invitation["id"], language, pending["id"] if pending else None)


def open_pending(conn: sqlite3.Connection, survey_id: int, pending_id: str, user_id: int) -> Form:
    """The second entry of a held anonymous form; raises Refused (``unknown``, ``yours``).
    A coded form's second entry starts from its code, so the sheet in hand is the one held."""
    pending = store.pending_by_id(conn, survey_id, pending_id)
    if pending is None or pending["invitation_id"] is not None:
        raise Refused("unknown")
    if pending["entered_by"] == user_id:
        raise Refused("yours")
    return Form(None, pending["language"], pending["id"])


def pending_entry(conn: sqlite3.Connection, survey_id: int, pending_id: str) -> sqlite3.Row | None:
    """The pending first entry (``answers`` as JSON, ``entered_by``, ``form_key`` …) or None."""
    return store.pending_by_id(conn, survey_id, pending_id)


def pending_of(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    """The survey's pending first entries, oldest first."""
    return store.pending_of(conn, survey_id)


def double_entry(conn: sqlite3.Connection, survey_id: int) -> tuple[str, int]:
    """(off, sample or all; the sample's percentage)."""
    return store.settings_of(conn, survey_id)


def set_double_entry(
    conn: sqlite3.Connection, actor: Actor, survey_id: int, mode: str, percent: int
) -> None:
    """Change the survey's double entry (``mode`` in DOUBLE_ENTRY, ``percent`` 1-100);
    audited. Forms held already stay held."""
    if mode not in DOUBLE_ENTRY or not 1 <= percent <= 100:
        raise ValueError((mode, percent))
    with transaction(conn):
        store.set_settings(conn, survey_id, mode, percent)
        actor.log(
            conn, "paper_form.double_entry", f"survey:{survey_id}", mode=mode, percent=percent
        )


def needs_second_entry(conn: sqlite3.Connection, survey_id: int) -> bool:
    """Whether a new first entry is held for a second (``all``, or drawn for the sample)."""
    mode, percent = store.settings_of(conn, survey_id)
    return mode == "all" or (mode == "sample" and secrets.randbelow(100) < percent)


def entered_today(conn: sqlite3.Connection, survey_id: int, today: date) -> int:
    """The survey's paper responses stored today (by anyone)."""
    day = today.isoformat()
    return responses_service.count_responses(conn, survey_id, mode="paper", since=day, until=day)


def hold(
    conn: sqlite3.Connection,
    actor: Actor,
    survey_id: int,
    form: Form,
    *,
    language: str,
    answers: dict[str, Any],
    form_key: str,
) -> str:
    """Hold a first entry for its second; audited. Returns the batch code to write on an
    anonymous sheet ("" for a coded form). Raises Refused("held") when the form is held
    already (two first entries racing)."""
    batch = None if form.invitation_id else new_batch()
    try:
        with transaction(conn):
            store.add_pending(
                conn,
                id=secrets.token_hex(16),
                survey_id=survey_id,
                invitation_id=form.invitation_id,
                batch=batch,
                language=language,
                answers=answers,
                form_key=form_key,
                entered_by=actor.id,
                entered_at=iso(utcnow()),
            )
            actor.log(conn, "paper_form.held", f"survey:{survey_id}")
    except sqlite3.IntegrityError as exc:
        raise Refused("held") from exc
    return batch or ""


def new_batch() -> str:
    return "".join(secrets.choice(codes.ALPHABET) for _ in range(BATCH_LENGTH))


def discard(conn: sqlite3.Connection, actor: Actor, survey_id: int, pending_id: str) -> bool:
    """Erase a pending first entry unstored (the sheet is entered again from scratch);
    audited. False when there was none."""
    with transaction(conn):
        if store.pending_by_id(conn, survey_id, pending_id) is None:
            return False
        store.delete_pending(conn, pending_id)
        actor.log(conn, "paper_form.discarded", f"survey:{survey_id}")
    return True


@dataclass(frozen=True)
class Writing:
    """What storing needs from the app: the group commit, keys and medians, the minimum group
    size, and the contact opt-in's explanation in a language (``submit_answers``)."""

    writer: Any
    keys: Any
    medians: Any
    k: int
    explanation: Callable[[str], str]


def store_entry(
    conn: sqlite3.Connection,
    writing: Writing,
    actor: Actor,
    survey_id: int,
    definition: Definition,
    form: Form,
    *,
    language: str,
    answers: dict[str, Any],
    form_key: str,
    today: date,
    also: Callable[[sqlite3.Connection], None] | None = None,
) -> str:
    """Store checked ``answers`` as a paper response and return its id; the pending first entry
    (``form.pending_id``) is erased in the same transaction, and ``also(conn)`` runs in it too
    (a scanned form's waiting rows are erased there, ``appliance.paper.scan_service``). Raises
    AlreadyAnswered for a used invitation (the pending entry is erased then too: its form is
    answered)."""
    channel = Channel("paper")
    if form.invitation_id is not None:
        invitation = store.invitation_by_id(conn, form.invitation_id)
        if invitation is None:
            raise AlreadyAnswered  # erased since it was opened: nothing to answer
        fixed = json.loads(invitation["segments"] or "{}")
        segments = {a: v for a, v in fixed.items() if a != LANGUAGE}
        channel = Channel("paper", invitation["token_hash"], segments)

    def after(writer_conn: sqlite3.Connection) -> None:
        if form.pending_id:
            store.delete_pending(writer_conn, form.pending_id)
        actor.log(
            writer_conn, "paper_form.entered", f"survey:{survey_id}", second=bool(form.pending_id)
        )
        if also is not None:
            also(writer_conn)

    try:
        return responses_service.submit_answers(
            writing.writer,
            writing.keys,
            writing.medians,
            survey_id,
            definition,
            channel,
            language=language,
            answers=answers,
            form_key=form_key,
            # No start time: how long typing took says nothing of the respondent, so no
            # duration is stored and no speed flag computed (responses.quality).
            started=None,
            today=today,
            speeder_floor=0,
            k=writing.k,
            explanation=writing.explanation,
            # A printed form carries no first page the respondent is known to have read.
            publication_notice=False,
            also=after,
        )
    except AlreadyAnswered:
        if form.pending_id:
            with transaction(conn):
                store.delete_pending(conn, form.pending_id)
        raise


def differences(first: dict[str, Any], second: dict[str, Any]) -> list[str]:
    """Question ids whose answers differ between two entries (a matrix as a whole)."""
    return [q for q in dict.fromkeys([*first, *second]) if first.get(q) != second.get(q)]
