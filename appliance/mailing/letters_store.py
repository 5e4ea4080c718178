"""SQL of post campaigns: the contacts' address fields, the letters of a wave, the record of
letters produced, and finding an invitation by its short code. No Flask here; every function
joins the caller's transaction.

Data minimisation: the statements here read the address and name fields (and language and
segments) of contacts, never the e-mail address nor its hash.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from appliance.contacts.store import VISIBLE
from appliance.db import iso, utcnow

# The sealed fields a letter needs: the address block and the salutation.
LETTER_FIELDS = (
    "street",
    "house_number",
    "postcode",
    "town",
    "country",
    "first_name",
    "infix",
    "last_name",
    "gender",
)
_COLUMNS = ", ".join(f"c.{name}" for name in LETTER_FIELDS)


def list_contacts(conn: sqlite3.Connection, list_id: int) -> Iterator[sqlite3.Row]:
    """(id, segments and the sealed :data:`LETTER_FIELDS`) of the list's visible contacts, by
    id."""
    return conn.execute(
        f"SELECT c.id, c.segments, {_COLUMNS} FROM contacts c"  # noqa: S608
        f" WHERE c.list_id = ? AND c.{VISIBLE} ORDER BY c.id",
        (list_id,),
    )


def invited_contacts(conn: sqlite3.Connection, survey_id: int) -> set[int]:
    """Ids of the contacts invited to the survey so far, by any campaign."""
    return {
        r[0]
        for r in conn.execute(
            "SELECT contact_id FROM invitations WHERE survey_id = ? AND contact_id IS NOT NULL",
            (survey_id,),
        )
    }


def wave_letters(
    conn: sqlite3.Connection, campaign_id: int, unused_only: bool
) -> list[sqlite3.Row]:
    """The campaign's invitations whose contact still exists, in invitation order: id, link
    seed, contact id, language and the sealed :data:`LETTER_FIELDS`; only those not used yet
    (no response) when ``unused_only``."""
    unused = " AND i.used = 0" if unused_only else ""
    return conn.execute(
        f"SELECT i.id, i.link_seed, c.id AS contact_id, c.language, {_COLUMNS}"  # noqa: S608
        " FROM invitations i JOIN contacts c ON c.id = i.contact_id"
        f" WHERE i.campaign_id = ?{unused} ORDER BY i.id",
        (campaign_id,),
    ).fetchall()


def record_run(
    conn: sqlite3.Connection, campaign_id: int, wave: int, letters: int, user_id: int | None
) -> None:
    conn.execute(
        "INSERT INTO letter_runs (campaign_id, wave, letters, produced_at, produced_by)"
        " VALUES (?, ?, ?, ?, ?)",
        (campaign_id, wave, letters, iso(utcnow()), user_id),
    )


def runs(conn: sqlite3.Connection, campaign_id: int) -> list[sqlite3.Row]:
    """Per wave: letters in its latest download, how often it was downloaded, when last and
    by whom (user name or None), by wave."""
    return conn.execute(
        "SELECT r.wave, r.letters, r.produced_at, u.username AS produced_by, w.runs"
        " FROM letter_runs r LEFT JOIN users u ON u.id = r.produced_by"
        " JOIN (SELECT wave, max(id) AS last, count(*) AS runs FROM letter_runs"
        "   WHERE campaign_id = ? GROUP BY wave) w ON w.last = r.id"
        " ORDER BY r.wave",
        (campaign_id,),
    ).fetchall()


def by_code(conn: sqlite3.Connection, code_hash: bytes) -> sqlite3.Row | None:
    """The invitation with this code hash: id, link seed, used, survey id and the contact's
    sealed address fields (None when the contact was erased)."""
    return conn.execute(
        "SELECT i.id, i.link_seed, i.used, i.survey_id, i.contact_id,"
        " c.street, c.house_number, c.postcode, c.town, c.country, c.language"
        " FROM invitations i LEFT JOIN contacts c ON c.id = i.contact_id"
        " WHERE i.code_hash = ?",
        (code_hash,),
    ).fetchone()
