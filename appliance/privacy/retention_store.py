"""SQL of the retention engine: when each piece of personal data falls due, and erasing it.

Dates are ISO days ('YYYY-MM-DD') in the organisation's time zone; ``today`` is passed in, so a
dry run, the page and the daily job agree on what is due. Month arithmetic is SQLite's
``date(d, '+N months')``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence


def _plus(day: str, param: str = "months") -> str:
    """SQL for ``day`` plus N months, clamped to the last day of the month reached: SQLite's
    own date(d, '+6 months') turns 31 Aug into 3 Mar, which would keep data 3 days too long.
    The query must bind :<param> ('+N months') and :<param>_end ('+N+1 months')."""
    return f"min(date({day}, :{param}), date({day}, 'start of month', :{param}_end, '-1 day'))"


def _bind(n: int, param: str = "months") -> dict[str, str]:
    return {param: f"+{int(n)} months", f"{param}_end": f"+{int(n) + 1} months"}


# Per contact: the UTC day of the last invitation or reminder actually sent to it. A message still
# queued, refused (bounced, failed) or cancelled reached no one; such a contact counts from its
# import, which is earlier, so the promise holds either way. (Timestamps count by their UTC day:
# in Amsterdam that can erase a few hours early, never late.)
_LAST_SENT = """last_sent AS (
    SELECT i.contact_id, substr(max(o.sent_at), 1, 10) AS day
    FROM invitations i JOIN outbox o ON o.invitation_id = i.id
    WHERE i.contact_id IS NOT NULL{only} AND o.state = 'sent' AND o.sent_at IS NOT NULL
    GROUP BY i.contact_id)"""

# Contacts invited to one survey (:sid), for its page.
_INVITED = " AND i.contact_id IN (SELECT contact_id FROM invitations WHERE survey_id = :sid)"
# The keys of one turn of the purge (:among, a JSON array): the purge reads what is due outside
# the write lock, then checks it again, for these keys only, in the turn that erases them.
_AMONG = "(SELECT value FROM json_each(:among))"


def _contact_due(only_invited_to_survey: bool = False, among: bool = False) -> str:
    """A ``WITH`` clause ending in ``due (id, list_id, due)``: per visible contact the day it
    falls due, the contact term after the last message sent to it, or after its import when none
    was. Never NULL: nothing, not even a survey that stays open, keeps a contact longer.
    ``among``: only the contacts whose ids the query binds as :among (a JSON array)."""
    only, where = "", []
    if only_invited_to_survey:
        only += _INVITED
        where.append("c.id IN (SELECT contact_id FROM invitations WHERE survey_id = :sid)")
    if among:
        only += f" AND i.contact_id IN {_AMONG}"
        where.append(f"c.id IN {_AMONG}")
    filtered = f" WHERE {' AND '.join(where)}" if where else ""
    start = "coalesce(s.day, substr(coalesce(b.finished_at, b.created_at), 1, 10))"
    return f"""WITH {_LAST_SENT.format(only=only)},
