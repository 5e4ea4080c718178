"""The audit log through the API, for admins: what the audit log page and its CSV export show,
entry by entry, for a program that copies the log elsewhere (a SIEM, an archive).

Read forward with a cursor: ``after_id`` is the last id the reader holds, and the answer gives
the entries after it, oldest first, and the ``next_after_id`` to ask with next. Every call is
recorded as ``api.called`` like any other; reading adds no entry of its own, as the page adds
none (its CSV export does, and a copy is what this is for, so the call's entry stands for it).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from flask import jsonify

from appliance import audit
from appliance.api.blueprint import bp
from appliance.api.declare import ID_SCHEMA, Operation, Param, Schema, operation, problem, query
from appliance.auth.guard import requires
from appliance.web import get_db

TAG = "Audit log"
MOMENT = {"type": "string", "format": "date-time"}
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
ENTRY = Schema(
    "AuditEntry",
    {
        "type": "object",
        "required": ["id", "at", "actor", "action", "target", "details", "address", "hash"],
        "properties": {
            "id": {"type": "integer"},
            "at": {"type": "string", "description": "UTC, to the second"},
            "actor": {
                "type": "string",
                "description": "A username, or 'system' or 'cli' (the command line)",
            },
            "action": {"type": "string"},
            "target": {"type": "string"},
            "details": {"type": "object", "description": "Ids, counts and parameters"},
            "address": {"type": "string", "description": "The client's IP address, if any"},
            "hash": {"type": "string", "description": "The entry's link in the hash chain"},
        },
    },
)
ENTRIES = Schema(
    "AuditEntries",
    {
        "type": "object",
        "required": ["items", "more", "next_after_id"],
        "properties": {
            "items": {"type": "array", "items": ENTRY},
            "more": {"type": "boolean", "description": "More entries match already"},
            "next_after_id": {
                "type": "integer",
                "description": "The after_id of the next call: the last id given here, or "
                "the after_id asked with when nothing was",
            },
        },
    },
)


def _stored_form(text: str) -> str:
    """An RFC 3339 moment as the log stores moments (UTC, whole seconds), compared alike:
    a fraction rounds up, as every entry is at a whole second. Raises ValueError."""
    if not _RFC3339.fullmatch(text):
        raise ValueError(text)
    moment = datetime.fromisoformat(text.upper())
    try:
        if moment.microsecond:
            moment = moment.replace(microsecond=0) + timedelta(seconds=1)
        # Not db.iso: strftime leaves a year below 1000 unpadded, which would compare wrongly.
        return moment.astimezone(UTC).isoformat()[:19] + "Z"
    except OverflowError:
        # Beyond the calendar's ends: below or above every stored moment, as strings compare.
        return "0" if moment.year == 1 else "A"


def entry_json(row) -> dict:
    return {
        "id": row["id"],
        "at": row["at"],
        "actor": row["actor"],
        "action": row["action"],
        "target": row["target"],
        "details": json.loads(row["details"] or "{}"),
        "address": row["address"] or "",
        "hash": row["hash"],
    }


@bp.route("/v1/audit")
@requires("audit.read")
@operation(
    Operation(
        "Audit log entries after a given one, oldest first",
        {200: ("Entries", ENTRIES)},
        TAG,
        description="The filters of the audit log page. Entries past the audit retention "
        "are kept as signed summaries only (appliance audit verify) and are not listed.",
        params=(
            Param(
                "after_id",
                "Entries with a higher id (0: from the oldest kept)",
                {**ID_SCHEMA, "minimum": 0, "default": 0},
            ),
            Param(
                "limit",
                "At most this many entries",
                {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100},
            ),
            Param("action", "Actions starting with this, e.g. subject. or user.created"),
            Param("actor", "This username (any case), or system or cli"),
            Param("since", "At or after this moment (RFC 3339, e.g. 2026-03-01T08:00:00Z)", MOMENT),
            Param("until", "Before this moment (RFC 3339)", MOMENT),
        ),
    )
)
def list_audit():
    args = query()
    bounds = {}
    for name in ("since", "until"):
        if name in args:
            try:
                bounds[name] = _stored_form(args[name])
            except ValueError:
                return problem(
                    400, f"'{name}' must be an RFC 3339 moment, e.g. 2026-03-01T08:00:00Z"
                )
    flt = audit.Filter(
        action=args.get("action", "").strip(),
        actor=args.get("actor", "").strip(),
        since=bounds.get("since", ""),
        until=bounds.get("until", ""),
    )
    after_id, limit = args.get("after_id", 0), args.get("limit", 100)
    rows = audit.after(get_db(), flt, after_id, limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    return jsonify(
        {
            "items": [entry_json(r) for r in rows],
            "more": more,
            "next_after_id": rows[-1]["id"] if rows else after_id,
        }
    )
