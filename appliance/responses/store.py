"""SQL of the response plane, and the rules that keep answers apart from respondents.

Contract of :func:`store_response`: the response row gets a random 128-bit id, the day (not the
time) of submission, the answers, and the segment values the caller gives (for an invitation: the
values fixed for it when it was made, see ``responses.segments``, never the contact's own);
never a contact id, an invitation id, an address or a user agent. Only two links to a person
exist, both in the identity plane: a contact request (the respondent said "contact me") and, in
a survey announced as non-anonymous, the response's invited contact. An invitation is only marked
used. A repeated submission of the same form (same key) returns the first response's id and
writes nothing; a used invitation cannot submit again. No report counter is touched: the
response is stored as not yet counted (``folded`` 0) and the fold (``reports.fold_store``) adds
it in the background.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from appliance.crypto import FieldCipher, KeyedHasher
from appliance.db import iso, utcnow
from appliance.mailing.links import invitation_hash
from appliance.responses.segments import LANGUAGE

MODES = ("invitation", "link", "kiosk", "paper", "phone", "onsite")


class AlreadyAnswered(Exception):
    """The invitation was used before."""


def new_response_id() -> str:
    return secrets.token_hex(16)


def store_response(
    conn: sqlite3.Connection,
    hasher: KeyedHasher,
    cipher: FieldCipher,
    *,
    survey_id: int,
    mode: str,
    language: str,
    answers: Mapping[str, Any],
    form_key: str,
    today: date,
    segments: Mapping[str, str] | None = None,
    names: Mapping[str, str] | None = None,
    duration_s: int | None = None,
    invitation_hash: bytes | None = None,
    flagger: Callable[[sqlite3.Connection], list[str]] | None = None,
    contact_consent: str | None = None,
    link_contact: bool = False,
    k: int | None = None,
    publication_notice: bool = False,
) -> str:
    """Store one response (see the module docstring); returns its id. Call inside a write
    transaction: it checks before it writes, but a failure after that leaves partial writes.

    With ``k``, an invitation's response keeps its segment values only when at least ``k`` used
    invitations of its wave (itself included) share them, and its language only when ``k``
    share that too; otherwise it stores none, and "" for the language (who answered is in the
    database: the used invitations).

    ``publication_notice``: the respondent was told on the first page, before answering, that
    answers may be published; only such a response may ever become a public review."""
    if mode not in MODES:
        raise ValueError(mode)
    key_hash = hasher.digest("form-key", form_key)
    day = today.isoformat()
    seen = conn.execute(
        "SELECT response_id FROM submissions WHERE key_hash = ?", (key_hash,)
    ).fetchone()
    if seen:
        return seen[0]
    if invitation_hash is not None:
        used = conn.execute(
            "UPDATE invitations SET used = 1 WHERE token_hash = ? AND used = 0"
            " RETURNING campaign_id",
            (invitation_hash,),
        ).fetchall()
        if len(used) != 1:
            raise AlreadyAnswered
        if used[0][0] is not None:
            # The use of an invitation counts on its campaign (the response rate): part of
            # marking the invitation, the response itself links to neither.
            conn.execute(
                "UPDATE campaigns SET responses = responses + 1 WHERE id = ?", (used[0][0],)
            )
        if k is not None:
            segments, language = _shared(conn, invitation_hash, segments or {}, language, k)
    response_id = new_response_id()
    # After the checks: a submission refused above leaves no trace in the flag data.
    flags = flagger(conn) if flagger else []
    conn.execute(
        "INSERT INTO responses (id, survey_id, mode, submitted_on, language, segments,"
        " answers, duration_s, flags, publication_notice)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            response_id,
            survey_id,
            mode,
            day,
            language,
            json.dumps(dict(segments or {}), ensure_ascii=False, sort_keys=True),
            json.dumps(dict(answers), ensure_ascii=False, sort_keys=True),
            duration_s,
            json.dumps(flags),
            int(publication_notice),
        ),
    )
    for question_id, name in (names or {}).items():
        conn.execute(
            "INSERT INTO name_answers (response_id, question_id, value, submitted_on)"
            " VALUES (?, ?, ?, ?)",
            (
                response_id,
                question_id,
                cipher.encrypt(name, "name_answers", "value", response_id),
                day,
            ),
        )
    conn.execute(
        "INSERT INTO submissions (key_hash, response_id, submitted_on) VALUES (?, ?, ?)",
        (key_hash, response_id, day),
    )
    if contact_consent and invitation_hash is not None:
        # The only link from a response to a person: asked for, with its wording.
        conn.execute(
            "INSERT INTO contact_requests (survey_id, contact_id, response_id,"
            " consent_text, created_at) SELECT survey_id, contact_id, ?, ?, ?"
            " FROM invitations WHERE token_hash = ?",
            (response_id, contact_consent, iso(utcnow()), invitation_hash),
        )
    if link_contact and invitation_hash is not None:
        # Non-anonymous survey, announced before the first answer: the response names its
        # invited contact, in the identity plane.
        conn.execute(
            "INSERT INTO response_contacts (response_id, survey_id, contact_id)"
            " SELECT ?, survey_id, contact_id FROM invitations"
            " WHERE token_hash = ? AND contact_id IS NOT NULL",
            (response_id, invitation_hash),
        )
    return response_id


def _shared(
    conn: sqlite3.Connection,
    invitation_hash: bytes,
    segments: Mapping[str, str],
    language: str,
    k: int,
) -> tuple[Mapping[str, str], str]:
    """The segment values and language a response of this (just used) invitation may keep: its
    language only when it is the invitation's fixed one (a switch of language, or a language too
    rare to fix, would name the respondent) and k used invitations share both."""
    wave = conn.execute(
        "SELECT survey_id, campaign_id, segments, group_key FROM invitations WHERE token_hash = ?",
        (invitation_hash,),
    ).fetchone()
    if segments and _used_alike(conn, wave, "group_key", k) < k:
        segments = {}
    fixed_language = json.loads(wave["segments"] or "{}").get(LANGUAGE)
    if language != fixed_language or _used_alike(conn, wave, "segments", k) < k:
        language = ""
    return segments, language


def _used_alike(conn: sqlite3.Connection, wave: sqlite3.Row, column: str, k: int) -> int:
    """How many used invitations of the wave share this invitation's ``column``, up to k."""
    if column not in ("group_key", "segments"):
        raise ValueError(column)
    return conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM invitations"  # noqa: S608
        f" WHERE campaign_id IS ? AND {column} = ? AND survey_id = ? AND used = 1 LIMIT ?)",
        (wave["campaign_id"], wave[column], wave["survey_id"], k),
    ).fetchone()[0]