due AS (
    SELECT c.id, c.list_id, {_plus(start)} AS due
    FROM contacts c JOIN contact_imports b ON b.id = c.import_id AND b.status = 'done'
    LEFT JOIN last_sent s ON s.contact_id = c.id{filtered})"""  # noqa: S608


_CONTACT_DUE = _contact_due()
_CONTACT_DUE_AMONG = _contact_due(among=True)


def _among(keys: Sequence[int | str]) -> str:
    return json.dumps(list(keys))


def due_contacts(
    conn: sqlite3.Connection, months: int, today: str, among: Sequence[int] | None = None
) -> list[int]:
    """Ids of the contacts due on ``today``, in id order; with ``among``, of those ids only."""
    params: dict[str, object] = {"today": today, **_bind(months)}
    if among is not None:
        params["among"] = _among(among)
    sql = _CONTACT_DUE if among is None else _CONTACT_DUE_AMONG
    return [
        r[0]
        for r in conn.execute(
            f"{sql} SELECT id FROM due WHERE due <= :today ORDER BY id",  # noqa: S608 - fixed SQL
            params,
        )
    ]


def contact_schedule(conn: sqlite3.Connection, months: int) -> list[sqlite3.Row]:
    """(due, n) per day, earliest first."""
    return conn.execute(
        f"{_CONTACT_DUE} SELECT due, count(*) AS n FROM due GROUP BY due ORDER BY due",  # noqa: S608
        _bind(months),
    ).fetchall()


def list_erasure(conn: sqlite3.Connection, months: int) -> dict[int, sqlite3.Row]:
    """Per contact list: the first and the last due day of its contacts."""
    rows = conn.execute(
        f"{_CONTACT_DUE} SELECT list_id, min(due) AS first_due, max(due) AS last_due,"  # noqa: S608
        " count(*) AS n FROM due GROUP BY list_id",
        _bind(months),
    )
    return {r["list_id"]: r for r in rows}


def survey_erasure(
    conn: sqlite3.Connection, survey_id: int, contact_months: int, name_months: int
) -> sqlite3.Row:
    """For one survey: how many of the contacts invited to it are still held, the first and
    the last day one of them falls due (each by its own last message, whichever survey it was
    for), and the first and last due day of names typed into the survey."""
    return conn.execute(
        f"{_contact_due(only_invited_to_survey=True)}"  # noqa: S608 - fixed SQL
        " SELECT (SELECT count(*) FROM due) AS contacts,"
        " (SELECT min(due) FROM due) AS contacts_first,"
        " (SELECT max(due) FROM due) AS contacts_last,"
        f" (SELECT {_plus('min(n.submitted_on)', 'nm')} FROM name_answers n"
        "   JOIN responses r ON r.id = n.response_id WHERE r.survey_id = :sid) AS names_first,"
        f" (SELECT {_plus('max(n.submitted_on)', 'nm')} FROM name_answers n"
        "   JOIN responses r ON r.id = n.response_id WHERE r.survey_id = :sid) AS names_last",
        {"sid": survey_id, **_bind(contact_months), **_bind(name_months, "nm")},
    ).fetchone()


# ---- the other kinds ---------------------------------------------------------------------------

_REJECTS_DUE = (
    f"SELECT {_plus('substr(b.created_at, 1, 10)')} AS due, count(*) AS n"  # noqa: S608
    " FROM import_rejects r JOIN contact_imports b ON b.id = r.import_id"
)
_NAMES_DUE = f"SELECT {_plus('submitted_on')} AS due, count(*) AS n FROM name_answers"  # noqa: S608
# Handled requests are due at once; open ones at their deadline.
_REQUESTS_DUE = (
    "SELECT CASE WHEN handled_at IS NOT NULL THEN :today"
    " ELSE date(substr(created_at, 1, 10), :days) END AS due, count(*) AS n"
    " FROM contact_requests"
)
_AUDIT_DUE = f"SELECT {_plus('substr(at, 1, 10)')} AS due, count(*) AS n FROM audit_log"  # noqa: S608


def schedule(conn: sqlite3.Connection, sql: str, params: dict[str, object]) -> list[sqlite3.Row]:
    return conn.execute(f"{sql} GROUP BY due ORDER BY due", params).fetchall()


def other_schedules(
    conn: sqlite3.Connection, name_months: int, request_days: int, audit_months: int, today: str
) -> dict[str, list[sqlite3.Row]]:
    return {
        "names": schedule(conn, _NAMES_DUE, _bind(name_months)),
        "contact_requests": schedule(
            conn, _REQUESTS_DUE, {"today": today, "days": f"+{int(request_days)} days"}
        ),
        "audit_entries": schedule(conn, _AUDIT_DUE, _bind(audit_months)),
    }


def reject_schedule(conn: sqlite3.Connection, months: int) -> list[sqlite3.Row]:
    return schedule(conn, _REJECTS_DUE, _bind(months))


# What is due of the other kinds, as (table, key, condition). The purge lists the keys outside
# the write lock and erases them in turns, each checking the condition again.
_REJECT_DUE = (
    "import_rejects",
    "id",
    "import_id IN (SELECT id FROM contact_imports"  # noqa: S608 - fixed SQL
    f" WHERE {_plus('substr(created_at, 1, 10)')} <= :today)",
)
_NAME_DUE = ("name_answers", "response_id", f"{_plus('submitted_on')} <= :today")
_REQUEST_DUE = (
    "contact_requests",
    "id",
    "(handled_at IS NOT NULL OR date(substr(created_at, 1, 10), :days) <= :today)",
)


def _due_keys(conn: sqlite3.Connection, due: tuple[str, str, str], params: dict) -> list:
    table, key, condition = due
    return [
        r[0]
        for r in conn.execute(
            f"SELECT {key} FROM {table} WHERE {condition} ORDER BY {key}",  # noqa: S608 - fixed names
            params,
        )
    ]


def _erase_due(
    conn: sqlite3.Connection, due: tuple[str, str, str], params: dict, among: Sequence
) -> int:
    table, key, condition = due
    return conn.execute(
        f"DELETE FROM {table} WHERE {condition} AND {key} IN {_AMONG}",  # noqa: S608 - fixed names
        {**params, "among": _among(among)},
    ).rowcount


def due_rejects(conn: sqlite3.Connection, months: int, today: str) -> list[int]:
    """Ids of the rows an import rejected that are due on ``today``."""
    return _due_keys(conn, _REJECT_DUE, {**_bind(months), "today": today})


def erase_rejects(conn: sqlite3.Connection, months: int, today: str, among: Sequence[int]) -> int:
    """Delete those of the rejected rows ``among`` that are due on ``today``."""
    return _erase_due(conn, _REJECT_DUE, {**_bind(months), "today": today}, among)


def due_names(conn: sqlite3.Connection, months: int, today: str) -> list[str]:
    """Response ids of the typed names due on ``today``."""
    return _due_keys(conn, _NAME_DUE, {**_bind(months), "today": today})


def erase_names(conn: sqlite3.Connection, months: int, today: str, among: Sequence[str]) -> int:
    """Delete those of the typed names of the responses ``among`` that are due on ``today``."""
    return _erase_due(conn, _NAME_DUE, {**_bind(months), "today": today}, among)


def due_contact_requests(conn: sqlite3.Connection, days: int, today: str) -> list[int]:
    """Ids of the requests to be contacted due on ``today``."""
    return _due_keys(conn, _REQUEST_DUE, {"days": f"+{int(days)} days", "today": today})


def erase_contact_requests(
    conn: sqlite3.Connection, days: int, today: str, among: Sequence[int]
) -> int:
    """Delete those of the requests ``among`` that are due on ``today``."""
    return _erase_due(conn, _REQUEST_DUE, {"days": f"+{int(days)} days", "today": today}, among)


def last_audit_id_due(conn: sqlite3.Connection, months: int, today: str) -> int | None:
    """The newest audit entry past retention; it and every older one go into a summary."""
    return conn.execute(
        f"SELECT max(id) FROM audit_log WHERE {_plus('substr(at, 1, 10)')} <= :today",  # noqa: S608
        {**_bind(months), "today": today},
    ).fetchone()[0]


def count_due(schedule_rows: Sequence[sqlite3.Row], today: str) -> int:
    """How many items of a schedule are due on ``today`` or before."""
    return sum(r["n"] for r in schedule_rows if r["due"] <= today)
