"""SQL behind the record of processing activities and the privacy statement: counts only.

Nothing here decrypts or returns a personal value: contact fields are counted by whether their
ciphertext column is set, accounts by role and access window. All counts of :func:`usage` come
from one read snapshot, so they agree with each other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from appliance.contacts.store import VISIBLE

# Contact columns per category of personal data (NULL where the import had no value).
CONTACT_CATEGORIES = {
    "email": ("email",),
    "name": ("first_name", "infix", "last_name"),
    "gender": ("gender",),
    "postal": ("street", "house_number", "postcode", "town"),
    "phone": ("phone",),
}
# A survey has a name field when any question of any page has the type "name".
_HAS_NAME_FIELD = (
    "EXISTS (SELECT 1 FROM json_each(s.definition, '$.pages') p,"
    " json_each(p.value, '$.questions') q WHERE json_extract(q.value, '$.type') = 'name')"
)
_NOT_ANONYMOUS = "coalesce(json_extract(s.definition, '$.anonymous'), 1) = 0"


@dataclass(frozen=True)
class Window:
    """A researcher account's access window (local dates, inclusive) and its survey grants."""

    valid_from: str | None
    valid_until: str | None
    surveys: int
    open_today: bool


@dataclass(frozen=True)
class Usage:
    contacts: int = 0
    lists: int = 0
    categories: dict[str, int] = field(default_factory=dict)  # CONTACT_CATEGORIES -> contacts
    bases: dict[str, tuple[int, int]] = field(default_factory=dict)  # basis -> (imports, contacts)
    purposes: list[str] = field(default_factory=list)
    suppressions: int = 0
    invitations_linked: int = 0
    surveys: int = 0
    surveys_with_name_field: int = 0
    surveys_not_anonymous: int = 0
    responses: int = 0
    names_held: int = 0
    responses_linked: int = 0
    contact_requests_open: int = 0
    accounts: dict[str, int] = field(default_factory=dict)  # enabled accounts per role
    staff_two_factor: int = 0
    researchers: list[Window] = field(default_factory=list)
    surveys_published: int = 0
    reviews_published: int = 0
    phone_campaigns: int = 0
    interview_responses: int = 0  # responses an interviewer took, by telephone or face to face


def _one(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> int:
    return conn.execute(sql, params).fetchone()[0] or 0


def _contact_counts(conn: sqlite3.Connection) -> tuple[int, dict[str, int]]:
    parts = ", ".join(
        f"count(CASE WHEN {' OR '.join(f'{c} IS NOT NULL' for c in columns)} THEN 1 END)"
        for columns in CONTACT_CATEGORIES.values()
    )
    row = conn.execute(f"SELECT count(*), {parts} FROM contacts WHERE {VISIBLE}").fetchone()  # noqa: S608 - fixed column names
    return row[0], dict(zip(CONTACT_CATEGORIES, row[1:], strict=True))


def _bases(conn: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    rows = conn.execute(
        "SELECT i.basis, count(*),"
        " (SELECT count(*) FROM contacts c JOIN contact_imports j ON j.id = c.import_id"
        "  WHERE j.status = 'done' AND j.basis = i.basis)"
        " FROM contact_imports i WHERE i.status = 'done' GROUP BY i.basis ORDER BY i.basis"
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def _purposes(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT trim(purpose) FROM contact_imports"
        " WHERE status = 'done' AND trim(purpose) != '' ORDER BY 1"
    )
    return [r[0] for r in rows]


def _windows(conn: sqlite3.Connection, today: date) -> list[Window]:
    day = today.isoformat()
    rows = conn.execute(
        "SELECT u.valid_from, u.valid_until,"
        " (SELECT count(*) FROM researcher_grants g WHERE g.user_id = u.id)"
        " FROM users u WHERE u.role = 'researcher' AND u.disabled_at IS NULL"
        " ORDER BY u.valid_from, u.valid_until, u.id"
    )
    return [
        Window(r[0], r[1], r[2], (r[0] or "") <= day and (r[1] is None or day <= r[1]))
        for r in rows
    ]


def usage(conn: sqlite3.Connection, today: date) -> Usage:
    """What the appliance holds now, as counts (``today`` decides which access windows are open)."""
    conn.execute("BEGIN")  # one snapshot for every count below
    try:
        contacts, categories = _contact_counts(conn)
        accounts = dict(
            conn.execute(
                "SELECT role, count(*) FROM users WHERE disabled_at IS NULL GROUP BY role"
            ).fetchall()
        )
        return Usage(
            contacts=contacts,
            lists=_one(conn, "SELECT count(*) FROM contact_lists"),
            categories=categories,
            bases=_bases(conn),
            purposes=_purposes(conn),
            suppressions=_one(conn, "SELECT count(*) FROM suppressions"),
            invitations_linked=_one(
                conn, "SELECT count(*) FROM invitations WHERE contact_id IS NOT NULL"
            ),
            surveys=_one(conn, "SELECT count(*) FROM surveys"),
            surveys_published=_one(conn, "SELECT count(*) FROM publications WHERE published = 1"),
            reviews_published=_one(
                conn,
                "SELECT count(*) FROM published_reviews r JOIN publications p"
                " ON p.survey_id = r.survey_id WHERE p.published = 1",
            ),
            surveys_with_name_field=_one(
                conn,
                f"SELECT count(*) FROM surveys s WHERE {_HAS_NAME_FIELD}",  # noqa: S608
            ),
            surveys_not_anonymous=_one(
                conn,
                f"SELECT count(*) FROM surveys s WHERE {_NOT_ANONYMOUS}",  # noqa: S608
            ),
            responses=_one(conn, "SELECT count(*) FROM responses"),
            names_held=_one(conn, "SELECT count(*) FROM name_answers"),
            responses_linked=_one(
                conn, "SELECT count(*) FROM response_contacts WHERE contact_id IS NOT NULL"
            ),
            contact_requests_open=_one(
                conn, "SELECT count(*) FROM contact_requests WHERE handled_at IS NULL"
            ),
            accounts=accounts,
            staff_two_factor=_one(
                conn,
                "SELECT count(*) FROM users"
                " WHERE role = 'staff' AND disabled_at IS NULL AND totp_enabled = 1",
            ),
            researchers=_windows(conn, today),
            phone_campaigns=_one(conn, "SELECT count(*) FROM campaigns WHERE channel = 'phone'"),
            interview_responses=_one(
                conn, "SELECT count(*) FROM responses WHERE mode IN ('phone', 'onsite')"
            ),
        )
    finally:
        conn.execute("COMMIT")


def last_change(conn: sqlite3.Connection, names: Iterable[str]) -> str | None:
    """When an admin last changed one of the settings ``names`` (ISO UTC), or None."""
    names = list(names)
    marks = ", ".join("?" * len(names))
    row = conn.execute(
        f"SELECT max(changed_at) FROM setting_overrides WHERE name IN ({marks})",  # noqa: S608
        names,
    ).fetchone()
    return row[0]