def linked_contact_of(conn: sqlite3.Connection, response_id: str) -> sqlite3.Row | None:
    """The link of a response in a non-anonymous survey to its invited contact (``contact_id``
    NULL once the contact is erased); None for every other response."""
    return conn.execute(
        "SELECT contact_id FROM response_contacts WHERE response_id = ?", (response_id,)
    ).fetchone()


def contact_request_of(conn: sqlite3.Connection, response_id: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM contact_requests WHERE response_id = ?", (response_id,)
    ).fetchone()


def mark_contact_handled(conn: sqlite3.Connection, response_id: str) -> bool:
    """Note that staff acted on the request; False when there is none or it was handled."""
    return (
        conn.execute(
            "UPDATE contact_requests SET handled_at = ?"
            " WHERE response_id = ? AND handled_at IS NULL",
            (iso(utcnow()), response_id),
        ).rowcount
        > 0
    )


def create_invitation(
    conn: sqlite3.Connection, hasher: KeyedHasher, survey_id: int, contact_id: int | None
) -> str:
    """A single-use invitation token (256 bits); only its keyed hash is stored. Made alone, it
    is a wave of one: its response carries no segment values (``responses.segments``)."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO invitations (survey_id, contact_id, token_hash, segments, group_key)"
        " VALUES (?, ?, ?, '{}', '{}')",
        (survey_id, contact_id, invitation_hash(hasher, token)),
    )
    return token


def find_invitation(conn: sqlite3.Connection, token_hash: bytes) -> sqlite3.Row | None:
    """The invitation, with the segment values fixed for its response when it was made (see
    ``responses.segments``; never the contact's own)."""
    return conn.execute(
        "SELECT id, survey_id, used, segments FROM invitations WHERE token_hash = ?",
        (token_hash,),
    ).fetchone()


def responses_of(
    conn: sqlite3.Connection, survey_id: int, *, limit: int = -1, offset: int = 0, **filters: Any
) -> list[sqlite3.Row]:
    """Responses of a survey, newest day first, narrowed by the optional ``filters`` of
    :func:`_response_filter`; ``limit`` and ``offset`` take one page of them (all by default)."""
    where, params = _response_filter(survey_id, **filters)
    return conn.execute(
        f"SELECT * FROM responses WHERE {where} ORDER BY submitted_on DESC, id"  # noqa: S608
        " LIMIT ? OFFSET ?",
        [*params, limit, offset],
    ).fetchall()


def count_responses(conn: sqlite3.Connection, survey_id: int, **filters: Any) -> int:
    """How many responses :func:`responses_of` finds with the same ``filters``."""
    where, params = _response_filter(survey_id, **filters)
    sql = f"SELECT count(*) FROM responses WHERE {where}"  # noqa: S608
    return conn.execute(sql, params).fetchone()[0]


def _response_filter(
    survey_id: int,
    *,
    since: str = "",
    until: str = "",
    mode: str = "",
    flag: str = "",
    excluded: bool | None = None,
) -> tuple[str, list]:
    """The WHERE clause and its parameters: from and until a day (inclusive), one mode, one
    quality flag, excluded or not; an empty filter takes everything."""
    clauses, params = ["survey_id = ?"], [survey_id]
    for clause, value in (
        ("submitted_on >= ?", since),
        ("submitted_on <= ?", until),
        ("mode = ?", mode),
        ("EXISTS (SELECT 1 FROM json_each(flags) WHERE value = ?)", flag),
    ):
        if value:
            clauses.append(clause)
            params.append(value)
    if excluded is not None:
        clauses.append("excluded_on IS NOT NULL" if excluded else "excluded_on IS NULL")
    return " AND ".join(clauses), params


def get_response(conn: sqlite3.Connection, survey_id: int, response_id: str):
    return conn.execute(
        "SELECT * FROM responses WHERE survey_id = ? AND id = ?", (survey_id, response_id)
    ).fetchone()


def names_of(conn: sqlite3.Connection, cipher: FieldCipher, response_id: str) -> dict[str, str]:
    return {
        r["question_id"]: cipher.decrypt(r["value"], "name_answers", "value", response_id)
        for r in conn.execute(
            "SELECT question_id, value FROM name_answers WHERE response_id = ?", (response_id,)
        )
    }


def set_excluded(conn: sqlite3.Connection, response_id: str, reason: str | None, day: str):
    """Exclude with a reason, or include again with ``reason`` None. The report counters follow
    at the next fold (``reports.fold_store``), like a new response."""
    conn.execute(
        "UPDATE responses SET excluded_reason = ?, excluded_on = ? WHERE id = ?",
        (reason, day if reason else None, response_id),
    )
