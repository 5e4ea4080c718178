"""What a refused request of a watched account (the external researcher) leaves for the client.

Contract: :func:`record` appends one audit entry ``request.refused`` per refused request, which
the Researcher activity page shows beside the report views and exports (promise 14: the company
can check what the researcher does, including what she tried). The entry holds the method, the
path with every path argument that is not a number replaced by its name (so invitation tokens,
kiosk keys and response ids never reach the log), the status, the reason and, when the path names
a survey, its id. Never the query string, a form field or a header. No Flask here: the guard's
hook passes the request's parts in.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from appliance.auth import store
from appliance.auth.service import Actor
from appliance.i18n import N_
from appliance.surveys import store as surveys_store

ACTION = "request.refused"
# Access refusals. A 400 (a form that did not validate) or a 429 is not a refusal of access.
STATUSES = frozenset({401, 403, 404, 405})
MAX_PATH = 200
REASONS = {
    "role": N_("role does not allow"),
    "not_granted": N_("survey not granted"),
    "not_found": N_("not found"),
    "method": N_("method not accepted"),
}
_ARGUMENT = re.compile(r"<(?:[^:<>]*:)?(\w+)>")


def shown_path(rule: str | None, args: Mapping[str, Any], path: str) -> str:
    """The path to record: built from the matched ``rule`` with number arguments filled in and
    any other argument as ``<name>``; for a path no rule matches, its first segment only (the
    rest may be anything the researcher typed, a token among it)."""
    if rule is None:
        first = path.lstrip("/").split("/", 1)[0][:40]
        return f"/{first}/<unmatched>" if first else "/<unmatched>"

    def fill(match: re.Match) -> str:
        value = args.get(match[1])
        is_number = isinstance(value, int) and not isinstance(value, bool)
        return str(value) if is_number else f"<{match[1]}>"

    return _ARGUMENT.sub(fill, rule)[:MAX_PATH]


def reason(conn: sqlite3.Connection, user_id: int, status: int, survey_id: int | None) -> str:
    """Why ``status`` was answered: the role, a survey that exists but is not granted to this
    account (the researcher herself gets the same 404 as for a missing survey), or not found."""
    if status in (401, 403):
        return "role"
    if status == 405:
        return "method"
    if (
        survey_id is not None
        and surveys_store.get_survey(conn, survey_id) is not None
        and survey_id not in store.granted_survey_ids(conn, user_id)
    ):
        return "not_granted"
    return "not_found"


def record(
    conn: sqlite3.Connection,
    actor: Actor,
    method: str,
    path: str,
    status: int,
    survey_id: int | None = None,
) -> None:
    """Append the refusal of ``actor``'s request (``path`` as made by :func:`shown_path`)."""
    details: dict[str, Any] = {
        "method": method,
        "path": path,
        "status": status,
        "reason": reason(conn, actor.id, status, survey_id),
    }
    if survey_id is not None:
        details["survey"] = survey_id
    actor.log(conn, ACTION, "", **details)
