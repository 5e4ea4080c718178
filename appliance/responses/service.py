"""Staff operations on single responses: each writes in one transaction with its audit entry.

The audit entries name the survey, never the response: the log is read more widely than the
responses are.
"""

from __future__ import annotations

import sqlite3

from appliance.auth.service import Actor
from appliance.db import transaction
from appliance.responses import store


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
