"""SQL for surveys: their definition and lifecycle. No Flask here."""

from __future__ import annotations

import functools
import json
import secrets
import sqlite3

from appliance.db import iso, utcnow
from appliance.surveys.definition import Definition

STATUSES = ("draft", "open", "closed")


def create_survey(conn: sqlite3.Connection, definition: Definition) -> int:
    now = iso(utcnow())
    cur = conn.execute(
        "INSERT INTO surveys (title, status, definition, created_at, updated_at, link_token)"
        " VALUES (?, 'draft', ?, ?, ?, ?)",
        (
            definition.title[definition.languages[0]],
            json.dumps(definition.to_json()),
            now,
            now,
            secrets.token_urlsafe(16),
        ),
    )
    return cur.lastrowid


def list_surveys(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT s.id, s.title, s.status, s.opens_on, s.closes_on, s.updated_at,"
        " (SELECT count(*) FROM responses r WHERE r.survey_id = s.id) AS responses"
        " FROM surveys s ORDER BY s.id DESC"
    ).fetchall()


def titles(conn: sqlite3.Connection, include_closed: bool = True) -> list[sqlite3.Row]:
    """(id, title) of surveys, newest first, without the response counts of list_surveys."""
    where = "" if include_closed else " WHERE status != 'closed'"
    return conn.execute(
        f"SELECT id, title FROM surveys{where} ORDER BY id DESC"  # noqa: S608 - fixed clause
    ).fetchall()


def set_dates(
    conn: sqlite3.Connection, survey_id: int, opens_on: str | None, closes_on: str | None
) -> None:
    conn.execute(
        "UPDATE surveys SET opens_on = ?, closes_on = ?, updated_at = ? WHERE id = ?",
        (opens_on, closes_on, iso(utcnow()), survey_id),
    )


def get_survey(conn: sqlite3.Connection, survey_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM surveys WHERE id = ?", (survey_id,)).fetchone()


def get_survey_by_link(conn: sqlite3.Connection, token: str) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM surveys WHERE link_token = ?", (token,)).fetchone()


def answered_questions(conn: sqlite3.Connection, survey_id: int) -> set[str]:
    """Ids of the questions that have at least one stored answer (names included)."""
    rows = conn.execute(
        "SELECT DISTINCT j.key FROM responses r, json_each(r.answers) j WHERE r.survey_id = ?"
        " UNION SELECT DISTINCT n.question_id FROM name_answers n"
        " JOIN responses r ON r.id = n.response_id WHERE r.survey_id = ?",
        (survey_id, survey_id),
    )
    return {r[0] for r in rows}


def definition_of(row: sqlite3.Row) -> Definition:
    """The parsed questionnaire of a survey row. Parsed once per distinct text: respondents'
    requests would otherwise check the whole definition again on every page."""
    return parse_definition(row["definition"])


@functools.lru_cache(maxsize=128)
def parse_definition(text: str) -> Definition:
    return Definition.parse(json.loads(text))


def save_definition(conn: sqlite3.Connection, survey_id: int, definition: Definition) -> None:
    conn.execute(
        "UPDATE surveys SET title = ?, definition = ?, updated_at = ? WHERE id = ?",
        (
            definition.title[definition.languages[0]],
            json.dumps(definition.to_json()),
            iso(utcnow()),
            survey_id,
        ),
    )


def set_status(conn: sqlite3.Connection, survey_id: int, status: str) -> None:
    if status not in STATUSES:
        raise ValueError(status)
    now = iso(utcnow())
    # closed_at starts the retention clock of the contact data used for the survey.
    conn.execute(
        "UPDATE surveys SET status = ?, updated_at = ?,"
        " closed_at = CASE WHEN ? = 'closed' THEN ? ELSE NULL END WHERE id = ?",
        (status, now, status, now, survey_id),
    )


def response_count(conn: sqlite3.Connection, survey_id: int) -> int:
    return conn.execute(
        "SELECT count(*) FROM responses WHERE survey_id = ?", (survey_id,)
    ).fetchone()[0]


# ---- kiosks -------------------------------------------------------------------------------------


KIOSK_IDLE_ACTIONS = ("discard", "submit")


def create_kiosk(
    conn: sqlite3.Connection,
    hasher,
    survey_id: int,
    name: str,
    idle_seconds: int,
    on_idle: str = "discard",
) -> str:
    """Register a kiosk; returns its device key (256 bits), shown once; only a hash is kept.
    ``on_idle``: what happens to a walked-away respondent's answers (see KIOSK_IDLE_ACTIONS)."""
    if on_idle not in KIOSK_IDLE_ACTIONS:
        raise ValueError(on_idle)
    key = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO kiosks (survey_id, name, key_hash, idle_seconds, on_idle, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            survey_id,
            name.strip(),
            hasher.digest("kiosk", key),
            idle_seconds,
            on_idle,
            iso(utcnow()),
        ),
    )
    return key


def kiosk_by_key(conn: sqlite3.Connection, hasher, key: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM kiosks WHERE key_hash = ? AND revoked_at IS NULL",
        (hasher.digest("kiosk", key),),
    ).fetchone()


def kiosks_of(conn: sqlite3.Connection, survey_id: int) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT * FROM kiosks WHERE survey_id = ? ORDER BY id", (survey_id,)
    ).fetchall()


def revoke_kiosk(conn: sqlite3.Connection, survey_id: int, kiosk_id: int) -> bool:
    cur = conn.execute(
        "UPDATE kiosks SET revoked_at = ? WHERE id = ? AND survey_id = ? AND revoked_at IS NULL",
        (iso(utcnow()), kiosk_id, survey_id),
    )
    return cur.rowcount == 1
